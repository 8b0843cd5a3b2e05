"""`copier copy` makes a project of its own name from this template, and `copier update` later
brings a newer template version into it as a three-way merge that keeps the user's changes.

The template is a git repository made from a copy of this tree, with two tagged versions; the
generated projects run with this environment (PYTHONPATH, as in project_copy), never a new one.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from project_copy import copy_project, run_python, run_tests

from plugboard.core.paths import PROJECT_ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # the dev extra installs tomli on Python 3.10
    import tomli as tomllib

FIRST, SECOND = "v1.0.0", "v1.1.0"
ANSWERS = ["--data", "project_name=Lab Notes", "--data", 'description=An "honest" look at attention']
CONFLICT_MARKERS = re.compile(r"^(<<<<<<< before updating|>>>>>>> after updating)$", re.MULTILINE)
# A git that reads no user's settings, with an author for the commits copier and the tests make.
GIT_ENVIRONMENT = {
    **os.environ,
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    **{
        f"GIT_{role}_{part}": value
        for role in ("AUTHOR", "COMMITTER")
        for part, value in (("NAME", "Test"), ("EMAIL", "test@example.org"))
    },
}


def git(repository: Path, *arguments: str) -> str:
    result = subprocess.run(
        ["git", *arguments], cwd=repository, env=GIT_ENVIRONMENT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def copier(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """copier's own command line, from this environment; `--trust` runs the template's task."""
    return subprocess.run(
        [sys.executable, "-m", "copier", *arguments, "--trust", "--defaults"],
        cwd=cwd,
        env=GIT_ENVIRONMENT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def commit_all(repository: Path, message: str) -> None:
    git(repository, "add", "--all")
    git(repository, "commit", "--quiet", "--message", message)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{path} no longer holds {old!r}: the test needs another line to edit"
    path.write_text(text.replace(old, new, 1))


def second_version(template: Path) -> None:
    """Changes of the kinds a release brings: a core file, a new file importing the package, a config."""
    edit(
        template / "src" / "plugboard" / "core" / "errors.py",
        '"""Errors the user can fix.',
        '"""Errors (1.1).',
    )
    (template / "src" / "plugboard" / "core" / "news.py").write_text(
        '"""New in 1.1."""\n\nfrom plugboard.core.errors import PlugboardError\n\nNEWS = PlugboardError\n'
    )
    trainer = template / "configs" / "trainer" / "default.yaml"
    trainer.write_text(re.sub(r"(?m)^max_epochs: \d+$", "max_epochs: 11", trainer.read_text()))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This tree as a template repository (named like it: its path must survive the rename)."""
    root = copy_project(tmp_path_factory.mktemp("template") / "plugboard")
    git(root, "init", "--quiet")
    commit_all(root, "first version")
    git(root, "tag", FIRST)
    second_version(root)
    commit_all(root, "second version")
    git(root, "tag", SECOND)
    return root


def copy_from(template: Path, destination: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return copier(
        "copy",
        "--vcs-ref",
        FIRST,
        *ANSWERS,
        *arguments,
        str(template),
        str(destination),
        cwd=destination.parent,
    )


@pytest.fixture(scope="module")
def copied(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    destination = tmp_path_factory.mktemp("copied") / "lab_notes_project"
    result = copy_from(template, destination)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return destination


def text_files(root: Path) -> dict[Path, str]:
    files = {}
    for path in root.rglob("*"):
        if path.is_file() and ".git" not in path.relative_to(root).parts:
            try:
                files[path.relative_to(root)] = path.read_text()
            except UnicodeDecodeError:  # images
                continue
    return files


def with_conflict_markers(root: Path) -> list[str]:
    return sorted(str(path) for path, text in text_files(root).items() if CONFLICT_MARKERS.search(text))


def test_copier_copy_makes_a_project_under_its_own_name(copied: Path):
    assert (copied / "src" / "lab_notes" / "core" / "errors.py").is_file()
    assert not (copied / "src" / "plugboard").exists()
    left = [str(path) for path, text in text_files(copied).items() if "plugboard" in text.lower()]
    assert left == [".copier-answers.yml"]  # the template's address, kept for `copier update`
    project = tomllib.loads((copied / "pyproject.toml").read_text())["project"]
    assert project["name"] == "lab_notes"
    assert project["description"] == 'An "honest" look at attention'
    answers = yaml.safe_load((copied / ".copier-answers.yml").read_text())
    assert answers["_commit"] == FIRST and answers["_src_path"].endswith("plugboard")
    assert answers["project_name"] == "Lab Notes" and answers["package_name"] == "lab_notes"
    # The tests of the template's own tooling stay behind.
    assert not (copied / "copier.yml").exists()
    assert not (copied / "tests" / "scripts" / "test_copier_template.py").exists()
    assert not (copied / "tests" / "scripts" / "test_rename_project.py").exists()
    assert (copied / "scripts" / "rename_project.py").is_file()  # the task of every update needs it


def test_the_copied_project_imports_its_own_package(copied: Path):
    result = run_python(
        copied, ["-c", "import lab_notes.core.errors as e; print(e.__file__, e.LabNotesError)"]
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert Path(result.stdout.split()[0]).is_relative_to(copied / "src" / "lab_notes")


@pytest.mark.parametrize(
    ("package_name", "reason"),
    [
        ("Lab-Notes", "lower-case letters, digits and underscores"),
        ("../escape", "lower-case letters, digits and underscores"),
        ("2fast", "starting with a letter"),
        ("class", "Python keyword"),
        ("plugboard", "already called plugboard"),
        ("json", "already a module"),  # refused by the task, after copier wrote the files
    ],
)
def test_a_package_name_python_cannot_use_is_refused_and_nothing_is_left(
    template: Path, tmp_path: Path, package_name: str, reason: str
):
    destination = tmp_path / "project"
    result = copy_from(template, destination, "--data", f"package_name={package_name}")
    assert result.returncode != 0
    assert reason in " ".join((result.stdout + result.stderr).split())
    assert not destination.exists()


def test_the_description_stays_one_toml_string_whatever_it_holds(tmp_path: Path):
    sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
    try:
        from copier_task import set_description
    finally:
        sys.path.remove(str(PROJECT_ROOT / "scripts"))
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "lab_notes"\ndescription = "old"\nversion = "1.0"\n')
    hostile = 'one "line"\nname = "evil" \\ \u00e9'
    set_description(pyproject, hostile)
    project = tomllib.loads(pyproject.read_text())["project"]
    assert project == {"name": "lab_notes", "description": hostile, "version": "1.0"}


@pytest.mark.slow
def test_a_copied_project_trains_its_default_job_and_passes_its_own_tests(copied: Path, tmp_path: Path):
    from helpers import TINY, read_json, single_run_dir

    arguments = ["train.py", *TINY, "trainer.max_epochs=1", f"paths.log_dir={tmp_path}"]
    result = run_python(copied, arguments)
    assert result.returncode == 0, result.stderr[-3000:]
    assert read_json(single_run_dir(tmp_path) / "metrics.json")["status"] == "done"
    selection = "test_attention or (composes and (attention/additive or data/copy or paths))"
    tests = [
        "tests/modules/test_attention.py",
        "tests/configs/test_configs.py",
        "tests/core/test_text_files.py",
    ]
    result = run_tests(copied, [*tests, "-k", selection])
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]


# ----- copier update ---------------------------------------------------------------------------
USER_FAMILY = {
    "src/lab_notes/my_family/__init__.py": '"""A family of the user\'s own."""\n',
    "src/lab_notes/my_family/model.py": (
        "from lab_notes.core.errors import ConfigError\n\n\n"
        "def check_width(width: int) -> int:\n"
        "    if width < 1:\n"
        "        raise ConfigError(f'width={width} must be at least 1')\n"
        "    return width\n"
    ),
    "tests/my_family/test_model.py": (
        "import pytest\n\nfrom lab_notes.core.errors import ConfigError\n"
        "from lab_notes.my_family.model import check_width\n\n\n"
        "def test_a_width_below_one_is_refused():\n"
        "    assert check_width(3) == 3\n"
        "    with pytest.raises(ConfigError):\n"
        "        check_width(0)\n"
    ),
}
USER_CORE_LINE = '    """A data file that cannot be used: our wording."""'


