"""Every command the README shows works as typed.

Fast: each `train.py`, `eval.py` and `predict.py` command composes with the project's configs
(every job of a `-m` grid), so a renamed option or key fails here, not in a user's terminal.
Slow: each runs: single runs with `debug=fdr` appended, sweeps with `validate=true`, and eval,
predict and compare on the placeholders filled from one real run.
"""

from __future__ import annotations

import importlib.util

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.override_parser.overrides_parser import OverridesParser

from plugboard.core.paths import CONFIG_DIR
from readme_commands import Command, readme_commands

COMMANDS = readme_commands()
# Commands of a module or family the README tells the user to add: tests/test_add_module.py and
# tests/core/test_add_a_family.py add them to a copy of the project and run them there.
USER_ADDED = ("model/attention=cosine", "model/attention=dot,cosine", "model=mlp")
# Launchers whose Hydra plugin is an extra of its own (`pip install -e ".[ray]"`).
PLUGINS = {"launcher=ray": "hydra_plugins.hydra_ray_launcher"}
CONFIG_NAMES = {"train.py": "train", "eval.py": "eval", "predict.py": "predict"}


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
        if argument.startswith("ckpt_path="):
            argument = "ckpt_path=logs/train/runs/example/checkpoints/last.ckpt"
        filled.append(argument)
    return filled


def jobs(arguments: list[str]) -> list[list[str]]:
    """Jobs of a grid sweep (`a=1,2 b=x,y`) in which every value appears: the first values
    together, then each other value with the others' first (1 + 1 + 1 jobs, not 2 x 2)."""
    parsed = OverridesParser.create().parse_overrides(arguments)
    choices = [
        [f"{override.get_key_element()}={value}" for value in override.sweep_string_iterator()]
        if override.is_sweep_override()
        else [override.input_line]
        for override in parsed
    ]
    first = [values[0] for values in choices]
    others = [
        [*first[:index], value, *first[index + 1 :]]
        for index, values in enumerate(choices)
        for value in values[1:]
    ]
    return [first, *others]


def test_the_readme_shows_commands_of_every_entry_point():
    scripts = {command.script for command in COMMANDS}
    assert scripts == {"train.py", "eval.py", "predict.py", "compare.py"}
    assert len(composable()) >= 30


@pytest.mark.parametrize("command", composable(), ids=str)
def test_every_readme_command_composes(command: Command):
    for option, plugin in PLUGINS.items():
        if option in command.arguments and importlib.util.find_spec(plugin) is None:
            pytest.skip(f"needs {plugin} (an optional extra)")
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        for job in jobs(overrides(command)):
            compose(CONFIG_NAMES[command.script], overrides=job)
