"""One GPU per job in a parallel local sweep: device indices from a pool under a file lock."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import read_write

from plugboard.core.job.device_pool import POOL_DIR, DevicePool, device_for_this_job, devices_of_this_job
from plugboard.core.paths import CONFIG_DIR


def run_jobs(folder: str, size: int, worker: int, queue) -> None:
    """A joblib worker: several jobs in a row, each holding a device for a moment."""
    pool = DevicePool(folder, size)
    for job in range(3):
        with pool.device(holder=f"worker {worker} job {job}", poll_s=0.01) as index:
            started = time.monotonic()
            time.sleep(0.05)
            queue.put((index, started, time.monotonic()))
    if worker == 0:
        try:  # a job that fails gives its device back too
            with pool.device(holder="failing job") as index:
                raise RuntimeError("job failed")
        except RuntimeError:
            queue.put(("freed", index, None))


def test_no_two_concurrent_jobs_hold_the_same_device(tmp_path: Path):
    # 4 worker processes share a faked machine of 2 GPUs (forked: each has its own lock handle).
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [context.Process(target=run_jobs, args=(str(tmp_path), 2, n, queue)) for n in range(4)]
    for worker in workers:
        worker.start()
    held = [queue.get(timeout=60) for _ in range(4 * 3 + 1)]
    for worker in workers:
        worker.join(30)
    intervals = [item for item in held if item[0] != "freed"]
    assert {index for index, _, _ in intervals} == {0, 1}
    for index in (0, 1):
        spans = sorted((start, end) for held_index, start, end in intervals if held_index == index)
        assert all(spans[n][1] <= spans[n + 1][0] for n in range(len(spans) - 1)), index
    assert DevicePool(tmp_path, 2)._read() == {}  # every device back, the failed job's included


def test_a_sweep_job_trains_on_the_gpu_it_holds_and_gives_it_back_without_writing_its_config(
    tmp_path: Path,
):
    pytest.importorskip("hydra_plugins.hydra_joblib_launcher")
    overrides = ["launcher=joblib", "trainer=gpu", "device_pool.size=3", f"hydra.sweep.dir={tmp_path}"]
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("train", overrides=overrides, return_hydra_config=True)
        other = compose("train", overrides=overrides, return_hydra_config=True)
    for num, config in enumerate((cfg, other)):
        with read_write(config.hydra):
            config.hydra.mode, config.hydra.job.num = RunMode.MULTIRUN, num
    HydraConfig.instance().set_config(cfg)
    try:
        with device_for_this_job(cfg):
            first = devices_of_this_job()
            with device_for_this_job(other):
                second = devices_of_this_job()
        assert (first, second) == ({"devices": [0]}, {"devices": [1]})
        assert devices_of_this_job() == {}  # given back: the next Trainer gets no device argument
        assert DevicePool(tmp_path / POOL_DIR, 3)._read() == {}
        # The saved config stays what the user asked for, not a GPU index of this machine.
        assert cfg.trainer.devices == other.trainer.devices == 1
    finally:
        HydraConfig.instance().cfg = None
