"""Decoders: teacher-forced `forward` equals `step` run one token at a time, for both decoders
and several attention variants; the transformer refuses attention that needs history."""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import pytest
import torch
from helpers import compose_config
from hydra.utils import instantiate
from torch import nn

from plugboard.modules.attention import (
    AdditiveAttention,
    DotAttention,
    GeneralAttention,
    LocationAwareAttention,
    MultiHeadAttention,
    NoAttention,
)
from plugboard.modules.decoders import Decoder, RecurrentDecoder, TransformerDecoder
from plugboard.modules.encoders import EncoderOutput
from plugboard.seq2seq.data.batch import collate

VOCAB_SIZE, HIDDEN_SIZE, PAD_ID, BOS_ID = 11, 16, 0, 1
SMALL_TRANSFORMER = {"hidden_size": HIDDEN_SIZE, "num_heads": 2, "feedforward_size": 32}

WIDE_ENCODER = 24
# name -> (encoder output size, decoder factory)
DECODERS = {
    "recurrent-gru-dot": (
        HIDDEN_SIZE,
        lambda: RecurrentDecoder(VOCAB_SIZE, HIDDEN_SIZE, DotAttention, 8, HIDDEN_SIZE),
    ),
    "recurrent-lstm-2-layers-additive": (
        WIDE_ENCODER,
        lambda: RecurrentDecoder(
            VOCAB_SIZE, WIDE_ENCODER, partial(AdditiveAttention, hidden_size=8), 8, 16, 2, nn.LSTMCell
        ),
    ),
    "recurrent-gru-location": (
        HIDDEN_SIZE,
        lambda: RecurrentDecoder(
            VOCAB_SIZE, HIDDEN_SIZE, partial(LocationAwareAttention, hidden_size=8, kernel_size=3)
        ),
    ),
    "transformer-multihead": (
        HIDDEN_SIZE,
        lambda: TransformerDecoder(
            VOCAB_SIZE, HIDDEN_SIZE, partial(MultiHeadAttention, num_heads=2), **SMALL_TRANSFORMER
        ),
    ),
    "transformer-dot": (
        HIDDEN_SIZE,
        lambda: TransformerDecoder(VOCAB_SIZE, HIDDEN_SIZE, DotAttention, **SMALL_TRANSFORMER),
    ),
    # An encoder wider than the decoder: the context is projected back to the hidden size.
    "transformer-general-wider-encoder": (
        WIDE_ENCODER,
        lambda: TransformerDecoder(
            VOCAB_SIZE, WIDE_ENCODER, GeneralAttention, num_layers=3, **SMALL_TRANSFORMER
        ),
    ),
    "transformer-none": (
        HIDDEN_SIZE,
        lambda: TransformerDecoder(VOCAB_SIZE, HIDDEN_SIZE, NoAttention, num_layers=1, **SMALL_TRANSFORMER),
    ),
}


class Case(NamedTuple):
    decoder: Decoder
    encoded: EncoderOutput
    mask: torch.Tensor  # [3, 6], source lengths 6, 2, 4


@pytest.fixture(params=list(DECODERS))
def case(request: pytest.FixtureRequest) -> Case:
    """A decoder in eval mode, with random encoder states of the size it was built for."""
    encoder_size, make_decoder = DECODERS[request.param]
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(3)
    lengths = torch.tensor([6, 2, 4])
    states = torch.randn(3, 6, encoder_size, generator=generator)
    summary = torch.randn(3, encoder_size, generator=generator)
    mask = torch.arange(6).unsqueeze(0) < lengths.unsqueeze(1)
    return Case(make_decoder().eval(), EncoderOutput(states, summary), mask)


def decoder_inputs(batch: int, length: int) -> torch.Tensor:
    """`<bos>` + tokens; the first sequence is shorter and padded, as in a real batch."""
    generator = torch.Generator().manual_seed(4)
    inputs = torch.randint(3, VOCAB_SIZE, (batch, length), generator=generator)
    inputs[:, 0] = BOS_ID
    inputs[0, length - 2 :] = PAD_ID
    return inputs


