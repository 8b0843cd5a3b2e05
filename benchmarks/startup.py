"""Start-up time: how long `python train.py` takes to reach its first training step, and why.

    python -m benchmarks.startup            # median of 5 fresh processes per command
    python -m benchmarks.startup --quick    # median of 2 (what `make bench` runs)

Wall time of fresh processes, from just before the process is started:

- `python -c pass`: the interpreter alone.
- `python -c "import torch, lightning"`: the libraries every run needs.
- composing the config: `import plugboard` (its resolvers) and `hydra.compose("train")`.
- `import hydra`: the floor for anything Hydra answers.
- `python train.py --help` and an unknown option (`model/attention=addtive`): what Hydra answers
  before any work starts. Goal: each at most 1.5 s (neither loads torch).
- `python train.py` up to its first training step: the default job as a user starts it
  (`test=false`, logs in a scratch folder), with a timing callback (benchmarks/step_timer.py)
  that notes when fit starts, the sanity-check validation, and the first training batch,
  then ends the process. Goal: at most 2 s between `import torch, lightning` and the first step.

Then one run under `python -X importtime` lists which heavy optional libraries the same run
imports before its first step, how long each took, and which module brought it in.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import PROJECT_ROOT, argument_parser, markdown_table, median, write_results

GOAL_SECONDS = 2.0
HYDRA_ANSWER_GOAL_SECONDS = 1.5
HYDRA_ANSWERS = ("python train.py --help", "unknown option")
# Libraries the default job does not need; the question is whether it imports them anyway.
OPTIONAL = (
    "wandb",
    "mlflow",
    "tensorboard",
    "tensorboardX",
    "matplotlib",
    "optuna",
    "scipy",
    "pandas",
    "sympy",
)
COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "import hydra": ["-c", "import hydra"],
    "import torch, lightning": ["-c", "import torch, lightning"],
    "compose the config": ["-c", "import plugboard; from benchmarks.common import compose; compose()"],
    "python train.py --help": ["train.py", "--help"],
    "unknown option": ["train.py", "model/attention=addtive"],
}
# Commands that end in a user error on purpose.
EXPECTED_STATUS = {"unknown option": 1}


def main() -> None:
    args = argument_parser(__doc__).parse_args()
    repeats = 2 if args.quick else 5
    seconds: dict[str, list[float]] = {name: [] for name in [*COMMANDS, "train.py to first step"]}
    phases: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="plugboard-startup-") as scratch:
        for repeat in range(repeats):  # alternate the commands, so a busy moment spreads over all
            for name, arguments in COMMANDS.items():
                status = EXPECTED_STATUS.get(name, 0)
                seconds[name].append(timed_process([sys.executable, *arguments], status))
            phase = first_step(Path(scratch), repeat)
            seconds["train.py to first step"].append(phase["first training step"])
            phases.append(phase)
            print(
                f"repeat {repeat + 1}/{repeats}: "
                + ", ".join(f"{n} {s[-1]:.2f}s" for n, s in seconds.items())
            )
        imports = optional_imports(Path(scratch))
    report(seconds, phases, imports, repeats, args.output_dir)


def timed_process(command: list[str], status: int = 0) -> float:
    started = time.time()
    result = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True)
    elapsed = time.time() - started
    if result.returncode != status:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    return elapsed


def train_command(scratch: Path, name: str) -> tuple[list[str], Path]:
    path = scratch / f"{name}.json"
    timer = f"{{_target_: benchmarks.step_timer.StepTimer, path: '{path}', exit_after_steps: 0}}"
    command = ["train.py", "test=false", f"paths.log_dir={scratch}/logs", f"+callbacks.step_timer={timer}"]
    return command, path


def first_step(scratch: Path, repeat: int) -> dict[str, float]:
    """Seconds from starting `python train.py` to each milestone the timer noted."""
    command, path = train_command(scratch, f"first_step_{repeat}")
    started = time.time()
    timed_process([sys.executable, *command])
    milestones = json.loads(path.read_text())["milestones"]
    return {
        "fit starts": milestones["fit_start"] - started,
        "sanity check starts": milestones["sanity_check_start"] - started,
        "sanity check ends": milestones["sanity_check_end"] - started,
        "first training step": milestones["first_step"] - started,
    }


def optional_imports(scratch: Path) -> list[dict[str, object]]:
    """Which of OPTIONAL the default run imports before its first step, and through which module."""
    command, _ = train_command(scratch, "importtime")
    result = subprocess.run(
        [sys.executable, "-X", "importtime", *command], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    rows = parse_importtime(result.stderr)
    found = []
    for name in OPTIONAL:
        index = next((i for i, row in enumerate(rows) if row[2] == name), None)
        if index is None:
            found.append({"library": name, "imported": False})
            continue
        chain = importers(rows, index)
        first_outside = next((module for module in chain if not module.startswith(name)), "?")
        found.append(
            {
                "library": name,
                "imported": True,
                "seconds": rows[index][1] / 1e6,
                "imported_by": first_outside,
                "chain": chain[:8],
                "ours": any(module.startswith("plugboard") for module in chain[:1]),
            }
        )
    return found


def parse_importtime(text: str) -> list[tuple[int, int, str]]:
    """`import time: self | cumulative | <indent>name` lines -> (depth, cumulative µs, name)."""
    rows = []
    for line in text.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if match:
            rows.append((len(match.group(3)) // 2, int(match.group(2)), match.group(4)))
    return rows


def importers(rows: list[tuple[int, int, str]], index: int) -> list[str]:
    """The modules whose import led to rows[index], innermost first (importtime lists children first)."""
    depth, chain = rows[index][0], []
    for row_depth, _, name in rows[index + 1 :]:
        if row_depth < depth:
            chain.append(name)
            depth = row_depth
    return chain


def report(seconds, phases, imports, repeats: int, output_dir: Path) -> None:
    medians = {name: median(values) for name, values in seconds.items()}
    rows = [
        [name, f"{medians[name]:.2f}", ", ".join(f"{v:.2f}" for v in values)]
        for name, values in seconds.items()
    ]
    phase_medians = {name: median([phase[name] for phase in phases]) for name in phases[0]}
    rows += [[f"train.py: {name}", f"{value:.2f}", ""] for name, value in phase_medians.items()]
    beyond_imports = medians["train.py to first step"] - medians["import torch, lightning"]
    verdict = "meets" if beyond_imports <= GOAL_SECONDS else "misses"
    answers = ", ".join(
        f"{name} {medians[name]:.2f} s ({'meets' if medians[name] <= HYDRA_ANSWER_GOAL_SECONDS else 'misses'})"  # noqa: E501
        for name in HYDRA_ANSWERS
    )
    import_rows = [
        [
            item["library"],
            "yes" if item["imported"] else "no",
            f"{item['seconds']:.2f}" if item["imported"] else "",
            f"`{item['imported_by']}`" if item["imported"] else "",
        ]
        for item in imports
    ]
    markdown = (
        f"## Start-up time\n\nWall seconds of fresh processes, median of {repeats}.\n\n"
        + markdown_table(["command", "median s", "each run"], rows)
        + f"\n\nFirst step minus `import torch, lightning`: **{beyond_imports:.2f} s** "
        f"({verdict} the goal of {GOAL_SECONDS:.0f} s).\n\n"
        f"Answered by Hydra alone (goal {HYDRA_ANSWER_GOAL_SECONDS} s each, `import hydra` "
        f"{medians['import hydra']:.2f} s): {answers}.\n\n"
        "### Optional libraries imported by `python train.py` before its first step\n\n"
        + markdown_table(
            ["library", "imported", "cumulative s (under -X importtime)", "first importer"], import_rows
        )
    )
    write_results(
        output_dir,
        "startup",
        markdown,
        {
            "repeats": repeats,
            "seconds": seconds,
            "median_seconds": medians,
            "train_phases_median_seconds": phase_medians,
            "first_step_minus_imports_seconds": beyond_imports,
            "goal_seconds": GOAL_SECONDS,
            "optional_imports": imports,
        },
    )


if __name__ == "__main__":
    main()
