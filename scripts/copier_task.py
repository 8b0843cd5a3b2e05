"""What `copier copy` and `copier update` run (copier.yml's `_tasks`) once Plugboard's files are in
place: the project takes its own name and description.

    python scripts/copier_task.py NAME --description TEXT --operation copy|update

The template's files carry no Jinja: copier copies them as they are, and this task renames them
(scripts/rename_project.py) and writes the description into pyproject.toml. `copier update` renders
each template version afresh, twice in temporary folders and once over the project, and runs this
task on each, so the three-way merge compares files that all carry the project's own name. Over
the project (`--operation update`) the template's files replace those of the same path in src/NAME before
copier merges the user's own changes back in.

Uses the standard library only: it runs before the project is installed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rename_project import OLD_NAME, RenameError, rename_project  # noqa: E402

DESCRIPTION_LINE = re.compile(r'^description = ".*"$', re.MULTILINE)


def set_description(pyproject: Path, description: str) -> None:
    """The `[project]` description, as one TOML string whatever the text holds."""
    text = pyproject.read_text(encoding="utf-8")
    # JSON's string escapes are TOML's: quotes, backslashes and line breaks stay inside the string.
    line = f"description = {json.dumps(description, ensure_ascii=False)}"
    new_text, count = DESCRIPTION_LINE.subn(lambda _: line, text, count=1)
    if count != 1:
        raise RenameError(f'{pyproject} has no `description = "..."` line to write the description into.')
    pyproject.write_text(new_text, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", help="the package name, e.g. lab_notes")
    parser.add_argument("--description", required=True, help="one line: what the project is for")
    parser.add_argument(
        "--operation", default="copy", help="copier's: copy, or update (recopy) over the existing project"
    )
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the fresh copy (default: here)")
    arguments = parser.parse_args(argv)
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the file-by-file list: too long for copier's output
            plan = rename_project(arguments.root, arguments.name, update=arguments.operation != "copy")
        set_description(arguments.root / "pyproject.toml", arguments.description)
    except RenameError as error:
        print(f"Error: {error}", file=sys.stderr)
        sys.exit(1)
    print(
        f"Renamed {OLD_NAME} to {arguments.name}: {plan.occurrences} occurrences in "
        f"{len(plan.replacements)} files, {len(plan.moves)} paths moved."
    )


if __name__ == "__main__":
    main()
