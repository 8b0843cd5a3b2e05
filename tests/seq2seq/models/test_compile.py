"""`model.compile=true`: the encoder and decoder train through torch.compile, or it says why not."""

from __future__ import annotations

from pathlib import Path

import lightning as L
import pytest
import torch
from helpers import TINY, compose_config
from hydra.utils import instantiate

from plugboard.core.errors import ConfigError

# Short sequences of one length: the recurrent decoder's loop is unrolled into the compiled
# graph, and a new length would compile it again.
SHORT = [*TINY, "data.task.min_length=3", "data.task.max_length=3", "data.batch_size=8", "model.compile=true"]


def compiler_found() -> bool:
    from torch._inductor import cpp_builder

    try:
        cpp_builder.get_cpp_compiler()
    except Exception:
        return False
    return True


def fit_one_step(tmp_path: Path):
    cfg = compose_config(SHORT, tmp_path)
    L.seed_everything(0)
    datamodule = instantiate(cfg.data)
    datamodule.setup("fit")
    model = instantiate(cfg.model, vocabulary=datamodule.vocabulary.tokens)
    trainer = L.Trainer(
        accelerator="cpu",
        devices=1,
        max_steps=1,
        limit_val_batches=0,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=tmp_path,
    )
    trainer.fit(model, datamodule=datamodule)
    return model, trainer


def check_trained_one_compiled_step(model, trainer) -> None:
    assert model._modules_compiled
    assert model.encoder._compiled_call_impl is not None and model.decoder._compiled_call_impl is not None
    assert trainer.global_step == 1
    assert torch.isfinite(trainer.callback_metrics["train/loss"])
    # In-place compilation: checkpoints of compiled and uncompiled runs are interchangeable.
    assert not any("_orig_mod" in name for name in model.state_dict())


def test_compiled_model_trains_one_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Through TorchDynamo's graph capture, run by the eager backend: no C++ to build, so it is fast."""
    compile_in_place = torch.nn.Module.compile
    monkeypatch.setattr(torch.nn.Module, "compile", lambda module: compile_in_place(module, backend="eager"))
    check_trained_one_compiled_step(*fit_one_step(tmp_path))


@pytest.mark.slow
def test_compiled_model_trains_one_step_with_inductor(tmp_path: Path):
    """The default backend builds C++ kernels: about a minute on 2 cores with an empty cache."""
    if not compiler_found():
        pytest.skip("torch.compile on the CPU needs a C++ compiler (g++ or clang++); none was found")
    check_trained_one_compiled_step(*fit_one_step(tmp_path))


def test_missing_compiler_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from torch._inductor import config as inductor_config

    monkeypatch.setattr(inductor_config.cpp, "cxx", (None, str(tmp_path / "no-such-g++")))
    with pytest.raises(ConfigError, match=r"needs a C\+\+ compiler.*model.compile=false"):
        fit_one_step(tmp_path)
