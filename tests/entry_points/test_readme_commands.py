"""Every entry-point command the README and the docs pages show works as typed.

Fast: each `train.py`, `eval.py`, `predict.py`, `export.py` and `serve.py` command composes with
the project's configs (every job of a `-m` grid), and each `compare.py` command parses, so a
renamed option or key fails here, not in a user's terminal.
Slow: each runs: single runs with `debug=fdr` appended, sweeps with `validate=true`, and eval,
predict, export and compare on the placeholders filled from one real run. A command the page
marks `not run here` (a GPU, a cluster) is checked with `validate=true` instead, and says why.
Every other command the pages show (make, pip, curl, ...): test_readme_other_commands.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import TINY, require, run_entry_point, run_script
from hydra import compose, initialize_config_dir
from readme_commands import ENTRY_POINTS, Command, documented_commands, grid_jobs

from plugboard.core.paths import CONFIG_DIR

COMMANDS = [command for command in documented_commands() if command.script is not None]
# Commands of a module or family the docs tell the user to add: tests/entry_points/test_add_module.py and
# tests/entry_points/test_add_a_family.py add them to a copy of the project and run them there.
USER_ADDED = ("model/attention=cosine", "model/attention=dot,cosine", "model=mlp")
# Launchers whose Hydra plugin is an extra of its own (`pip install -e ".[ray]"`, `make env-ray`).
PLUGINS = {"launcher=ray": "hydra_plugins.hydra_ray_launcher"}
CONFIG_NAMES = {script: script.removesuffix(".py") for script in ENTRY_POINTS if script != "compare.py"}
# A live server: tests/seq2seq/test_serve.py starts serve.py and calls it over HTTP.
SERVED_ELSEWHERE = ("serve.py",)


def composable() -> list[Command]:
    return [
        command
        for command in COMMANDS
        if command.script in CONFIG_NAMES and not any(part in command.arguments for part in USER_ADDED)
    ]


def overrides(command: Command) -> list[str]:
    """The Hydra overrides of a command, placeholders filled with values that compose."""
    filled = []
    for argument in command.arguments:
        if argument in ("-m", "--multirun"):
            continue
        if argument.startswith(("ckpt_path=", "init_from=")):
            argument = argument.split("=", 1)[0] + "=logs/train/runs/example/checkpoints/last.ckpt"
        filled.append(argument)
    return filled


def test_the_docs_show_commands_of_every_entry_point():
    scripts = {command.script for command in COMMANDS}
    assert scripts == {"train.py", "eval.py", "predict.py", "compare.py", "export.py", "serve.py"}
    assert len(composable()) >= 30


BEYOND_THIS_MACHINE = ("trainer=gpu", "trainer=ddp", "launcher=slurm", "launcher=ray")


def test_commands_that_need_a_gpu_or_a_cluster_are_marked_not_run_here():
    """Marked, they are checked with `validate=true`; unmarked, the slow test would try to train."""
    needs_more = [c for c in COMMANDS if c.launcher or any(o in c.arguments for o in BEYOND_THIS_MACHINE)]
    assert [str(c) for c in needs_more if not c.not_run_here] == []


def test_only_train_commands_are_marked_not_run_here():
    """train.py checks a config without running it (`validate=true`); no other entry point can."""
    assert [str(c) for c in COMMANDS if c.not_run_here and c.script != "train.py"] == []


@pytest.mark.parametrize("command", composable(), ids=str)
def test_every_readme_command_composes(command: Command):
    for option, plugin in PLUGINS.items():
        if option in command.arguments:
            require(plugin)  # skips outside CI; CI installs the extra (make env-ray)
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        for job in grid_jobs(overrides(command)):
            compose(CONFIG_NAMES[command.script], overrides=job)


@pytest.mark.parametrize("command", [c for c in COMMANDS if c.script == "compare.py"], ids=str)
def test_every_compare_command_parses(command: Command):
    from plugboard.core.compare import parse_args

    parse_args(list(command.arguments))


# --- Slow: each command runs --------------------------------------------------------------

SHORT_DEBUG = ["trainer.max_epochs=1", "++trainer.limit_train_batches=2", "++trainer.limit_val_batches=1"]
SWEEP = ["model/attention=dot,additive", "model/encoder=gru,lstm", "seed=1,2", "debug=fdr", *TINY]
CLASSIFIER_SWEEP = ["model=classifier", "data=dyck", "model/attention=none,dot", "debug=fdr"]


class Runs:
    """Runs the filled-in commands read from: each trained (debug=fdr) once, on first use."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory, self.dirs = factory, {}

    def run_dir(self, *overrides: str) -> Path:
        return self._trained(overrides, multirun=False)

    def sweep_dir(self, *overrides: str) -> Path:
        return self._trained(overrides, multirun=True)

    def checkpoint(self, *overrides: str) -> Path:
        return self.run_dir(*overrides) / "checkpoints" / "last.ckpt"

    def _trained(self, overrides: tuple[str, ...], multirun: bool) -> Path:
        if (overrides, multirun) not in self.dirs:
            log_dir = self.factory.mktemp("readme_run")
            arguments = ["-m", *overrides] if multirun else [*overrides, "debug=fdr"]
            result = run_entry_point("train.py", arguments, log_dir)
            assert result.returncode == 0, result.stderr[-3000:]
            (found,) = log_dir.glob(f"*/{'multiruns' if multirun else 'runs'}/*")
            self.dirs[overrides, multirun] = found
        return self.dirs[overrides, multirun]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    return Runs(tmp_path_factory)


