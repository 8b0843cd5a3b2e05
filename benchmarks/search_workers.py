"""Asynchronous search workers against batches: wall time and idle time of one Optuna search.

    python -m benchmarks.search_workers           # 12 trials per arm, arms alternated 3 times (12 minutes)
    python -m benchmarks.search_workers --quick   # 6 trials per arm, once

Every arm runs the real `train.py -m hydra/sweeper=plugboard_optuna` over the same grid, so each
runs the same trials: 6 lengths (`trainer.max_epochs` 1 to 6) times 2 learning rates, trials of
unequal length. The arms: 1, 2 and 4 workers on one study (`hydra.sweeper.n_workers`), each asking
for a trial when it is free, and the batched launcher (`launcher=joblib`, 2 jobs, the sweeper's
`n_jobs=2`), which waits for the slower trial of each pair. Torch threads per process = cores / N
(at least 1). Idle time is the worker-seconds not spent in a trial: N x wall time less the sum of
the trials' own times (from run_info.json's start to metrics.json's last write); worker start-up
counts as idle. Wall and idle times are medians over the repeats; each search runs in a fresh log
dir, the arms alternated.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import (
    PROJECT_ROOT,
    QUIET_SEARCH_JOB,
    argument_parser,
    markdown_table,
    median,
    write_results,
)

SEARCH = [
    "-m",
    "hydra/sweeper=plugboard_optuna",
    "hydra/sweeper/sampler=grid",
    "hydra/sweeper/pruner=nop",
    "task_name=search_workers",
    "data.train_size=1280",
    "data.val_size=32",
    "data.test_size=32",
    "data.batch_size=32",
    "model.encoder.embedding_size=16",
    "model.encoder.hidden_size=32",
    "model.decoder.embedding_size=16",
    *QUIET_SEARCH_JOB,
]
ARMS = {
    "1 worker": (1, ["hydra.sweeper.n_workers=1"]),
    "2 workers": (2, ["hydra.sweeper.n_workers=2"]),
    "4 workers": (4, ["hydra.sweeper.n_workers=4"]),
    "batched: joblib, 2 at once": (
        2,
        ["launcher=joblib", "hydra.launcher.n_jobs=2", "hydra.sweeper.n_jobs=2"],
    ),
}


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--rounds", type=int, help="times each arm runs, alternated (default 3; --quick 1)")
    args = parser.parse_args()
    learning_rates = "0.003" if args.quick else "0.001,0.003"
    runs = args.rounds or (1 if args.quick else 3)
    grid = [
        "trainer.max_epochs=choice(1,2,3,4,5,6)",
        f"model.optimizer.lr=choice({learning_rates})",
    ]
    trials = 6 * len(learning_rates.split(","))
    cores = os.cpu_count() or 1
    results: dict[str, dict] = {arm: {"wall_s": [], "idle_s": [], "trial_s": []} for arm in ARMS}
    for run in range(runs):
        for arm, (slots, overrides) in ARMS.items():
            threads = str(max(1, cores // slots))
            with tempfile.TemporaryDirectory() as log_dir:
                started = time.perf_counter()
                subprocess.run(
                    [
                        sys.executable,
                        "train.py",
                        *SEARCH,
                        *grid,
                        f"hydra.sweeper.n_trials={trials}",
                        *overrides,
                        f"paths.log_dir={log_dir}",
                    ],
                    cwd=PROJECT_ROOT,
                    env={**os.environ, "OMP_NUM_THREADS": threads, "WANDB_MODE": "offline"},
                    check=True,
                    capture_output=True,
                )
                wall = time.perf_counter() - started
                busy = trial_seconds(Path(log_dir))
            assert len(busy) == trials, f"{arm}: {len(busy)} trials ran, not {trials}"
            results[arm]["wall_s"].append(round(wall, 1))
            results[arm]["idle_s"].append(round(slots * wall - sum(busy), 1))
            results[arm]["trial_s"].append(round(sum(busy), 1))
            results[arm]["torch_threads"] = int(threads)
            print(
                f"run {run + 1}/{runs} {arm:<28} wall {wall:.1f} s, idle {slots * wall - sum(busy):.1f} s",
                flush=True,
            )
    report(results, trials, runs, args.quick, args.output_dir)


def trial_seconds(log_dir: Path) -> list[float]:
    """Each trial's own time: from its run_info.json's start to its metrics.json's last write."""
    import json

    seconds = []
    for record in log_dir.glob("*/multiruns/*/*/metrics.json"):
        started = json.loads((record.parent / "run_info.json").read_text())["started"]
        seconds.append(record.stat().st_mtime - started)
    return seconds


def report(results: dict, trials: int, runs: int, quick: bool, output_dir: Path) -> None:
    baseline = median(results["batched: joblib, 2 at once"]["wall_s"])
    rows = []
    for arm, figures in results.items():
        slots = ARMS[arm][0]
        wall, idle = median(figures["wall_s"]), median(figures["idle_s"])
        rows.append(
            [
                arm,
                figures["torch_threads"],
                f"{wall:.0f}",
                f"{baseline / wall:.2f}x",
                f"{idle:.0f}",
                f"{idle / (slots * wall):.0%}",
            ]
        )
    markdown = (
        "## Search workers against batches\n\n"
        f"{trials} trials of 1 to 6 epochs (a grid: every arm runs the same trials); seconds: median of "
        f"{runs} alternating run(s); speed-up against the batched launcher measured in the same runs; idle: "
        "worker-seconds not spent in a trial (start-up included).\n\n"
        + markdown_table(
            ["arm", "torch threads", "wall s", "speed-up vs batched", "idle worker-s", "idle share"], rows
        )
    )
    write_results(
        output_dir, "search_workers", markdown, {"quick": quick, "runs": runs, "trials": trials, **results}
    )


if __name__ == "__main__":
    main()
