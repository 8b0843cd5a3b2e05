"""Training steps per second: a plain PyTorch loop against `python train.py` (Lightning + Hydra).

    python -m benchmarks.overhead                 # 5 runs of each arm, 150 timed steps each
    python -m benchmarks.overhead --compile       # adds a third arm: python train.py model.compile=true
    python -m benchmarks.overhead --quick         # 3 runs, 40 steps (what `make bench` runs)

Both arms train the default job (seq2seq, GRU encoder, dot attention, Adam, batch 64 on
`data=reverse`) in a fresh process each, alternating plain, train.py, plain, ...:

(a) plain: this file composes the real config (`configs/train.yaml`, no overrides but the
    data size below), builds `cfg.data` and `cfg.model` exactly as `plugboard.core.train` does and
    runs a hand-written loop over the DataModule's `train_dataloader()`: zero_grad,
    `model.loss(model.teacher_forced_logits(batch), batch.target)`, backward, gradient-norm
    clipping at 1.0, the model's own optimizer. No logging, no checks.
(b) train.py: the real entry point, unchanged, as a user runs it: `@hydra.main`, the default
    callbacks (checkpointing, early stopping, model summary, the Rich progress bar, learning
    rate monitor, attention heatmaps, our safety callbacks: NaN stop, RNG state, last.ckpt,
    preemption), the CSV logger and printed config. The only addition is a timing callback
    (benchmarks/step_timer.py), passed as an override. The run is attached to a pseudo-terminal
    so the progress bar draws as it does on screen (`--pipe` sends its output to a pipe
    instead, where Rich does not animate it).

Only training steps are timed: steps/s = N / (time from the start of step W to the start of
step W+N), W warm-up steps, the start of a step being the moment its batch has been fetched.
Each interval therefore holds one full step (forward, backward, clipping, optimizer, and in
(b) every hook, the logging of `train/loss` and the progress bar) plus fetching the next batch.
The training set is enlarged (`data.train_size`) so the W+N steps lie in the first epoch:
no validation falls inside the window. The sanity-check validation runs before it, as in
every run; (b) ends its process when step W+N starts, so the end-of-epoch validation and the
test never run.
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import PROJECT_ROOT, argument_parser, compose, markdown_table, median, write_results

BATCH_SIZE = 64  # configs/data/reverse.yaml


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--runs", type=int, default=None, help="runs of each arm (default 5; --quick: 3)")
    parser.add_argument(
        "--steps", type=int, default=None, help="timed steps per run (default 150; --quick: 40)"
    )
    parser.add_argument("--warmup", type=int, default=10, help="untimed steps before the timed ones")
    parser.add_argument("--compile", action="store_true", help="add a third arm: train.py model.compile=true")
    parser.add_argument("--compile-warmup", type=int, default=30, help="warm-up steps of the compiled arm")
    parser.add_argument("--pipe", action="store_true", help="train.py writes to a pipe, not a terminal")
    parser.add_argument("--name", default="overhead", help="name of the result files (default overhead)")
    parser.add_argument("--arm", choices=["plain"], help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "overrides", nargs="*", help="extra config overrides for both arms, e.g. model/attention=additive"
    )
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 5)
    steps = args.steps or (40 if args.quick else 150)

    if args.arm == "plain":  # one run of arm (a), in the process the parent started
        starts = plain_loop(args.overrides, args.warmup + steps)
        args.result.write_text(json.dumps({"batch_starts": starts}))
        return

    arms = {"plain": args.warmup, "train.py": args.warmup}
    if args.compile:
        arms["train.py model.compile=true"] = args.compile_warmup
    # One training-set size for every arm, large enough for the longest warm-up + timed steps.
    overrides = [f"data.train_size={(max(arms.values()) + steps + 2) * BATCH_SIZE}", *args.overrides]
    steps_per_second: dict[str, list[float]] = {arm: [] for arm in arms}
    with tempfile.TemporaryDirectory(prefix="plugboard-overhead-") as scratch:
        for run in range(runs):
            for arm, warmup in arms.items():
                result = Path(scratch) / f"{arm.replace(' ', '_')}_{run}.json"
                run_arm(arm, warmup, steps, overrides, result, Path(scratch), args.pipe)
                starts = json.loads(result.read_text())["batch_starts"]
                rate = steps / (starts[warmup + steps] - starts[warmup])
                steps_per_second[arm].append(rate)
                print(f"run {run + 1}/{runs}  {arm:<30} {rate:7.2f} steps/s", flush=True)
    report(steps_per_second, runs, steps, args)


def run_arm(
    arm: str, warmup: int, steps: int, overrides: list[str], result: Path, scratch: Path, pipe: bool
) -> None:
    """One run of one arm in a fresh process; the start time of each batch lands in `result`."""
    if arm == "plain":
        command = [sys.executable, "-m", "benchmarks.overhead", "--arm", "plain", "--result", str(result)]
        command += ["--warmup", str(warmup), "--steps", str(steps), *overrides]
        run_with_output(command, terminal=False)
        return
    timer = (
        f"{{_target_: benchmarks.step_timer.StepTimer, path: '{result}', exit_after_steps: {warmup + steps}}}"
    )
    command = [sys.executable, "train.py", *overrides, *arm.split()[1:]]
    command += [f"+trainer.max_steps={warmup + steps + 1}", "test=false", f"paths.log_dir={scratch}/logs"]
    command += [f"+callbacks.step_timer={timer}"]
    run_with_output(command, terminal=not pipe)


def plain_loop(overrides: list[str], total_steps: int) -> list[float]:
    """Arm (a): the model and data of the default job, trained by a loop with nothing hidden."""
    import lightning as L
    import torch
    from hydra.utils import instantiate

    cfg = compose(overrides)
    L.seed_everything(cfg.seed, workers=True)
    datamodule = instantiate(cfg.data)
    datamodule.setup("fit")
    model = instantiate(cfg.model, vocabulary=datamodule.vocabulary.tokens)
    optimizer = model.configure_optimizers()  # the config's optimizer (no scheduler by default)
    assert isinstance(optimizer, torch.optim.Optimizer), "expected an optimizer without a scheduler"
    model.train()
    starts: list[float] = []
    for batch in datamodule.train_dataloader():
        starts.append(time.perf_counter())
        if len(starts) > total_steps:
            break
        optimizer.zero_grad()
        loss = model.loss(model.teacher_forced_logits(batch), batch.target)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    return starts


def run_with_output(command: list[str], terminal: bool, timeout: float = 900) -> None:
    """Runs `command` from the project root; with `terminal`, attached to a pseudo-terminal (120x40)."""
    env = {**os.environ, "TERM": os.environ.get("TERM", "xterm-256color"), "COLUMNS": "120", "LINES": "40"}
    if not terminal:
        result = subprocess.run(
            command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )
        return
    import fcntl
    import struct
    import termios

    controller, device = pty.openpty()
    fcntl.ioctl(device, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdin=device, stdout=device, stderr=device)
    os.close(device)
    tail, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:  # drain the terminal, as a terminal emulator would
        ready, _, _ = select.select([controller], [], [], 1.0)
        if not ready:
            if process.poll() is not None:
                break
            continue
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        tail = (tail + chunk)[-6000:]
    os.close(controller)
    if process.wait(timeout=max(1.0, deadline - time.monotonic())) != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{tail.decode(errors='replace')}")


def paired_ratios(rates: list[float], plain: list[float]) -> list[float]:
    """Each run against the plain run just before it: robust to the machine drifting between runs."""
    return [rate / reference for rate, reference in zip(rates, plain, strict=True)]


def report(steps_per_second: dict[str, list[float]], runs: int, steps: int, args) -> None:
    plain = median(steps_per_second["plain"])
    rows = []
    for arm, rates in steps_per_second.items():
        middle = median(rates)
        rows.append(
            [
                arm,
                f"{middle:.2f}",
                f"{1000 / middle:.1f}",
                f"{middle / plain:.3f}",
                f"{median(paired_ratios(rates, steps_per_second['plain'])):.3f}",
                ", ".join(f"{rate:.2f}" for rate in rates),
            ]
        )
    table = markdown_table(
        ["arm", "median steps/s", "ms/step", "ratio of medians", "median of paired ratios", "each run"], rows
    )
    output = "a pipe" if args.pipe else "a pseudo-terminal (the progress bar draws)"
    extra = f" with `{' '.join(args.overrides)}`" if args.overrides else ""
    compiled = f" ({args.compile_warmup} for the compiled arm)" if args.compile else ""
    title = (
        f"## Training overhead: plain loop vs `python train.py`\n\n"
        f"Default job{extra}, {runs} alternating runs per arm, {steps} timed steps after "
        f"{args.warmup} warm-up steps{compiled}; train.py writes to {output}.\n\n{table}"
    )
    write_results(
        args.output_dir,
        args.name,
        title,
        {
            "steps": steps,
            "warmup": args.warmup,
            "runs": runs,
            "overrides": args.overrides,
            "output": "pipe" if args.pipe else "terminal",
            "steps_per_second": steps_per_second,
            "median_steps_per_second": {arm: median(rates) for arm, rates in steps_per_second.items()},
            "median_paired_ratio": {
                arm: median(paired_ratios(rates, steps_per_second["plain"]))
                for arm, rates in steps_per_second.items()
            },
        },
    )


if __name__ == "__main__":
    main()
