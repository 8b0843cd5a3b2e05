"""What a sweep says when it ends, read from its jobs' metrics.json (the SLURM run is in
tests/cluster/test_local_slurm.py)."""

from __future__ import annotations

import json
from pathlib import Path

from plugboard.core.job.sweep_outcome import sweep_outcome


def write_job(sweep: Path, number: int, record: dict | None) -> None:
    job = sweep / str(number)
    job.mkdir(parents=True)
    if record is not None:
        (job / "metrics.json").write_text(json.dumps(record))


def test_a_sweep_of_done_jobs_is_one_line(tmp_path: Path):
    for number in range(2):
        write_job(tmp_path, number, {"status": "done", "metrics": {}})
    (tmp_path / ".submitit").mkdir()  # submitit's folder is no job
    assert sweep_outcome(tmp_path) == "The sweep ended: 2 done."


def test_each_job_not_done_is_named_with_the_first_line_of_its_error(tmp_path: Path):
    write_job(tmp_path, 0, {"status": "done", "metrics": {}})
    write_job(tmp_path, 1, {"status": "failed", "error": "CUDA out of memory.\nTried to allocate 2 GiB"})
    write_job(tmp_path, 10, {"status": "done", "metrics": {}})
    write_job(tmp_path, 2, None)  # never wrote its record: killed, or still queued
    lines = sweep_outcome(tmp_path).splitlines()
    assert lines[0] == "The sweep ended: 2 done, 1 failed, 1 unfinished."
    assert lines[1] == f"  job 1 failed: CUDA out of memory. ({tmp_path / '1'})"
    assert lines[2] == f"  job 2 unfinished: no record of its end ({tmp_path / '2'})"
    assert lines[3] == f"A failed job does not stop the sweep; `python compare.py {tmp_path}` lists them."


def test_a_half_written_record_reads_as_unfinished_not_a_crash_at_the_end_of_the_sweep(tmp_path):
    (tmp_path / "0").mkdir()
    (tmp_path / "0" / "metrics.json").write_text('{"status": "do')
    assert sweep_outcome(tmp_path).splitlines()[0] == "The sweep ended: 1 unfinished."
