"""`python scripts/rename_project.py NEWNAME` turns a copy of the template into a working project
of another name: nothing of the old name is left, and the renamed project passes its own tests.
"""

from __future__ import annotations

import fnmatch
import functools
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from project_copy import LEFT_OUT, copy_project, run_python, run_tests

from plugboard.core.paths import PROJECT_ROOT

OLD_NAME = "plugboard"
NEW_NAME = "lab_notes"
SCRIPT = Path("scripts") / "rename_project.py"


def rename(root: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Runs the copy's own script from the copy, as a user of the template would."""
    return subprocess.run(
        [sys.executable, str(SCRIPT), *arguments], cwd=root, capture_output=True, text=True, timeout=120
    )


def text_files(root: Path) -> dict[Path, str]:
    files = {}
    for path in root.rglob("*"):
        parts = path.relative_to(root).parts
        if path.is_file() and not any(fnmatch.filter(parts, pattern) for pattern in LEFT_OUT):
            try:
                files[path] = path.read_text()
            except UnicodeDecodeError:  # images
                continue
    return files


@pytest.fixture(scope="module")
def renamed(tmp_path_factory) -> Path:
    copy = copy_project(tmp_path_factory.mktemp("rename") / "project")
    result = rename(copy, NEW_NAME)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "pip install -e" in result.stdout and "src/plugboard -> src/lab_notes" in result.stdout
    return copy


def test_no_trace_of_the_old_name_is_left(renamed: Path):
    assert (renamed / "src" / NEW_NAME / "__init__.py").is_file()
    assert not (renamed / "src" / OLD_NAME).exists()
    left = [str(path) for path, text in text_files(renamed).items() if OLD_NAME in text.lower()]
    assert left == []
    assert 'name = "lab_notes"' in (renamed / "pyproject.toml").read_text()
    assert "class LabNotesError(" in (renamed / "src" / NEW_NAME / "core" / "errors.py").read_text()
    attention = (renamed / "configs" / "model" / "attention" / "dot.yaml").read_text()
    assert "_target_: lab_notes.modules.attention." in attention


def test_the_renamed_project_imports_its_own_package(renamed: Path):
    result = run_python(renamed, ["-c", f"import {NEW_NAME}; print({NEW_NAME}.__file__)"])
    assert result.returncode == 0, result.stderr[-3000:]
    assert Path(result.stdout.strip()).is_relative_to(renamed / "src" / NEW_NAME)


@pytest.mark.slow  # a quick part of the whole-suite test below; the import test above stays fast
def test_the_renamed_project_passes_its_attention_and_config_tests(renamed: Path):
    # The whole fast suite of the copy runs in the slow test below; this is its quick sibling.
    selection = (
        "test_attention or allowed_namespace or (composes and (attention/additive or data/copy or paths))"
    )
    result = run_tests(
        renamed, ["tests/modules/test_attention.py", "tests/configs/test_configs.py", "-k", selection]
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    assert (
        "PASSED tests/configs/test_configs.py::test_option_composes_and_builds[paths/default]"
        in result.stdout
    )


@pytest.mark.slow
def test_the_renamed_project_passes_its_whole_fast_suite(renamed: Path):
    # Its own copy of this file is left out: it would rename a copy of the copy, one level down; so is
    # the copier test, which makes projects named lab_notes from a copy that already is.
    left_out = ["tests/scripts/test_rename_project.py", "tests/scripts/test_copier_template.py"]
    result = run_tests(renamed, [f"--ignore={path}" for path in left_out], timeout=3600)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]


def test_a_dry_run_changes_nothing(tmp_path: Path):
    copy = copy_project(tmp_path / "project", parts=("src", "configs", "scripts", "pyproject.toml"))
    before = {path: path.read_bytes() for path in copy.rglob("*") if path.is_file()}
    result = rename(copy, NEW_NAME, "--dry-run")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Would move src/plugboard -> src/lab_notes" in result.stdout
    assert "nothing was changed" in result.stdout
    assert {path: path.read_bytes() for path in copy.rglob("*") if path.is_file()} == before


def test_renaming_again_to_the_same_name_is_refused(renamed: Path):
    result = rename(renamed, NEW_NAME)
    assert result.returncode == 1 and "already called 'lab_notes'" in result.stderr


def test_a_root_without_the_package_is_refused(tmp_path: Path):
    with pytest.raises(load_script().RenameError, match="No package directory src/plugboard") as error:
        load_script().rename_project(tmp_path, NEW_NAME)
    assert "--root" in str(error.value)


@functools.cache
def load_script():
    """The script of this tree, in-process: for the checks that come before any change."""
    spec = importlib.util.spec_from_file_location("rename_project", PROJECT_ROOT / SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Lab-Notes", "lower-case letters, digits and underscores"),
        ("2fast", "starting with a letter"),
        ("lambda", "Python keyword"),
        ("json", "already a module"),
        ("torch", "already a module"),
        ("configs", "is taken by"),
    ],
)
def test_a_name_python_cannot_use_is_refused_with_the_reason(tmp_path: Path, name: str, reason: str):
    script = load_script()
    (tmp_path / "src" / OLD_NAME).mkdir(parents=True)
    (tmp_path / "configs").mkdir()
    with pytest.raises(script.RenameError, match=reason):
        script.rename_project(tmp_path, name)
    assert (tmp_path / "src" / OLD_NAME).is_dir()


