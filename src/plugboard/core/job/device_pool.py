"""One GPU per job when a local sweep runs jobs in parallel (`launcher=joblib` on a multi-GPU machine).

joblib's worker processes are reused and jobs end out of order, so neither `job number % N`
nor `CUDA_VISIBLE_DEVICES` (fixed once CUDA has started in a worker) can pick a free GPU.
Jobs take a device index from a pool kept in the sweep dir instead, under a file lock, train
with `devices=[index]`, and give the index back when they end, failed or not. A job whose
trainer asks for several devices, or the CPU, takes nothing.

The index reaches the Trainer as an argument (`devices_of_this_job`, read where the Trainer is
built), never written into the job's config: the config saved in checkpoints and shown to the
user stays what the user asked for, not a GPU index of one machine.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from filelock import FileLock
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

log = logging.getLogger(__name__)  # no Lightning import: pool processes stay light

POOL_DIR = ".device_pool"  # in the sweep dir
_devices_of_this_job: ContextVar[list[int] | None] = ContextVar("devices_of_this_job", default=None)


def devices_of_this_job() -> dict[str, list[int]]:
    """`{"devices": [index]}` for the Trainer of a job that holds a pool device, else `{}`."""
    devices = _devices_of_this_job.get()
    return {"devices": devices} if devices is not None else {}


class DevicePool:
    """Device indices 0..size-1 shared by the processes of one sweep; holders are kept in a file."""

    def __init__(self, folder: str | Path, size: int) -> None:
        self.folder, self.size = Path(folder), size
        self.folder.mkdir(parents=True, exist_ok=True)
        self.holders_file = self.folder / "holders.json"
        self.lock = FileLock(self.folder / "holders.lock")

    @contextmanager
    def device(self, holder: str, poll_s: float = 0.5) -> Iterator[int]:
        """A free index, held while the block runs; waits while every index is held."""
        index = self._take(holder)
        if index is None:
            log.info(f"All {self.size} devices are in use: waiting for a job to end")
        while index is None:
            time.sleep(poll_s)
            index = self._take(holder)
        try:
            yield index
        finally:
            self._give_back(index)

    def _take(self, holder: str) -> int | None:
        with self.lock:
            holders = self._read()
            free = [index for index in range(self.size) if str(index) not in holders]
            if not free:
                return None
            holders[str(free[0])] = {"holder": holder, "pid": os.getpid()}
            self._write(holders)
            return free[0]

    def _give_back(self, index: int) -> None:
        with self.lock:
            holders = self._read()
            holders.pop(str(index), None)
            self._write(holders)

    def _read(self) -> dict[str, Any]:
        """The holders, less those whose process has died (a killed worker returns nothing)."""
        if not self.holders_file.is_file():
            return {}
        holders = json.loads(self.holders_file.read_text() or "{}")
        return {index: held for index, held in holders.items() if _alive(held["pid"])}

    def _write(self, holders: dict[str, Any]) -> None:
        self.holders_file.write_text(json.dumps(holders, indent=1, sort_keys=True) + "\n")


def device_for_this_job(cfg: DictConfig) -> Any:
    """A context in which the job trains on its own GPU (`device_pool`: configs/launcher/joblib.yaml)."""
    settings, trainer = cfg.get("device_pool"), cfg.get("trainer") or {}
    if not settings or not HydraConfig.initialized() or HydraConfig.get().mode != RunMode.MULTIRUN:
        return nullcontext()
    if trainer.get("accelerator") == "cpu" or str(trainer.get("devices")) != "1":
        return nullcontext()
    size = _device_count() if settings.size == "auto" else int(settings.size)
    if size < 1:
        return nullcontext()
    return _train_on_pool_device(DevicePool(Path(HydraConfig.get().sweep.dir) / POOL_DIR, size))


@contextmanager
def _train_on_pool_device(pool: DevicePool) -> Iterator[None]:
    job = str(HydraConfig.get().job.num)
    with pool.device(holder=f"job {job}") as index:
        log.info(f"Job {job} trains on GPU {index} (devices=[{index}])")
        token = _devices_of_this_job.set([index])
        try:
            yield
        finally:
            _devices_of_this_job.reset(token)


def _device_count() -> int:
    import torch

    return torch.cuda.device_count()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
