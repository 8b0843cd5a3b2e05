"""GRU / LSTM encoder, optionally bidirectional."""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from plugboard.modules.encoders.base import Encoder, EncoderOutput


class RecurrentEncoder(Encoder):
    """Embedding -> (bi)GRU/LSTM over packed sequences -> states of size `hidden_size`.

    With `bidirectional=True` the two directions are concatenated and projected back to
    `hidden_size`, so the decoder and parameter-free attention see one size whatever the
    encoder's shape.
    """

    def __init__(
        self,
        vocab_size: int,
        embedding_size: int = 64,
        hidden_size: int = 128,
        num_layers: int = 1,
        cell: Literal["gru", "lstm"] = "gru",
        bidirectional: bool = True,
        dropout: float = 0.0,
        padding_idx: int = 0,
    ) -> None:
        super().__init__()
        if cell not in ("gru", "lstm"):
            raise ValueError(f"cell must be 'gru' or 'lstm', got {cell!r}.")
        self.output_size = hidden_size
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=padding_idx)
        self.dropout = nn.Dropout(dropout)
        rnn_class = nn.GRU if cell == "gru" else nn.LSTM
        self.rnn = rnn_class(
            embedding_size,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            bidirectional=bidirectional,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        directions = 2 if bidirectional else 1
        self.projection = nn.Linear(directions * hidden_size, hidden_size) if bidirectional else nn.Identity()
        self.directions = directions

    def forward(self, tokens: torch.Tensor, mask: torch.Tensor) -> EncoderOutput:
        lengths = mask.sum(dim=1).cpu()
        packed = pack_padded_sequence(
            self.dropout(self.embedding(tokens)), lengths, batch_first=True, enforce_sorted=False
        )
        packed_states, final = self.rnn(packed)
        states, _ = pad_packed_sequence(packed_states, batch_first=True, total_length=tokens.shape[1])
        hidden = final[0] if isinstance(final, tuple) else final  # LSTM returns (h, c)
        # Last layer's final hidden state of each direction: [directions, B, H] -> [B, directions*H]
        last_layer = hidden[-self.directions :].transpose(0, 1).reshape(tokens.shape[0], -1)
        return EncoderOutput(self.projection(states), torch.tanh(self.projection(last_layer)))
