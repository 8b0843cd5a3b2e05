"""GRU / LSTM encoder, optionally bidirectional."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from plugboard.modules.encoders.base import Encoder, EncoderOutput
from plugboard.modules.encoders.recurrent_scan import recurrent_states_by_scan
from plugboard.modules.recurrent_state import CellName, cell_class_named, hidden_state


class RecurrentEncoder(Encoder):
    """Embedding -> (bi)GRU/LSTM over packed sequences -> one state per source position.

    With `bidirectional=True` the two directions are concatenated: the states and the summary
    (the last layer's final state of each direction) are `2 * hidden_size` wide, as in Bahdanau
    et al. (2015, §3.2) and Joey NMT, and attention reads both directions whole. With
    `output_projection=True` a linear layer maps them back to `hidden_size` (and the summary
    through a tanh), so parameter-free attention (dot) can compare them with a decoder state of
    that size; attending over the projected states learned less in our comparison with Joey NMT
    (docs/results/joey_parity.md). `cell` is the recurrent layer class (`torch.nn.GRU`,
    `torch.nn.LSTM`, or a partial of one from the config), completed here with the sizes.

    `output_projection` defaults to True here, as the encoder was before the option: a
    checkpoint whose saved config predates it rebuilds the layout its weights have. The
    seq2seq config (configs/model/rnn_seq2seq.yaml) sets it per attention variant.
    """

    def __init__(
        self,
        vocab_size: int,
        embedding_size: int = 64,
        hidden_size: int = 128,
        num_layers: int = 1,
        cell: Callable[..., nn.RNNBase] | CellName = nn.GRU,
        bidirectional: bool = True,
        dropout: float = 0.0,
        padding_idx: int = 0,
        output_projection: bool = True,
    ) -> None:
        super().__init__()
        recurrent_layer = cell_class_named(cell) if isinstance(cell, str) else cell
        directions = 2 if bidirectional else 1
        self.output_projection = output_projection
        self.output_size = hidden_size if output_projection else directions * hidden_size
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=padding_idx)
        self.dropout = nn.Dropout(dropout)
        self.rnn = recurrent_layer(
            embedding_size,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            bidirectional=bidirectional,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        # A layer only where there is something to project: checkpoints hold no unused weights.
        projected = output_projection and bidirectional
        self.projection = nn.Linear(directions * hidden_size, hidden_size) if projected else nn.Identity()
        self.directions = directions

    def forward(self, tokens: torch.Tensor, mask: torch.Tensor) -> EncoderOutput:
        embedded = self.dropout(self.embedding(tokens))
        if torch.compiler.is_exporting():  # the same numbers, as a loop torch.export can record
            states, last_layer = recurrent_states_by_scan(self.rnn, embedded, mask)
        else:
            states, last_layer = self._packed(embedded, mask)
        # Last layer's final hidden state of each direction: [directions, B, H] -> [B, directions*H]
        last_layer = last_layer.transpose(0, 1).reshape(tokens.shape[0], -1)
        if not self.output_projection:
            return EncoderOutput(states, last_layer)
        return EncoderOutput(self.projection(states), torch.tanh(self.projection(last_layer)))

    def _packed(self, embedded: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """States [B, S, directions*H] and the last layer's final states [directions, B, H], each
        direction reading only real tokens."""
        lengths = mask.sum(dim=1).cpu()
        packed = pack_padded_sequence(embedded, lengths, batch_first=True, enforce_sorted=False)
        packed_states, final = self.rnn(packed)
        states, _ = pad_packed_sequence(packed_states, batch_first=True, total_length=embedded.shape[1])
        return states, hidden_state(final)[-self.directions :]
