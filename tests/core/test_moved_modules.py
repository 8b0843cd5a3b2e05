"""Modules moved in 0.2.0 still import by their old name for one release: one DeprecationWarning
naming the new place, and the very objects of the new place (a config's `_target_` too)."""

from __future__ import annotations

import json
import subprocess
import sys

from plugboard.core._moved import MOVED
from plugboard.core.paths import PROJECT_ROOT

PROGRAM = """
import importlib, json, warnings
from plugboard.core._moved import MOVED
results = {}
for old, news in MOVED.items():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(f"plugboard.core.{old}")
        importlib.import_module(f"plugboard.core.{old}")  # a second import says nothing more
    expected = {}
    for new in reversed(news):  # the first new module's objects win, as in the import hook
        source = importlib.import_module(f"plugboard.core.{new}")
        expected.update({k: v for k, v in vars(source).items() if not k.startswith("__")})
    same = all(getattr(module, name, None) is value for name, value in expected.items())
    results[old] = {
        "warnings": [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)],
        "same_objects": same,
    }
from hydra.utils import get_class
results["target"] = get_class("plugboard.core.preflight.CheckBeforeRunning").__module__
results["renamed"] = importlib.import_module("plugboard.core.launch").process_rank.__name__
print(json.dumps(results))
"""


def test_old_module_names_import_with_one_warning_naming_the_new_place():
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout)
    for old, news in MOVED.items():
        said = results[old]["warnings"]
        assert len(said) == 1, (old, said)
        assert all(f"plugboard.core.{new}" in said[0] for new in news), (old, said)
        assert results[old]["same_objects"], old
    assert results["target"] == "plugboard.core.config.preflight"  # an old `_target_` in a user's config
    assert results["renamed"] == "global_rank"


def test_the_changelog_lists_every_moved_module():
    changelog = (PROJECT_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    for old, news in MOVED.items():
        assert f"plugboard.core.{old}" in changelog, old
        assert all(f"plugboard.core.{new}" in changelog for new in news), old
