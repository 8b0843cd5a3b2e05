"""The one reader of users' two-column TSV files, shared by the families' TSV DataModules."""

from __future__ import annotations

from pathlib import Path

from plugboard.core.errors import DataError, MissingFileError


def read_two_columns(path: Path, columns: tuple[str, str], kind: str) -> list[tuple[str, str]]:
    """The (first, second) strings of each non-blank line, with errors that name the line to fix.

    `columns` names the two sides in messages ("source", "target"); `kind` names the file
    ("parallel text"). Fields are stripped; blank lines are skipped.
    """
    first, second = columns
    layout = f"'{first}<TAB>{second}'"
    if not path.is_file():
        raise MissingFileError(
            f"No {kind} file at {path}: set data.path to a UTF-8 file with one {layout} pair per line."
        )
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 2:
            raise DataError(
                f"{path}, line {number}: expected exactly one tab between {first} and {second} but "
                f"found {len(fields) - 1}; separate the two with a single tab character."
            )
        values = tuple(field.strip() for field in fields)
        for side, value in zip(columns, values, strict=True):
            if not value:
                raise DataError(
                    f"{path}, line {number}: the {side} side is empty; write the {first} and the "
                    f"{second} on the two sides of the tab, or delete the line."
                )
        pairs.append(values)
    if not pairs:
        raise DataError(f"{path}, line 1: the file has no examples; add one {layout} pair per line.")
    return pairs
