"""Renames the project, so a new project starts from this template under its own name.

    python scripts/rename_project.py NEWNAME [--display-name NewName] [--root DIR] [--dry-run] [--update]

Moves the package (src/plugboard -> src/<newname>) and rewrites every text file of the project:
imports, config `_target_`s, pyproject.toml, the Makefile, docs and notebooks. The three spellings
are kept apart: "plugboard" -> newname, "Plugboard" -> NewName (class names such as PlugboardError
too), "PLUGBOARD" -> NEWNAME (environment variables). The names below are rewritten along with
everything else, so the renamed project can be renamed again. `copier copy` and `copier update` run
it on each fresh copy of the template (scripts/copier_task.py); with `--update` the template's files
replace those of the same path in an existing src/NEWNAME, and running it again changes nothing.

Uses the standard library only: it runs before the package is installed under its new name.
"""

from __future__ import annotations

import argparse
import importlib.util
import keyword
import os
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

OLD_NAME = "plugboard"
OLD_DISPLAY_NAME = "Plugboard"
OLD_UPPER_NAME = "PLUGBOARD"

# Version control, environments, caches and build metadata: skipped wherever they are.
SKIPPED_DIRS = {".git", ".hg", ".venv", "venv", "node_modules", "__pycache__", ".ipynb_checkpoints"}
SKIPPED_DIRS |= {".pytest_cache", ".ruff_cache", ".mypy_cache", ".hypothesis", ".tox", ".nox"}
SKIPPED_DIR_SUFFIXES = (".egg-info",)
# What runs and builds write at the project root.
SKIPPED_ROOT_DIRS = {"logs", "outputs", "multirun", "wandb", "mlruns", "lightning_logs", "build", "dist"}
# Copier's record of where the template lives and what was answered: renamed, it would send
# `copier update` to another address.
SKIPPED_FILES = {".copier-answers.yml"}
NAME_PATTERN = re.compile(r"[a-z](?:[a-z0-9_]*[a-z0-9])?")
DISPLAY_NAME_PATTERN = re.compile(r"[A-Z][A-Za-z0-9]*")


class RenameError(Exception):
    """A name or project root the rename cannot work with."""


@dataclass
class Plan:
    """What the rename changes: occurrences per text file, and the paths that move."""

    replacements: dict[Path, int] = field(default_factory=dict)
    moves: list[tuple[Path, Path]] = field(default_factory=list)

    @property
    def occurrences(self) -> int:
        return sum(self.replacements.values())


class Renamer:
    """Replaces the three spellings of the old name with those of the new one."""

    def __init__(self, name: str, display_name: str) -> None:
        self.spellings = {OLD_NAME: name, OLD_DISPLAY_NAME: display_name, OLD_UPPER_NAME: name.upper()}
        alternatives = "|".join(re.escape(old) for old in self.spellings)
        # Case-insensitive, so a stray mixed-case spelling ("PlugBoard") is caught too.
        self.pattern = re.compile(alternatives, re.IGNORECASE)

    def _new(self, match: re.Match[str]) -> str:
        return self.spellings.get(match.group(), self.spellings[OLD_DISPLAY_NAME])

    def rename(self, text: str) -> tuple[str, int]:
        return self.pattern.subn(self._new, text)


def default_display_name(name: str) -> str:
    """lab_notes -> LabNotes: usable inside class names, as "Plugboard" is in PlugboardError."""
    return "".join(part.capitalize() for part in name.split("_"))


def validate(name: str, display_name: str, root: Path, update: bool = False) -> None:
    """Refuses a name Python or pip cannot use, or one that would shadow another module (in an
    update, the installed module of that name is normally the project itself)."""
    fix = "Choose another name, e.g. `python scripts/rename_project.py my_project`."
    if name == OLD_NAME:
        raise RenameError(f"The project is already called '{name}'. {fix}")
    if not NAME_PATTERN.fullmatch(name):
        raise RenameError(
            f"'{name}' cannot be the package name: use lower-case letters, digits and underscores, "
            f"starting with a letter and not ending with an underscore. {fix}"
        )
    if keyword.iskeyword(name):
        raise RenameError(f"'{name}' is a Python keyword, so `import {name}` would not parse. {fix}")
    for taken in (root / name, root / f"{name}.py"):
        if taken.exists():
            raise RenameError(
                f"'{name}' is taken by {taken}: run from the project root, `import {name}` would "
                f"find that instead of the package. {fix}"
            )
    if name in sys.stdlib_module_names or (not update and _installed(name)):
        raise RenameError(
            f"'{name}' is already a module (of the standard library or installed in this environment): "
            f"`import {name}` would find one of the two packages and hide the other. {fix}"
        )
    if not DISPLAY_NAME_PATTERN.fullmatch(display_name):
        raise RenameError(
            f"The display name '{display_name}' also goes into class names (e.g. {display_name}Error): "
            "use letters and digits only, starting with a capital, e.g. --display-name MyProject."
        )


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def plan_rename(root: Path, renamer: Renamer) -> Plan:
    """Walks the project (skipping SKIPPED_DIRS and binary files) and records every change."""
    plan = Plan()
    for directory, subdirectories, files in os.walk(root):
        here = Path(directory)
        subdirectories[:] = sorted(name for name in subdirectories if not _skipped(here / name, root))
        for name in sorted(files):
            path = here / name
            text = None if name in SKIPPED_FILES else _text(path)
            if text is not None and (count := renamer.rename(text)[1]):
                plan.replacements[path] = count
        for name in [*subdirectories, *files]:
            new_name = renamer.rename(name)[0]
            if new_name != name:
                plan.moves.append((here / name, here / new_name))
    plan.moves.sort(key=lambda move: len(move[0].parts), reverse=True)  # children before parents
    return plan


