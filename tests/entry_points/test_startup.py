"""Hydra answers before torch loads: help, config printing and composition errors import no torch.

One Python process runs each entry point the way its script does (`runpy`), with the arguments
a user types, and reports which heavy libraries were loaded afterwards and what was printed.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from plugboard.core.paths import PROJECT_ROOT

HEAVY = ("torch", "lightning", "optuna", "wandb")
COMMANDS = {
    "train --help": ("train.py", ["--help"]),
    "train --cfg job": ("train.py", ["--cfg", "job", "model/attention=additive"]),
    "train --info": ("train.py", ["--info", "defaults"]),
    "train: unknown option": ("train.py", ["model/attention=addtive"]),
    "train: unknown key": ("train.py", ["model.hiden_size=3"]),
    "train -m --help": ("train.py", ["-m", "hparams_search=attention_optuna", "--help"]),
    "eval --help": ("eval.py", ["--help"]),
    "predict --help": ("predict.py", ["--help"]),
    "export --help": ("export.py", ["--help"]),
    "serve --help": ("serve.py", ["--help"]),
}

PROGRAM = """
import contextlib, io, json, runpy, sys
from plugboard.core.train import main

def run(script, arguments, entry=None):
    sys.argv = [script, *arguments]
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        try:
            entry() if entry else runpy.run_path(script, run_name="__main__")
            status = 0
        except SystemExit as stop:
            status = stop.code
    return {"status": status, "output": output.getvalue(),
            "heavy": sorted(name for name in HEAVY if name in sys.modules)}

results = {name: run(*command) for name, command in COMMANDS.items()}
# Hydra's own help, without the entry point's shortcut, to compare the text with.
import hydra
from plugboard.core.paths import CONFIG_DIR
plain = hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="train")(main.__wrapped__)
results["hydra's own train --help"] = run("train.py", ["--help"], entry=plain)
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def results() -> dict:
    program = f"HEAVY = {HEAVY!r}\nCOMMANDS = {COMMANDS!r}\n{PROGRAM}"
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_hydra_answers_without_importing_torch(results: dict, command: str) -> None:
    assert results[command]["heavy"] == [], f"{command} imported {results[command]['heavy']}"


def test_help_lists_groups_and_config(results: dict) -> None:
    text = results["train --help"]["output"]
    assert results["train --help"]["status"] == 0
    assert "model/attention: " in text and "additive" in text
    assert "seed: 42" in text


def test_help_is_hydras_own_text(results: dict) -> None:
    assert results["train --help"]["output"] == results["hydra's own train --help"]["output"]


def test_composition_errors_are_reported(results: dict) -> None:
    unknown_option = results["train: unknown option"]
    assert unknown_option["status"] == 1
    assert "addtive" in unknown_option["output"] and "Available options" in unknown_option["output"]
    unknown_key = results["train: unknown key"]
    assert unknown_key["status"] == 1 and "hiden_size" in unknown_key["output"]