def filled(command: Command, runs: Runs, dates_checkpoint: Path, tmp_path: Path) -> list[str]:
    """The command's arguments as they run here: placeholders filled, one short epoch or a check."""
    arguments = list(command.arguments)
    if command.script == "train.py":
        if any(argument.startswith("init_from=") for argument in arguments):
            arguments = fine_tuning(arguments, runs, tmp_path)
        if command.multirun or command.not_run_here:
            return [*arguments, "validate=true"]
        if any(argument.startswith("debug=") for argument in arguments):
            return [*arguments, *SHORT_DEBUG]
        return [*arguments, "debug=fdr"]
    if command.script == "eval.py":
        trained_on = {"+data.split=length": ["data=scan"], "+data.path=other.tsv": ["data=tsv"]}
        data = next((trained_on[a] for a in arguments if a in trained_on), TINY)
        (tmp_path / "other.tsv").write_text("one\t1\ntwo\t2\n")
        other = tmp_path / "other.tsv"
        return substituted(arguments, {"ckpt_path": runs.checkpoint(*data), "+data.path": other})
    if command.script == "predict.py":
        (tmp_path / "dates.txt").write_text("12 march 2021\n3/4/99\n")
        return substituted(arguments, {"ckpt_path": dates_checkpoint, "inputs_file": tmp_path / "dates.txt"})
    if command.script == "export.py":
        return substituted(arguments, {"ckpt_path": dates_checkpoint, "output_dir": tmp_path / "exported"})
    if "attention_classifier" in str(command):
        sweep = runs.sweep_dir(*CLASSIFIER_SWEEP)
    elif "attention_sweep" in str(command):  # experiment=attention_sweep: attention x seed
        sweep = runs.sweep_dir(*[o for o in SWEEP if not o.startswith("model/encoder=")])
    else:  # the README's sweep over attention x encoder x seed
        sweep = runs.sweep_dir(*SWEEP)
    two_runs = iter([runs.run_dir(*TINY), runs.run_dir(*TINY, "seed=2")])
    return [str(next(two_runs)) if "/runs/<" in a else str(sweep) if "<" in a else a for a in arguments]


def fine_tuning(arguments: list[str], runs: Runs, tmp_path: Path) -> list[str]:
    """`init_from` filled with a checkpoint of the same family; a classifier's other TSV holds a
    word and a label its first data lack."""
    if "model=classifier" not in arguments:
        return substituted(arguments, {"init_from": runs.checkpoint()})
    intents = (CONFIG_DIR.parent / "data" / "samples" / "intents.tsv").read_text()
    other = tmp_path / "other.tsv"
    greetings = "".join(f"hello there {number}\tgreeting\n" for number in range(20))
    other.write_text(intents.replace("\t", " zyzzyva\t") + greetings)
    source = runs.checkpoint("model=classifier", "data=labelled_tsv")
    return substituted(arguments, {"init_from": source, "data.path": other})


def substituted(arguments: list[str], values: dict[str, object]) -> list[str]:
    """`key=<placeholder>` arguments with the key in `values` get the value made here."""
    keys = [argument.split("=", 1)[0] for argument in arguments]
    return [f"{key}={values[key]}" if key in values else a for key, a in zip(keys, arguments, strict=True)]


def runnable() -> list[Command]:
    """The commands the slow test runs; one shown on several pages runs once."""
    first: dict[tuple[str, ...], Command] = {}
    for command in COMMANDS:
        if command.script not in SERVED_ELSEWHERE and not any(p in command.arguments for p in USER_ADDED):
            first.setdefault(command.words, command)
    return list(first.values())


@pytest.mark.slow
@pytest.mark.parametrize("command", runnable(), ids=str)
def test_every_readme_command_runs(command: Command, runs: Runs, dates_checkpoint: Path, tmp_path: Path):
    for option, plugin in PLUGINS.items():
        if option in command.arguments:
            require(plugin)  # skips outside CI; CI installs the extra (make env-ray)
    arguments = filled(command, runs, dates_checkpoint, tmp_path)
    if command.script == "compare.py":
        result = run_script("compare.py", arguments)
    else:
        result = run_entry_point(command.script, arguments, tmp_path / "logs")
    assert result.returncode == 0, f"{' '.join(arguments)}\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
