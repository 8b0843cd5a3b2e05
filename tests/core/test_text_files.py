"""Users' text files: a Windows-saved file reads like a clean one; other encodings are one paragraph."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from plugboard.core.errors import DataError
from plugboard.core.text_files import read_lines
from plugboard.seq2seq.data import TsvDataModule

PAIRS = [f"w{index} x\tT{index}" for index in range(40)]


def written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_a_byte_order_mark_and_crlf_line_ends_give_the_same_examples_as_a_clean_file(tmp_path: Path):
    clean = written(tmp_path / "clean.tsv", "\n".join(PAIRS).encode() + b"\n")
    windows = written(tmp_path / "windows.tsv", codecs.BOM_UTF8 + "\r\n".join(PAIRS).encode() + b"\r\n")
    modules = [TsvDataModule(path) for path in (clean, windows)]
    for module in modules:
        module.setup("fit")
    assert modules[0].examples == modules[1].examples
    assert modules[0].vocabulary == modules[1].vocabulary
    assert not {"\ufeff", "\r"} & set(modules[1].vocabulary.tokens)


def test_every_line_end_ends_a_line_and_nothing_else_does(tmp_path: Path):
    path = written(tmp_path / "mixed.txt", "a\r\nb\rc\nd\u2028e\n".encode())
    assert read_lines(path, "inputs") == ["a", "b", "c", "d\u2028e"]


def test_a_latin1_file_is_one_paragraph_with_its_line_byte_and_the_conversion(tmp_path: Path):
    path = written(tmp_path / "latin.tsv", "one\t1\ncaf\u00e9\t2\n".encode("latin-1"))
    with pytest.raises(DataError) as error:
        read_lines(path, "parallel text")
    message = str(error.value)
    assert f"{path}, line 2 (byte 9, value 0xe9)" in message and "iconv -f latin1 -t utf-8" in message
    assert "\n" not in message


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "ab\n".encode("utf-16")])
def test_binary_or_utf16_content_is_one_paragraph_naming_the_line(tmp_path: Path, data: bytes):
    path = written(tmp_path / "data.tsv", data)
    with pytest.raises(DataError, match=r"line \d+ \(byte \d+\): a NUL byte") as error:
        TsvDataModule(path).setup("fit")
    assert "iconv -f utf-16" in str(error.value) and "\n" not in str(error.value)