def users_changes(project: Path) -> None:
    """A family of their own, a changed line in a core file, a changed default."""
    for name, text in USER_FAMILY.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    errors = project / "src" / "lab_notes" / "core" / "errors.py"
    edit(errors, '    """A data file or generated dataset that cannot be used as asked."""', USER_CORE_LINE)
    trainer = project / "configs" / "trainer" / "default.yaml"
    trainer.write_text(re.sub(r"(?m)^max_epochs: \d+$", "max_epochs: 7", trainer.read_text()))


@pytest.mark.slow
def test_copier_update_brings_the_new_version_and_keeps_the_users_changes(template: Path, tmp_path: Path):
    project = tmp_path / "lab_notes_project"
    result = copy_from(template, project)
    assert result.returncode == 0, result.stderr[-3000:]
    git(project, "init", "--quiet")
    commit_all(project, "made with copier")
    users_changes(project)
    commit_all(project, "our own changes")

    markers_before = with_conflict_markers(project)
    result = copier("update", "--conflict", "inline", cwd=project)  # to the newest tag
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == SECOND

    # The template's core change arrived under the new name, beside the user's line in that file.
    errors = (project / "src" / "lab_notes" / "core" / "errors.py").read_text()
    assert errors.startswith('"""Errors (1.1).') and USER_CORE_LINE in errors
    news = (project / "src" / "lab_notes" / "core" / "news.py").read_text()
    assert "from lab_notes.core.errors import LabNotesError" in news
    assert not (project / "src" / "plugboard").exists()
    left = [str(path) for path, text in text_files(project).items() if "plugboard" in text.lower()]
    assert left == [".copier-answers.yml"]
    for name, text in USER_FAMILY.items():
        assert (project / name).read_text() == text

    # Both changed max_epochs: inline markers in that one file, marked unmerged for git. (The docs
    # show such markers too: only files that gained them count.)
    conflicted = sorted(set(with_conflict_markers(project)) - set(markers_before))
    assert conflicted == ["configs/trainer/default.yaml"]
    assert git(project, "diff", "--name-only", "--diff-filter=U").split() == conflicted
    trainer = (project / "configs" / "trainer" / "default.yaml").read_text()
    assert (
        "<<<<<<< before updating\nmax_epochs: 7\n=======\nmax_epochs: 11\n>>>>>>> after updating" in trainer
    )

    # Resolved as the user would (their value), the project's own tests collect and a subset passes.
    (project / "configs" / "trainer" / "default.yaml").write_text(
        re.sub(
            r"<<<<<<< before updating\n(.*?)=======\n.*?>>>>>>> after updating\n", r"\1", trainer, flags=re.S
        )
    )
    collected = run_tests(project, ["--collect-only", "-q"], timeout=600)
    assert collected.returncode == 0, collected.stdout[-5000:] + collected.stderr[-3000:]
    selection = "test_attention or my_family or (composes and (trainer/default or paths))"
    tests = ["tests/my_family", "tests/modules/test_attention.py", "tests/configs/test_configs.py"]
    result = run_tests(project, [*tests, "-k", selection])
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    assert "PASSED tests/my_family/test_model.py::test_a_width_below_one_is_refused" in result.stdout
