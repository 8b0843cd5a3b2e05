"""`trainer.devices` and `trainer.accelerator` checked before anything is built.

Lightning refuses `trainer.devices=0`, or more GPUs than the machine has, only once the data and
the model are built, in its own words. Here they are found with the rest of the config:

- the value itself, on any machine (`device_problems`): a count >= 1, -1 (every GPU), "auto",
  a non-empty list of GPU indices or a string of them ("0,1"), as Lightning reads them;
- the value against the machine the job runs on (`machine_problems`): GPUs asked of a machine
  with fewer, or with none (torch's count, which honours CUDA_VISIBLE_DEVICES); a list of
  indices or -1 with CPU processes, where Lightning takes a count only. More CPU processes than
  cores is allowed (they share the cores, slower but correct, as a two-process DDP test on a
  small machine does) and logged as a warning.

The machine check runs where the job runs: in every job's own check, and in a sweep's pre-flight
only when its launcher runs the jobs on this machine (not SLURM or Ray, whose jobs start on other
machines, which check themselves).
"""

from __future__ import annotations

import functools
import os
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from plugboard.core.job.logs import get_logger

log = get_logger(__name__)

KEY, ACCELERATOR_KEY = "trainer.devices", "trainer.accelerator"
WHAT = (
    "must be a count >= 1 (processes, or GPUs, per machine), -1 (every GPU), 'auto', or a non-empty "
    "list of GPU indices such as [0, 1]"
)
GPU_ACCELERATORS = ("gpu", "cuda")
# Launchers whose jobs run on the machine that starts the sweep.
LOCAL_LAUNCHERS = ("BasicLauncher", "JoblibLauncher", "LocalLauncher")

#: (key, value, what it must be), as `plugboard.core.config.validation.Problem` takes them.
Found = tuple[str, Any, str]


def device_problems(cfg: DictConfig) -> list[Found]:
    """`trainer.devices` when it is no value Lightning takes, whatever the machine."""
    devices = _devices(cfg)
    if devices is None or _requested(devices) is not None:
        return []
    return [(KEY, devices, WHAT)]


def machine_problems(cfg: DictConfig) -> list[Found]:
    """`trainer.devices` and `trainer.accelerator` against this machine's GPUs and cores."""
    devices, accelerator = _devices(cfg), _accelerator(cfg)
    requested = _requested(devices) if devices is not None else None
    if requested is None or accelerator is None or accelerator not in (*GPU_ACCELERATORS, "cpu", "auto"):
        return []  # a bad value is said by device_problems; mps, tpu and objects are left to Lightning
    plain = requested in (1, "auto")
    gpus = 0 if accelerator == "cpu" or (accelerator == "auto" and plain) else gpu_count()
    if accelerator in GPU_ACCELERATORS or (accelerator == "auto" and gpus > 0):
        return _gpu_problems(accelerator, devices, requested, gpus)
    return _cpu_problems(devices, requested)


def runs_jobs_here(config: DictConfig) -> bool:
    """Whether the sweep's launcher (`hydra.launcher._target_`) starts its jobs on this machine."""
    target = str(OmegaConf.select(config, "hydra.launcher._target_", default="") or "")
    return target.rsplit(".", 1)[-1] in LOCAL_LAUNCHERS


@functools.lru_cache(maxsize=1)
def gpu_count() -> int:
    """The CUDA GPUs torch sees here (imports torch: only asked when GPUs may be used)."""
    import torch

    return torch.cuda.device_count()


def _gpu_problems(accelerator: str, devices: Any, requested: int | str | list[int], gpus: int) -> list[Found]:
    if gpus == 0:
        return [
            (
                ACCELERATOR_KEY,
                accelerator,
                "asks for a GPU, but torch sees none on this machine: train on the CPU "
                "(trainer=cpu, or trainer.accelerator=cpu)",
            )
        ]
    if isinstance(requested, list) and max(requested) >= gpus:
        return [(KEY, devices, f"names GPU {max(requested)}, but this machine has {_gpus(gpus)}")]
    if isinstance(requested, int) and requested > gpus:
        return [(KEY, devices, f"asks for {requested} GPUs, but this machine has {_gpus(gpus)}")]
    return []


def _cpu_problems(devices: Any, requested: int | str | list[int]) -> list[Found]:
    if isinstance(requested, list) or requested == -1:
        return [
            (
                KEY,
                devices,
                "names GPUs, but the job runs on the CPU (no GPU here, or trainer.accelerator=cpu), "
                "where it must be a count of processes >= 1",
            )
        ]
    cores = usable_cores()
    if isinstance(requested, int) and requested > cores:
        log.warning(
            f"trainer.devices={requested} CPU processes on a machine with {cores} cores: they will share "
            "the cores, so the run is slower than with fewer processes (results are unaffected)."
        )
    return []


def usable_cores() -> int:
    """The cores this process may run on (a container or `taskset` may allow fewer than exist)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _requested(devices: Any) -> int | str | list[int] | None:
    """What Lightning makes of `devices`: a count, -1, "auto" or a list of indices; None if nothing."""
    if isinstance(devices, ListConfig):
        devices = OmegaConf.to_container(devices)
    if isinstance(devices, str):
        text = devices.strip().rstrip(",")
        if text == "auto":
            return "auto"
        if "," in text:
            parts = [part.strip() for part in text.split(",")]
            devices = [int(part) for part in parts] if all(part.isdigit() for part in parts) else None
        else:
            devices = int(text) if text.lstrip("-").isdigit() else None
    if type(devices) is int:
        return devices if devices >= 1 or devices == -1 else None
    if isinstance(devices, list) and devices and all(type(index) is int and index >= 0 for index in devices):
        return devices if len(set(devices)) == len(devices) else None
    return None


def _devices(cfg: DictConfig) -> Any:
    trainer = cfg.get("trainer")
    if not isinstance(trainer, DictConfig) or "devices" not in trainer:
        return None
    try:
        return trainer.devices
    except Exception:  # an unresolvable interpolation: the config walk says so
        return None


def _accelerator(cfg: DictConfig) -> str | None:
    accelerator = OmegaConf.select(cfg, ACCELERATOR_KEY, default="auto", throw_on_missing=False)
    return accelerator.lower() if isinstance(accelerator, str) else None


def _gpus(count: int) -> str:
    return f"{count} GPU{'s' if count != 1 else ''} (indices 0 to {count - 1})"
