"""The one reader of users' text files: UTF-8, with or without a byte-order mark, any line ends.

Editors on Windows save UTF-8 with a byte-order mark and `\\r\\n` line ends; read naively, the
mark becomes a token of the vocabulary and every last field ends in `\\r`. Here both are
handled once, for every file a user hands the project (TSV data, a pronunciation dictionary,
inputs to predict). Any other encoding, or binary content, is one paragraph that names the file,
the line and the byte, and says how to convert it.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from plugboard.core.errors import DataError, MissingFileError

CONVERT_LATIN1 = "iconv -f latin1 -t utf-8 in.tsv > out.tsv"
CONVERT_UTF16 = "iconv -f utf-16 -t utf-8 in.tsv > out.tsv"


def read_lines(path: str | Path, kind: str) -> list[str]:
    """The lines of a UTF-8 text file, without the byte-order mark or any `\\r`/`\\n`.

    `\\n`, `\\r\\n` and a lone `\\r` all end a line (only these: a field may hold other Unicode
    separators). `kind` names the file in messages ("parallel text", "inputs").
    """
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"No {kind} file at {path}: point the config at a UTF-8 text file.")
    data = path.read_bytes()
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    nul = data.find(b"\x00", start)
    if nul >= 0:
        raise DataError(
            f"{path}, line {_line_of(data, nul)} (byte {nul}): a NUL byte, so this is not a {kind} "
            f"file of UTF-8 text but binary data or UTF-16 text. Point the config at the text file; if "
            f"it was saved as UTF-16 (some Windows tools do), convert it with `{CONVERT_UTF16}` or save "
            "it as UTF-8 from your editor."
        )
    try:
        text = data[start:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = start + error.start
        raise DataError(
            f"{path}, line {_line_of(data, offset)} (byte {offset}, value 0x{data[offset]:02x}): not "
            f"UTF-8, the encoding a {kind} file must have. It was probably saved as Latin-1 or "
            f"Windows-1252: convert it with `{CONVERT_LATIN1}` (or save it as UTF-8 from your "
            "editor), then point the config at the converted file."
        ) from None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def _line_of(data: bytes, offset: int) -> int:
    """The 1-based line holding byte `offset` (any of the three line ends counted once)."""
    before = data[:offset]
    return before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1
