"""`make gpu-check`: without a GPU it stops cleanly; offline it installs everything but torch."""

from __future__ import annotations

import importlib.util

import pytest
import torch
from helpers import run_script

from plugboard.core.paths import PROJECT_ROOT


def load_gpu_check():
    spec = importlib.util.spec_from_file_location("gpu_check", PROJECT_ROOT / "scripts" / "gpu_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU: the check would run")
def test_without_a_gpu_the_check_says_so_and_exits_0():
    result = run_script("scripts/gpu_check.py", [])
    assert result.returncode == 0, result.stderr[-2000:]
    assert "No CUDA GPU visible" in result.stdout


def test_the_wheels_to_bring_are_every_dependency_but_torch():
    requirements = load_gpu_check().requirements()
    names = {requirement.split(">")[0].split("=")[0].split("<")[0] for requirement in requirements}
    assert {"lightning", "hydra-core", "torchmetrics"} <= names
    assert "torch" not in names
