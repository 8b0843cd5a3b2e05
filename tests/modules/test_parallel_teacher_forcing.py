"""Parallel teacher forcing: without input feeding, the recurrent decoder runs the whole target at
once and computes what stepping computes, for every attention that reads no history (discovered
from configs/model/attention/), both cells and several layers; elsewhere it steps."""

from __future__ import annotations

import logging

import pytest
import torch
from hydra.utils import instantiate
from omegaconf import OmegaConf
from torch import nn

from plugboard.core.paths import CONFIG_DIR
from plugboard.modules.decoders import Decoder, RecurrentDecoder
from plugboard.modules.encoders import EncoderOutput

VOCAB_SIZE, HIDDEN_SIZE, SOURCE_LENGTH = 11, 16, 6
ATTENTION_CONFIGS = sorted((CONFIG_DIR / "model" / "attention").glob("*.yaml"))


def attention_partial(config: str):
    """The variant as its config file builds it (a partial awaiting the decoder's sizes)."""
    return instantiate(OmegaConf.load(CONFIG_DIR / "model" / "attention" / f"{config}.yaml"))


def decoder_with(config: str, cell: type[nn.RNNCellBase], layers: int, **options) -> RecurrentDecoder:
    torch.manual_seed(0)
    decoder = RecurrentDecoder(
        VOCAB_SIZE,
        HIDDEN_SIZE,
        attention_partial(config),
        8,
        HIDDEN_SIZE,
        layers,
        cell,
        dropout=0.3,
        **options,
    )
    return decoder.double().eval()  # eval: dropout draws different masks on the two paths


def source(batch: int = 3) -> tuple[EncoderOutput, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    states = torch.randn(batch, SOURCE_LENGTH, HIDDEN_SIZE, generator=generator, dtype=torch.float64)
    summary = torch.randn(batch, HIDDEN_SIZE, generator=generator, dtype=torch.float64)
    mask = torch.arange(SOURCE_LENGTH) < torch.tensor([[6], [2], [4]])
    return EncoderOutput(states, summary), mask


def target_inputs() -> torch.Tensor:
    inputs = torch.randint(3, VOCAB_SIZE, (3, 7), generator=torch.Generator().manual_seed(2))
    inputs[:, 0], inputs[1, 3:] = 1, 0  # <bos> first; a shorter, padded second target
    return inputs


ELIGIBLE = [
    path.stem for path in ATTENTION_CONFIGS if not attention_partial(path.stem).func.needs_previous_weights
]


def test_the_attention_variants_are_discovered() -> None:
    assert {"dot", "general", "additive"} <= set(ELIGIBLE)
    assert "location" not in ELIGIBLE  # reads the previous weights


@pytest.mark.parametrize("layers", [1, 3])
@pytest.mark.parametrize("cell", [nn.GRUCell, nn.LSTMCell], ids=["gru", "lstm"])
@pytest.mark.parametrize("config", ELIGIBLE)
def test_all_positions_at_once_equal_step_by_step(
    config: str, cell: type[nn.RNNCellBase], layers: int
) -> None:
    decoder = decoder_with(config, cell, layers, input_feeding=False)
    assert decoder.parallel_teacher_forcing
    encoded, mask = source()
    inputs = target_inputs()
    parallel = decoder(inputs, encoded, mask)
    stepped = Decoder.forward(decoder, inputs, encoded, mask)  # the base class steps
    torch.testing.assert_close(parallel, stepped, rtol=1e-12, atol=1e-12)


def test_gradients_equal_step_by_step() -> None:
    decoder = decoder_with("additive", nn.LSTMCell, 2, input_feeding=False)
    encoded, mask = source()
    inputs = target_inputs()
    gradients = []
    for forward in (decoder.forward, lambda *args: Decoder.forward(decoder, *args)):
        decoder.zero_grad()
        forward(inputs, encoded, mask).square().sum().backward()
        gradients.append({name: p.grad.clone() for name, p in decoder.named_parameters()})
    for name, gradient in gradients[0].items():
        torch.testing.assert_close(gradient, gradients[1][name], rtol=1e-10, atol=1e-12, msg=name)


def test_the_state_dict_is_the_step_by_step_decoders() -> None:
    parallel = decoder_with("general", nn.GRUCell, 2, input_feeding=False)
    names = set(parallel.state_dict())
    assert not any("template" in name or "_l0" in name for name in names)
    assert {"cells.0.weight_ih", "cells.1.weight_hh"} <= names


@pytest.mark.parametrize(
    ("config", "options"),
    [("dot", {"input_feeding": True}), ("location", {"input_feeding": False})],
    ids=["input-feeding", "history-reading-attention"],
)
def test_steps_where_a_step_reads_the_one_before(config: str, options: dict) -> None:
    decoder = decoder_with(config, nn.GRUCell, 1, **options)
    assert not decoder.parallel_teacher_forcing


def test_teacher_forcing_below_one_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    decoder = decoder_with("dot", nn.GRUCell, 1, input_feeding=False)
    stepped = []
    monkeypatch.setattr(Decoder, "forward", lambda self, *args: stepped.append(args) or torch.zeros(0))
    encoded, mask = source()
    decoder(target_inputs(), encoded, mask, 0.5)
    assert len(stepped) == 1


def test_the_choice_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        decoder_with("dot", nn.GRUCell, 1, input_feeding=False)
    assert "all target positions at once" in caplog.text