def test_forward_equals_step_by_step(case: Case) -> None:
    decoder, encoded, mask = case
    inputs = decoder_inputs(3, 7)
    with torch.no_grad():
        parallel = decoder(inputs, encoded, mask)
        state, stepped = decoder.init_state(encoded, mask), []
        prepared = decoder.prepare(encoded, mask)
        for t in range(inputs.shape[1]):
            logits, state, _ = decoder.step(inputs[:, t], state, encoded, mask, prepared)
            stepped.append(logits)
    assert parallel.shape == (3, 7, VOCAB_SIZE)
    torch.testing.assert_close(parallel, torch.stack(stepped, dim=1), atol=1e-5, rtol=1e-5)


def test_step_returns_weights_over_real_source_positions(case: Case) -> None:
    decoder, encoded, mask = case
    state, prepared = decoder.init_state(encoded, mask), decoder.prepare(encoded, mask)
    for token in (BOS_ID, 5, 6):
        tokens = torch.full((3,), token)
        logits, state, weights = decoder.step(tokens, state, encoded, mask, prepared)
    assert logits.shape == (3, VOCAB_SIZE)
    assert weights.shape == (3, 6)
    assert (weights[~mask] == 0).all()
    torch.testing.assert_close(weights.sum(dim=-1), torch.ones(3))


def test_forward_without_full_teacher_forcing(case: Case) -> None:
    decoder, encoded, mask = case
    decoder.train()
    logits = decoder(decoder_inputs(3, 5), encoded, mask, teacher_forcing_ratio=0.5)
    assert logits.shape == (3, 5, VOCAB_SIZE)
    logits.sum().backward()


def test_transformer_decoder_refuses_location_aware_attention() -> None:
    with pytest.raises(ValueError, match="LocationAwareAttention") as error:
        TransformerDecoder(VOCAB_SIZE, HIDDEN_SIZE, LocationAwareAttention, **SMALL_TRANSFORMER)
    assert "model=rnn_seq2seq" in str(error.value)
    assert "one step at a time" in str(error.value)


VOCABULARY = ["<pad>", "<bos>", "<eos>", "<unk>", "a", "b", "c"]


def test_model_transformer_composes_and_builds(tmp_path) -> None:
    model_cfg = compose_config(["model=transformer_seq2seq"], tmp_path).model
    assert model_cfg.decoder.hidden_size == model_cfg.encoder.hidden_size
    model = instantiate(model_cfg, vocabulary=VOCABULARY)
    assert type(model.encoder).__name__ == "TransformerEncoder"
    assert isinstance(model.decoder, TransformerDecoder)
    assert isinstance(model.decoder.layers[0].cross_attention, MultiHeadAttention)
    optimizer = model.configure_optimizers()
    assert isinstance(optimizer, torch.optim.AdamW)

    model.eval()
    examples = [([4, 5, 6], [6, 5, 4, 2]), ([5], [5, 2])]  # reverse, then <eos> (id 2)
    batch = collate([(torch.tensor(source), torch.tensor(target)) for source, target in examples])
    assert model.teacher_forced_logits(batch).shape == (2, 4, len(VOCABULARY))
    with torch.no_grad():
        greedy, beam = model.generate(batch, beam_size=1), model.generate(batch, beam_size=3)
    assert beam.tokens.shape[0] == 2 and beam.weights.shape[2] == 3
    assert (beam.scores >= greedy.scores - 1e-5).all()


def test_model_transformer_with_location_attention_fails_with_the_reason(tmp_path) -> None:
    model_cfg = compose_config(["model=transformer_seq2seq", "model/attention=location"], tmp_path).model
    with pytest.raises(Exception, match="model=rnn_seq2seq"):
        instantiate(model_cfg, vocabulary=VOCABULARY)
