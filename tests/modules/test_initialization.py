"""Initialisation as a config choice (`model/init=...`): what each option sets, that every option
in configs/model/init/ builds, and that a checkpoint may name an option but nothing else there."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from helpers import compose_config
from hydra.utils import instantiate
from omegaconf import OmegaConf
from torch import nn

from plugboard.core.checkpoints.trust import UntrustedCheckpointError, check_saved_config
from plugboard.core.paths import CONFIG_DIR
from plugboard.modules.initialization import Initialization, Xavier

VOCABULARY = ["<pad>", "<bos>", "<eos>", "<unk>", "a", "b", "c"]
OPTIONS = sorted(path.stem for path in (CONFIG_DIR / "model" / "init").glob("*.yaml"))


def model_with(option: str, tmp_path: Path, *overrides: str) -> nn.Module:
    config = compose_config([f"model/init={option}", *overrides], tmp_path)
    torch.manual_seed(0)
    return instantiate(config.model, vocabulary=VOCABULARY)


@pytest.mark.parametrize("option", OPTIONS)
def test_every_option_is_an_initialization_class_and_builds_a_model(option: str, tmp_path: Path) -> None:
    chosen = instantiate(OmegaConf.load(CONFIG_DIR / "model" / "init" / f"{option}.yaml"))
    assert isinstance(chosen, Initialization)
    model = model_with(option, tmp_path)
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_joeynmt_sets_small_embeddings_zero_biases_and_glorot_gates(tmp_path: Path) -> None:
    model = model_with("joeynmt", tmp_path, "model.decoder.cell._target_=torch.nn.LSTMCell")
    embedding = model.encoder.embedding.weight
    assert embedding[0].abs().sum() == 0  # the padding row
    assert 0.07 < embedding[1:].std() < 0.13
    assert all(p.abs().sum() == 0 for name, p in model.named_parameters() if "bias" in name)
    for weight, gates in ((model.encoder.rnn.weight_ih_l0, 3), (model.decoder.cells[0].weight_hh, 4)):
        fan_out, fan_in = weight.shape
        bound = math.sqrt(6.0 / (fan_in + fan_out / gates))  # each gate its own matrix
        assert weight.abs().max() <= bound
        assert weight.abs().max() > 0.9 * bound  # uniform up to the bound, not narrower


def test_xavier_also_draws_embeddings_from_glorot() -> None:
    embedding = nn.Embedding(50, 64, padding_idx=0)
    Xavier()(embedding)
    bound = math.sqrt(6.0 / (50 + 64))
    assert embedding.weight.abs().max() <= bound and embedding.weight[0].abs().sum() == 0


def test_pytorch_default_leaves_each_layer_as_built(tmp_path: Path) -> None:
    built = model_with("pytorch", tmp_path).state_dict()
    torch.manual_seed(0)
    untouched = instantiate(compose_config([], tmp_path).model, vocabulary=VOCABULARY, init=None)
    for name, tensor in untouched.state_dict().items():
        torch.testing.assert_close(tensor, built[name], msg=name)
    assert built["encoder.embedding.weight"][1:].std() > 0.8  # PyTorch's N(0, 1)


def test_a_checkpoint_may_name_an_initialization_class(tmp_path: Path) -> None:
    config = OmegaConf.to_container(compose_config(["model/init=joeynmt"], tmp_path), resolve=True)
    check_saved_config({"model": config["model"], "data": config["data"]}, {}, "run.ckpt")


def test_a_checkpoint_may_not_put_a_function_where_the_initialization_goes(tmp_path: Path) -> None:
    config = OmegaConf.to_container(compose_config([], tmp_path), resolve=True)
    config["model"]["init"] = {"_target_": "plugboard.data.padding.pad_or_cut", "_partial_": True}
    with pytest.raises(UntrustedCheckpointError):
        check_saved_config({"model": config["model"], "data": config["data"]}, {}, "crafted.ckpt")
