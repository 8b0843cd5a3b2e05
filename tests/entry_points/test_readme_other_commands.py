"""Every command the README and the docs pages show besides the entry points works as typed.

`make` commands: `make -n` knows the target and its variables, and the train.py command it would
run composes. `pip` commands: the extras they name exist, and the package they uninstall is this
project. Every other command (curl, optuna-dashboard, the test and rename commands, and serve.py,
which keeps running) names the test that runs it, and that test exists: a new kind of command on
a page fails here until it gets a check or a test.
"""

from __future__ import annotations

import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from helpers import require
from hydra import compose, initialize_config_dir
from readme_commands import Command, documented_commands, grid_jobs

from plugboard.core.paths import CONFIG_DIR, PROJECT_ROOT

CHECKED_HERE = ("make", "pip")
OTHERS = [
    c for c in documented_commands() if c.script in (None, "serve.py") and c.program not in CHECKED_HERE
]
SERVE = "tests/seq2seq/test_serve.py::"
# Each command of OTHERS matches one pattern; the test named beside it runs what it does.
RUN_ELSEWHERE = {
    r"^python serve\.py ": SERVE + "test_health_names_the_checkpoint_task_and_attention",
    r"^curl -s localhost:\d+/health$": SERVE + "test_health_names_the_checkpoint_task_and_attention",
    r"^curl -s localhost:\d+/predict ": SERVE + "test_outputs_equal_the_predictors",
    r"^python -m pytest tests/modules/test_attention\.py -k cosine$": (
        "tests/entry_points/test_add_module.py::test_the_existing_tests_pick_up_the_new_variant"
    ),
    r"^python scripts/rename_project\.py \w+ --dry-run$": (
        "tests/scripts/test_rename_project.py::test_a_dry_run_changes_nothing"
    ),
    r"^python scripts/rename_project\.py \w+$": (
        "tests/scripts/test_rename_project.py::test_no_trace_of_the_old_name_is_left"
    ),
    r"^python runs\.py( |$)": "tests/core/test_runs.py::test_the_documented_commands_run",
    r"^optuna-dashboard logs/\S+\.log$": (
        "tests/entry_points/test_readme_other_commands.py::test_optuna_dashboard_shows_a_study_journal"
    ),
}


def test_every_other_command_names_the_test_that_runs_it():
    unmatched = [str(c) for c in OTHERS if not any(re.search(p, " ".join(c.words)) for p in RUN_ELSEWHERE)]
    assert unmatched == [], "add a pattern and the test that runs it to RUN_ELSEWHERE"


def test_the_tests_named_for_other_commands_exist():
    missing = []
    for test in RUN_ELSEWHERE.values():
        path, name = test.split("::")
        if not re.search(rf"^def {name}\(", (PROJECT_ROOT / path).read_text(encoding="utf-8"), re.M):
            missing.append(test)
    assert missing == []


@pytest.mark.parametrize("command", [c for c in documented_commands() if c.program == "make"], ids=str)
def test_every_make_command_names_a_target_and_what_it_runs_composes(command: Command):
    dry_run = subprocess.run(
        ["make", "-n", *command.arguments], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
    )
    assert dry_run.returncode == 0, dry_run.stderr
    trainings = [words for words in map(shlex.split, dry_run.stdout.splitlines()) if "train.py" in words]
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        for words in trainings:
            overrides = [w for w in words[words.index("train.py") + 1 :] if w not in ("-m", "--multirun")]
            for job in grid_jobs(overrides):
                compose("train", overrides=job)


@pytest.mark.parametrize("command", [c for c in documented_commands() if c.program == "pip"], ids=str)
def test_every_pip_command_names_this_project_or_its_extras(command: Command):
    name, extras = _project_name_and_extras()
    action, *rest = command.arguments
    if action == "install":
        assert rest[0] == "-e" and (named := re.fullmatch(r"\.\[([\w,-]+)\]", rest[1])), command
        assert set(named.group(1).split(",")) <= extras
    else:
        assert (action, rest) == ("uninstall", ["-y", name]), command


def _project_name_and_extras() -> tuple[str, set[str]]:
    """From pyproject.toml, read by hand: tomllib is not in Python 3.10."""
    text = (PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    name = re.search(r'^name = "([^"]+)"', text, re.M).group(1)
    extras_section = text.split("[project.optional-dependencies]")[1].split("\n[")[0]
    return name, set(re.findall(r"^([\w-]+) = \[", extras_section, re.M))


@pytest.mark.slow
def test_optuna_dashboard_shows_a_study_journal(tmp_path: Path):
    """The sweeper's journal file, opened as the docs say: `optuna-dashboard <file>`."""
    optuna = require("optuna")
    require("optuna_dashboard")
    from plugboard.core.job.optuna_trial import open_storage

    journal = tmp_path / "studies" / "attention_optuna.log"
    study = optuna.create_study(study_name="attention_optuna", storage=open_storage(str(journal)))
    study.optimize(lambda trial: trial.suggest_float("lr", 1e-4, 1e-2), n_trials=2)
    port = _free_port()
    dashboard = subprocess.Popen(
        [str(Path(sys.executable).parent / "optuna-dashboard"), str(journal), "--port", str(port), "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        studies = _read_when_up(f"http://127.0.0.1:{port}/api/studies", dashboard)
    finally:
        dashboard.terminate()
        dashboard.wait(timeout=30)
    assert '"study_name": "attention_optuna"' in studies.replace('":"', '": "')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _read_when_up(url: str, server: subprocess.Popen, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stderr.read().decode()[-2000:]
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {timeout} s")