def test_the_display_name_defaults_to_camel_case():
    assert load_script().default_display_name(NEW_NAME) == "LabNotes"


# ----- --update: what `copier update` runs over a project already renamed (scripts/copier_task.py) --
def template_over_renamed_project(root: Path) -> Path:
    """A renamed project with a file of the user's own, and the template's new files rendered
    over it under the old name, as copier leaves them before its task runs."""
    (root / "src" / NEW_NAME / "core").mkdir(parents=True)
    (root / "src" / NEW_NAME / "core" / "errors.py").write_text("class LabNotesError(Exception): ...\n")
    (root / "src" / NEW_NAME / "users_own.py").write_text("from lab_notes.core.errors import LabNotesError\n")
    (root / "src" / OLD_NAME / "core").mkdir(parents=True)
    (root / "src" / OLD_NAME / "core" / "errors.py").write_text("class PlugboardError(ValueError): ...\n")
    (root / "src" / OLD_NAME / "core" / "news.py").write_text(
        "from plugboard.core.errors import PlugboardError\n"
    )
    return root


def test_an_update_merges_the_templates_package_into_the_renamed_one(tmp_path: Path):
    root = template_over_renamed_project(tmp_path)
    load_script().rename_project(root, NEW_NAME, update=True)
    package = root / "src" / NEW_NAME
    assert not (root / "src" / OLD_NAME).exists()
    assert (package / "core" / "errors.py").read_text() == "class LabNotesError(ValueError): ...\n"
    assert (package / "core" / "news.py").read_text() == "from lab_notes.core.errors import LabNotesError\n"
    assert (package / "users_own.py").read_text() == "from lab_notes.core.errors import LabNotesError\n"


def test_an_update_run_again_changes_nothing(tmp_path: Path):
    root = template_over_renamed_project(tmp_path)
    load_script().rename_project(root, NEW_NAME, update=True)
    before = {path: path.read_bytes() for path in root.rglob("*") if path.is_file()}
    plan = load_script().rename_project(root, NEW_NAME, update=True)
    assert plan.occurrences == 0 and plan.moves == []
    assert {path: path.read_bytes() for path in root.rglob("*") if path.is_file()} == before


def test_without_update_an_existing_package_is_not_overwritten(tmp_path: Path):
    root = template_over_renamed_project(tmp_path)
    with pytest.raises(load_script().RenameError, match="already exists"):
        load_script().rename_project(root, NEW_NAME)
    assert (
        root / "src" / NEW_NAME / "core" / "errors.py"
    ).read_text() == "class LabNotesError(Exception): ...\n"


def test_an_update_refuses_to_move_files_through_a_planted_symbolic_link(tmp_path: Path):
    """src/lab_notes/core pointing outside the project: merging into it would write out there."""
    root = template_over_renamed_project(tmp_path / "project")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "errors.py").write_text("someone else's file\n")
    shutil.rmtree(root / "src" / NEW_NAME / "core")
    (root / "src" / NEW_NAME / "core").symlink_to(outside, target_is_directory=True)
    with pytest.raises(load_script().RenameError, match="symbolic link"):
        load_script().rename_project(root, NEW_NAME, update=True)
    assert sorted(path.name for path in outside.iterdir()) == ["errors.py"]
    assert (outside / "errors.py").read_text() == "someone else's file\n"
    assert (root / "src" / OLD_NAME / "core" / "news.py").read_text().startswith("from plugboard.")


def test_the_copier_answers_file_keeps_the_templates_address(tmp_path: Path):
    (tmp_path / "src" / OLD_NAME).mkdir(parents=True)
    answers = "_src_path: https://example.org/plugboard.git\n_commit: v0.2.0\npackage_name: lab_notes\n"
    (tmp_path / ".copier-answers.yml").write_text(answers)
    load_script().rename_project(tmp_path, NEW_NAME)
    assert (tmp_path / ".copier-answers.yml").read_text() == answers


def test_an_update_does_not_take_the_projects_own_installation_for_a_clash(tmp_path: Path, monkeypatch):
    """Once the user ran `pip install -e .`, `import lab_notes` finds their own project."""
    script = load_script()
    monkeypatch.setattr(script, "_installed", lambda name: name == NEW_NAME)
    root = template_over_renamed_project(tmp_path)
    with pytest.raises(script.RenameError, match="already a module"):
        script.rename_project(root, NEW_NAME)
    script.rename_project(root, NEW_NAME, update=True)
    assert not (root / "src" / OLD_NAME).exists()
