"""Checkpoints saved before the encoder's `output_projection`, the decoder's `output_bias` and
`model/init` existed hold configs without those keys: they rebuild the layout their weights have
(projected encoder states, an output bias), while a new config builds the new one."""

from __future__ import annotations

from pathlib import Path

import torch
from helpers import compose_config
from hydra.utils import instantiate
from omegaconf import OmegaConf

VOCABULARY = ["<pad>", "<bos>", "<eos>", "<unk>", "a", "b", "c"]
OLD_SHAPES = {  # the default job's layout before the options (encoder 128 per direction)
    "encoder.projection.weight": (128, 256),
    "decoder.init_projection.weight": (128, 128),
    "decoder.attention.key_projection.weight": (128, 128),
    "decoder.combine.weight": (128, 256),
    "decoder.output.bias": (7,),
}


def saved_config_without_the_options(tmp_path: Path):
    config = OmegaConf.to_container(compose_config(["model/attention=general"], tmp_path).model, resolve=True)
    del config["encoder"]["output_projection"], config["decoder"]["output_bias"], config["init"]
    return OmegaConf.create(config)


def test_an_old_config_rebuilds_the_old_layout_and_its_weights_load(tmp_path: Path) -> None:
    model = instantiate(saved_config_without_the_options(tmp_path), vocabulary=VOCABULARY)
    shapes = {name: tuple(tensor.shape) for name, tensor in model.state_dict().items()}
    assert {name: shapes.get(name) for name in OLD_SHAPES} == OLD_SHAPES
    saved = {name: torch.randn(shape) for name, shape in shapes.items()}
    model.load_state_dict(saved, strict=True)


def test_a_new_config_attends_over_both_directions_whole(tmp_path: Path) -> None:
    model = instantiate(compose_config(["model/attention=general"], tmp_path).model, vocabulary=VOCABULARY)
    names = set(model.state_dict())
    assert "encoder.projection.weight" not in names and "decoder.output.bias" not in names
    assert tuple(model.state_dict()["decoder.attention.key_projection.weight"].shape) == (128, 256)
