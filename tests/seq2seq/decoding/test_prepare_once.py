"""Training and decoding project the keys once per sequence, not once per decoder step."""

from __future__ import annotations

from functools import partial

import pytest
import torch

from modules.test_attention_prepare import tensors_held
from plugboard.modules.attention import AdditiveAttention, MultiHeadAttention
from plugboard.modules.decoders import Decoder, RecurrentDecoder, TransformerDecoder
from plugboard.modules.encoders import EncoderOutput
from plugboard.seq2seq.decoding import beam_search, greedy_decode

VOCAB, HIDDEN, STEPS = 9, 16, 6
IDS = {"bos_id": 1, "eos_id": 2, "pad_id": 0}
DECODERS = {
    "recurrent-additive": lambda: RecurrentDecoder(VOCAB, HIDDEN, partial(AdditiveAttention, hidden_size=8)),
    "transformer-multihead": lambda: TransformerDecoder(
        VOCAB, HIDDEN, partial(MultiHeadAttention, num_heads=2), HIDDEN, 2, 2, 32
    ),
}


@pytest.fixture(params=list(DECODERS))
def decoder(request) -> Decoder:
    torch.manual_seed(0)
    decoder = DECODERS[request.param]()
    # No <eos> ever: every decoding runs its full STEPS steps.
    with torch.no_grad():
        decoder.output.bias[IDS["eos_id"]] = -1e4
    return decoder.eval()


def encoder_output() -> tuple[EncoderOutput, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    states = torch.randn(3, 5, HIDDEN, generator=generator)
    return EncoderOutput(states, states.mean(dim=1)), torch.arange(5) < torch.tensor([[5], [2], [4]])


def count_key_projections(decoder: Decoder, run) -> int:
    """How often the attention modules project keys while `run()` decodes."""
    calls = []
    projections = [module.key_projection for module in decoder.modules() if hasattr(module, "key_projection")]
    handles = [projection.register_forward_hook(lambda *_: calls.append(1)) for projection in projections]
    try:
        run()
    finally:
        for handle in handles:
            handle.remove()
    return len(calls)


def test_every_way_of_decoding_projects_the_keys_once(decoder):
    encoded, mask = encoder_output()
    layers = len(getattr(decoder, "layers", [None]))  # the transformer has a cross-attention per layer
    inputs = torch.randint(3, VOCAB, (3, STEPS))
    runs = {
        "teacher forcing": lambda: decoder(inputs, encoded, mask).sum().backward(),
        "teacher forcing ratio 0.5": lambda: decoder(inputs, encoded, mask, teacher_forcing_ratio=0.5),
        "greedy": lambda: greedy_decode(decoder, encoded, mask, max_length=STEPS, **IDS),
        "beam search": lambda: beam_search(decoder, encoded, mask, max_length=STEPS, beam_size=3, **IDS),
    }
    counts = {name: count_key_projections(decoder, run) for name, run in runs.items()}
    assert counts == dict.fromkeys(runs, layers)
    assert tensors_held(decoder) == []
