"""Encoders: shapes, padding invariance and gradients, for every encoder behind one interface."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from plugboard.modules.encoders import Encoder, RecurrentEncoder, TransformerEncoder

VOCAB_SIZE, HIDDEN_SIZE, PAD_ID = 12, 16, 0

ENCODERS = {
    "gru-bidirectional": lambda: RecurrentEncoder(
        VOCAB_SIZE, embedding_size=8, hidden_size=HIDDEN_SIZE, cell=nn.GRU, bidirectional=True
    ),
    "gru-unidirectional": lambda: RecurrentEncoder(
        VOCAB_SIZE, embedding_size=8, hidden_size=HIDDEN_SIZE, cell=nn.GRU, bidirectional=False
    ),
    "lstm-bidirectional-2-layers": lambda: RecurrentEncoder(
        VOCAB_SIZE, 8, HIDDEN_SIZE, num_layers=2, cell=nn.LSTM, bidirectional=True, dropout=0.1
    ),
    "lstm-unidirectional": lambda: RecurrentEncoder(
        VOCAB_SIZE, embedding_size=8, hidden_size=HIDDEN_SIZE, cell=nn.LSTM, bidirectional=False
    ),
    "transformer": lambda: TransformerEncoder(
        VOCAB_SIZE, hidden_size=HIDDEN_SIZE, num_layers=2, num_heads=2, feedforward_size=32
    ),
}


@pytest.fixture(params=list(ENCODERS))
def encoder(request: pytest.FixtureRequest) -> Encoder:
    torch.manual_seed(0)
    return ENCODERS[request.param]()


def make_batch(lengths: list[int], total_length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Random real tokens, and random *non-pad* tokens in the padded positions too: the mask
    alone must decide what is ignored."""
    generator = torch.Generator().manual_seed(1)
    tokens = torch.randint(4, VOCAB_SIZE, (len(lengths), total_length), generator=generator)
    mask = torch.arange(total_length).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)
    return tokens, mask


def test_output_shapes(encoder: Encoder) -> None:
    tokens, mask = make_batch([5, 3, 1], total_length=5)
    states, summary = encoder(tokens, mask)
    assert encoder.output_size == HIDDEN_SIZE
    assert states.shape == (3, 5, encoder.output_size)
    assert summary.shape == (3, encoder.output_size)
    assert torch.isfinite(states).all() and torch.isfinite(summary).all()


def test_appended_padding_changes_nothing_real(encoder: Encoder) -> None:
    encoder.eval()
    tokens, mask = make_batch([5, 3, 1], total_length=5)
    padded_tokens, _ = make_batch([5, 3, 1], total_length=9)
    padded_tokens[:, :5] = tokens
    padded_mask = torch.cat([mask, torch.zeros(3, 4, dtype=torch.bool)], dim=1)
    with torch.no_grad():
        states, summary = encoder(tokens, mask)
        padded_states, padded_summary = encoder(padded_tokens, padded_mask)
    torch.testing.assert_close(padded_states[:, :5][mask], states[mask], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(padded_summary, summary, atol=1e-5, rtol=1e-5)


def test_a_sequence_is_encoded_alike_alone_and_in_a_batch(encoder: Encoder) -> None:
    encoder.eval()
    tokens, mask = make_batch([5, 3, 1], total_length=5)
    with torch.no_grad():
        states, summary = encoder(tokens, mask)
        alone_states, alone_summary = encoder(tokens[1:2, :3], mask[1:2, :3])
    torch.testing.assert_close(alone_states[0], states[1, :3], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(alone_summary[0], summary[1], atol=1e-5, rtol=1e-5)


def test_gradients_reach_every_parameter(encoder: Encoder) -> None:
    encoder.train()
    tokens, mask = make_batch([5, 3, 1], total_length=5)
    states, summary = encoder(tokens, mask)
    # Random weights rather than a plain sum: the sum of a LayerNorm's output has no gradient.
    generator = torch.Generator().manual_seed(2)
    loss = (states * torch.randn(states.shape, generator=generator)).sum()
    loss = loss + (summary * torch.randn(summary.shape, generator=generator)).sum()
    loss.backward()
    for name, parameter in encoder.named_parameters():
        assert parameter.grad is not None, f"{name} got no gradient"
        assert parameter.grad.abs().sum() > 0, f"{name} got a zero gradient"


class EncoderOutputs(nn.Module):
    """The encoder's two outputs as a tuple of tensors, which torch.export can return."""

    def __init__(self, encoder: Encoder) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(self, tokens: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        encoded = self.encoder(tokens, mask)
        return encoded.states, encoded.summary


@pytest.mark.parametrize("name", [name for name in ENCODERS if name != "transformer"])
def test_an_exported_recurrent_encoder_computes_what_packing_computes(name: str):
    """While exported, the encoder runs its layers as a scan (torch.export follows no packed
    sequence); the program, run at other sizes and lengths, must give the packed encoder's numbers."""
    torch.manual_seed(0)
    encoder = ENCODERS[name]().eval()
    dynamic = {0: torch.export.Dim.DYNAMIC, 1: torch.export.Dim.DYNAMIC}
    with torch.no_grad():
        program = torch.export.export(
            EncoderOutputs(encoder), make_batch([5, 2, 4], 5), dynamic_shapes=(dynamic, dynamic), strict=False
        )
        tokens, mask = make_batch([7, 1, 3, 6], 7)  # a length-1 row, and padding in the middle rows
        states, summary = program.module()(tokens, mask)
        expected = encoder(tokens, mask)
    torch.testing.assert_close(states, expected.states, atol=1e-5, rtol=0)
    torch.testing.assert_close(summary, expected.summary, atol=1e-5, rtol=0)
