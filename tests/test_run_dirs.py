"""Run dirs: two runs started in the same second never share one (their checkpoints would clash)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from plugboard.core import resume


def claim_in_fresh_process(runs_dir: str, name: str, queue) -> None:
    queue.put(resume.new_run_dir(runs_dir, name))


def test_a_second_process_with_the_same_start_time_gets_its_own_dir(tmp_path: Path):
    runs = tmp_path / "train" / "runs"
    first = resume.new_run_dir(str(runs), "2026-01-01_12-00-00")
    # The same process asks again (Hydra may resolve the run dir twice): same answer.
    assert resume.new_run_dir(str(runs), "2026-01-01_12-00-00") == first
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    others = [
        context.Process(target=claim_in_fresh_process, args=(str(runs), "2026-01-01_12-00-00", queue))
        for _ in range(2)
    ]
    for process in others:
        process.start()
    for process in others:
        process.join(60)
    claimed = {first, queue.get(timeout=5), queue.get(timeout=5)}
    assert claimed == {
        str(runs / name) for name in ("2026-01-01_12-00-00", "2026-01-01_12-00-00_1", "2026-01-01_12-00-00_2")
    }
    assert all(Path(path).is_dir() for path in claimed)


def test_the_newest_run_is_still_found_after_a_suffixed_one(tmp_path: Path):
    runs = tmp_path / "runs"
    for name in ("2026-01-01_12-00-00", "2026-01-01_12-00-00_1", "2026-01-01_11-59-59"):
        (runs / name / "checkpoints").mkdir(parents=True)
        resume.last_checkpoint(runs / name).touch()
    assert resume.newest_resumable_run(runs) == runs / "2026-01-01_12-00-00_1"
