"""An Optuna search with and without pruning: best validation value, epochs trained, wall time.

    python -m benchmarks.pruning           # 12 trials of up to 6 epochs per arm, arms alternated 3 times
    python -m benchmarks.pruning --quick   # 8 trials of up to 4 epochs on less data, once

Both arms run the real `train.py -m hparams_search=attention_optuna` (TPE, the preset's sampler
seed, the same trial count) on a small reverse task (sequences of up to 8 symbols), watching
validation token accuracy (it moves within a few epochs where exact match is still 0). One arm
has no pruner; the other the median pruner, active from the 4th trial and the 2nd epoch. The
arms alternate, each search in a fresh log dir and a single process; the wall time is the median
over the repeats. The other figures are read back from each study's journal (a trial's epochs are
the validation values it reported) and are the same in every repeat, training being seeded.
"""

from __future__ import annotations

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
    "hparams_search=attention_optuna",
    "data.task.max_length=8",
    "data.task.long_max_length=10",
    "data.val_size=100",
    "data.test_size=100",
    "data.batch_size=32",
    "model.encoder.embedding_size=16",
    "model.decoder.embedding_size=16",
    "monitor.metric=val/token_accuracy",
    "monitor.mode=max",
    "test=false",
    *QUIET_SEARCH_JOB,
]
ARMS = {
    "no pruning": ["hydra/sweeper/pruner=nop"],
    "median pruner": [
        "hydra/sweeper/pruner=median",
        "hydra.sweeper.pruner.n_startup_trials=3",
        "hydra.sweeper.pruner.n_warmup_steps=1",
    ],
}


def main() -> None:
    args = argument_parser(__doc__).parse_args()
    trials, epochs, runs, examples = (8, 4, 1, 600) if args.quick else (12, 6, 3, 1500)
    sizes = [
        f"hydra.sweeper.n_trials={trials}",
        f"trainer.max_epochs={epochs}",
        f"data.train_size={examples}",
    ]
    results: dict[str, dict] = {arm: {"wall_s": []} for arm in ARMS}
    for run in range(runs):
        for arm, overrides in ARMS.items():
            with tempfile.TemporaryDirectory() as log_dir:
                started = time.perf_counter()
                subprocess.run(
                    [sys.executable, "train.py", *SEARCH, *sizes, *overrides, f"paths.log_dir={log_dir}"],
                    cwd=PROJECT_ROOT,
                    check=True,
                    capture_output=True,
                )
                results[arm]["wall_s"].append(round(time.perf_counter() - started, 1))
                results[arm].update(read_study(Path(log_dir)))
            print(f"run {run + 1}/{runs} {arm:<14} {results[arm]}", flush=True)
    report(results, (trials, epochs, examples), runs, args.quick, args.output_dir)


def read_study(log_dir: Path) -> dict:
    """Best value, epochs trained (validation values reported) and trial states of the study."""
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    (path,) = log_dir.glob("*/studies/*.log")
    storage = JournalStorage(JournalFileBackend(str(path)))
    study = optuna.load_study(study_name=path.stem, storage=storage)
    states = [trial.state.name.lower() for trial in study.trials]
    return {
        "best_value": round(study.best_value, 4),
        "epochs": sum(len(trial.intermediate_values) for trial in study.trials),
        "trials": {state: states.count(state) for state in sorted(set(states))},
    }


def report(results: dict, sizes: tuple[int, int, int], runs: int, quick: bool, output_dir: Path) -> None:
    trials, epochs, examples = sizes
    rows = [
        [
            arm,
            f"{figures['best_value']:.3f}",
            f"{figures['epochs']} of {trials * epochs}",
            figures["trials"].get("pruned", 0),
            f"{median(figures['wall_s']) / 60:.1f}",
        ]
        for arm, figures in results.items()
    ]
    markdown = (
        "## Optuna search with and without pruning\n\n"
        f"{trials} trials of up to {epochs} epochs on {examples} training examples, TPE with one seed; "
        f"best validation token accuracy; minutes: median of {runs} alternating run(s).\n\n"
        + markdown_table(["arm", "best val/token_accuracy", "epochs trained", "pruned", "minutes"], rows)
    )
    write_results(
        output_dir,
        "pruning",
        markdown,
        {
            "quick": quick,
            "runs": runs,
            "trials": trials,
            "max_epochs": epochs,
            "train_size": examples,
            **results,
        },
    )


if __name__ == "__main__":
    main()