def _skipped(directory: Path, root: Path) -> bool:
    name = directory.name
    if name in SKIPPED_DIRS or name.endswith(SKIPPED_DIR_SUFFIXES) or directory.is_symlink():
        return True
    return directory.parent == root and name in SKIPPED_ROOT_DIRS


def _text(path: Path) -> str | None:
    """The file's text, or None for a link, a binary file or one that is not UTF-8."""
    if path.is_symlink() or not path.is_file():
        return None
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def check_moves(plan: Plan, root: Path, update: bool) -> None:
    """Before anything changes: a move onto an existing path would lose that path's content, and
    in an update no file may be moved through a symbolic link (to land outside the project)."""
    for old, new in plan.moves:
        if new.exists() and not update:
            raise RenameError(f"Cannot move {old} to {new}: {new} already exists. Remove it and run again.")
        for _, target in _merged_files(old, new):
            linked = [path for path in _between(root, target.parent) if path.is_symlink()]
            if linked or target.is_dir():
                raise RenameError(
                    f"Cannot move {old} into {new}: {linked[0] if linked else target} is "
                    f"{'a symbolic link' if linked else 'a directory'}, and the move would write "
                    f"{'through it' if linked else 'over it'}. Replace it with a plain folder or file."
                )


def _merged_files(old: Path, new: Path) -> Iterator[tuple[Path, Path]]:
    """Each file (or link) under `old`, and the path it takes when `old` is merged into `new`."""
    if old.is_dir() and not old.is_symlink():
        for child in sorted(old.iterdir()):
            yield from _merged_files(child, new / child.name)
    else:
        yield old, new


def _between(root: Path, path: Path) -> Iterator[Path]:
    """`path` and its parents up to (not including) `root`."""
    while path != root and root in path.parents:
        yield path
        path = path.parent


def apply(plan: Plan, renamer: Renamer) -> None:
    for path in plan.replacements:
        # Bytes in, bytes out: line endings and file modes stay as they were.
        path.write_bytes(renamer.rename(path.read_bytes().decode("utf-8"))[0].encode("utf-8"))
    for old, new in plan.moves:
        if not new.exists():
            old.rename(new)
            continue
        for source, target in _merged_files(old, new):  # an update: the template's files win
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
        shutil.rmtree(old)  # only emptied folders are left


def report(plan: Plan, root: Path, name: str, display_name: str, dry_run: bool) -> None:
    verb = "Would replace" if dry_run else "Replaced"
    print(
        f"{verb} {plan.occurrences} occurrences of {OLD_NAME}/{OLD_DISPLAY_NAME}/{OLD_UPPER_NAME} with "
        f"{name}/{display_name}/{name.upper()} in {len(plan.replacements)} files under {root}:"
    )
    for path, count in plan.replacements.items():
        print(f"  {path.relative_to(root)}: {count}")
    for old, new in reversed(plan.moves):
        print(f"{'Would move' if dry_run else 'Moved'} {old.relative_to(root)} -> {new.relative_to(root)}")
    if dry_run:
        print("Dry run: nothing was changed.")
        return
    print(
        f"\nNext: re-install the package under its new name (from {root}):\n"
        f"  pip uninstall -y {OLD_NAME} && pip install -e '.[dev]'"
    )
    stale = [path for path in (root / "src").glob(f"{OLD_NAME}.egg-info") if path.is_dir()]
    if stale:
        print(f"  rm -rf {stale[0].relative_to(root)}   # build metadata of the old name")


def rename_project(
    root: Path, name: str, display_name: str | None = None, dry_run: bool = False, update: bool = False
) -> Plan:
    """Renames the project at `root`; with `dry_run`, only reports what would change. With `update`,
    moves merge into existing folders (see `apply`), and a project already renamed is no error."""
    root = root.resolve()
    display_name = display_name or default_display_name(name)
    package = root / "src" / OLD_NAME
    if not package.is_dir() and not (update and (root / "src" / name).is_dir()):
        raise RenameError(
            f"No package directory src/{OLD_NAME} under {root}, so there is nothing to rename: the "
            f"project has already been renamed (its package is another folder under src/), or {root} "
            "is not the project root. Pass the root with --root."
        )
    validate(name, display_name, root, update)
    renamer = Renamer(name, display_name)
    plan = plan_rename(root, renamer)
    check_moves(plan, root, update)
    if not dry_run:
        apply(plan, renamer)
    report(plan, root, name, display_name, dry_run)
    return plan


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", help="the new package name, e.g. my_project")
    parser.add_argument("--display-name", help="the name in prose and class names (default: MyProject)")
    parser.add_argument(
        "--root", type=Path, default=Path(__file__).resolve().parents[1], help="the project to rename"
    )
    parser.add_argument("--dry-run", action="store_true", help="list the changes without making them")
    parser.add_argument(
        "--update",
        action="store_true",
        help="merge into an existing src/NAME, the template's files replacing those of the same path",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    arguments = parse_arguments(argv)
    try:
        rename_project(
            arguments.root, arguments.name, arguments.display_name, arguments.dry_run, arguments.update
        )
    except RenameError as error:
        print(f"Error: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
