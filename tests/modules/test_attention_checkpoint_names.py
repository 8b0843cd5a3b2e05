"""Additive and location-aware attention keep the parameter names and shapes their checkpoints
hold: rewriting how `score` computes must never make a saved model unloadable."""

from __future__ import annotations

import pytest
import torch
from omegaconf import OmegaConf

from modules.test_attention import build
from plugboard.core.paths import CONFIG_DIR

SIZE = 128  # the query and key size the shapes below were recorded with

# As the modules had them before `score` was rewritten to read like the papers.
SAVED_SHAPES = {
    "additive": {
        "query_projection.weight": (128, 128),
        "key_projection.weight": (128, 128),
        "key_projection.bias": (128,),
        "energy.weight": (1, 128),
    },
    "location": {
        "query_projection.weight": (128, 128),
        "key_projection.weight": (128, 128),
        "key_projection.bias": (128,),
        "location_conv.weight": (16, 1, 7),
        "location_projection.weight": (128, 16),
        "energy.weight": (1, 128),
    },
}


@pytest.mark.parametrize("name", SAVED_SHAPES)
def test_parameter_names_and_shapes_are_those_checkpoints_hold(name):
    config = OmegaConf.load(CONFIG_DIR / "model" / "attention" / f"{name}.yaml")
    assert config.hidden_size == 128  # the shapes above are for the shipped settings
    attention = build(CONFIG_DIR / "model" / "attention" / f"{name}.yaml", size=SIZE)
    shapes = {key: tuple(value.shape) for key, value in attention.state_dict().items()}
    assert shapes == SAVED_SHAPES[name]


@pytest.mark.parametrize("name", SAVED_SHAPES)
def test_a_state_dict_of_the_saved_layout_loads(name):
    attention = build(CONFIG_DIR / "model" / "attention" / f"{name}.yaml", size=SIZE)
    saved = {key: torch.randn(shape) for key, shape in SAVED_SHAPES[name].items()}
    attention.load_state_dict(saved, strict=True)
