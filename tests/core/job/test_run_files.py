"""The run-dir write helper, attacked as a hostile user sharing the folder would: each planted
link must leave its target untouched, and each refusal is one paragraph."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from plugboard.core.job.run_files import (
    RunDirError,
    appending,
    check_run_dir,
    replacing,
    write_bytes,
    write_text,
)


@pytest.fixture
def run(tmp_path: Path) -> Path:
    (tmp_path / "run").mkdir()
    return tmp_path / "run"


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A file outside the run that an attacker wants overwritten."""
    path = tmp_path / "outside" / "precious.txt"
    path.parent.mkdir()
    path.write_text("keep me\n")
    return path


def test_a_file_is_written_whole_with_no_temporary_left(run: Path):
    path = write_text(run, "sub/metrics.json", "{}\n")
    assert path == run / "sub" / "metrics.json" and path.read_text() == "{}\n"
    write_text(run, path, '{"a": 1}\n')  # absolute inside the run: replaced
    assert path.read_text() == '{"a": 1}\n'
    assert sorted(p.name for p in (run / "sub").iterdir()) == ["metrics.json"]


def test_a_planted_symlink_at_the_target_is_replaced_not_followed(run: Path, victim: Path):
    (run / "run_info.json").symlink_to(victim)
    write_text(run, "run_info.json", "new\n")
    assert victim.read_text() == "keep me\n"
    assert not (run / "run_info.json").is_symlink() and (run / "run_info.json").read_text() == "new\n"


def test_a_planted_symlink_to_a_folder_on_the_way_is_refused(run: Path, victim: Path):
    (run / "csv").symlink_to(victim.parent)
    with pytest.raises(RunDirError, match="symbolic link") as raised:
        write_text(run, "csv/precious.txt", "overwritten\n")
    assert victim.read_text() == "keep me\n" and "\n" not in str(raised.value)


def test_a_run_dir_that_is_itself_a_symlink_is_refused(tmp_path: Path, victim: Path):
    (tmp_path / "linked_run").symlink_to(victim.parent)
    with pytest.raises(RunDirError, match="symbolic link"):
        write_text(tmp_path / "linked_run", "precious.txt", "overwritten\n")
    assert victim.read_text() == "keep me\n"


@pytest.mark.parametrize("path", ["../outside/precious.txt", "a/../../outside/precious.txt", "/etc/passwd"])
def test_a_path_leading_out_of_the_run_is_refused(run: Path, victim: Path, path: str):
    with pytest.raises(RunDirError, match="not a file inside the run dir"):
        write_text(run, path, "overwritten\n")
    assert victim.read_text() == "keep me\n"


def test_appending_refuses_a_symlink_and_a_hard_link(run: Path, victim: Path):
    (run / "train.log").symlink_to(victim)
    with pytest.raises(RunDirError, match="symbolic link"), appending(run, "train.log") as file:
        file.write("appended\n")
    os.link(victim, run / "metrics.csv")
    with pytest.raises(RunDirError, match="hard link"), appending(run, "metrics.csv") as file:
        file.write("appended\n")
    assert victim.read_text() == "keep me\n"
    with appending(run, "fresh.log") as file:
        file.write("one\n")
    with appending(run, "fresh.log") as file:
        file.write("two\n")
    assert (run / "fresh.log").read_text() == "one\ntwo\n"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(run: Path):
    write_bytes(run, "last.bin", b"old")
    with pytest.raises(KeyError), replacing(run, "last.bin", binary=True) as file:
        file.write(b"half")
        raise KeyError("stopped half way")
    assert [p.name for p in run.iterdir()] == ["last.bin"] and (run / "last.bin").read_bytes() == b"old"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_an_unwritable_run_dir_is_one_paragraph(run: Path):
    run.chmod(0o500)
    try:
        with pytest.raises(RunDirError, match="permission denied") as raised:
            write_text(run, "metrics.json", "{}")
    finally:
        run.chmod(0o700)
    assert "paths.log_dir" in str(raised.value)


def test_checking_a_run_dir_finds_any_planted_link(run: Path, victim: Path):
    (run / ".hydra").mkdir()
    (run / ".hydra" / "config.yaml").write_text("a: 1\n")
    check_run_dir(run)  # a clean run dir passes
    (run / "latest").symlink_to(run / ".hydra")  # a link within the run leads nowhere else
    (run / "wandb").mkdir()
    (run / "wandb" / "debug.log").symlink_to(victim)  # wandb links its own logs; it alone writes there
    check_run_dir(run)
    (run / ".hydra" / "overrides.yaml").symlink_to(victim)
    with pytest.raises(RunDirError, match="overrides.yaml is a symbolic link"):
        check_run_dir(run)
    (run / ".hydra" / "overrides.yaml").unlink()
    os.link(victim, run / "attention.png")
    with pytest.raises(RunDirError, match="hard link"):
        check_run_dir(run)
