"""Attentional GRU / LSTM decoder with input feeding (Luong et al., 2015)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import torch
from torch import nn

from plugboard.modules.attention.base import Attention, Prepared
from plugboard.modules.decoders.base import Decoder, DecoderState, PreparedSource
from plugboard.modules.encoders.base import EncoderOutput


class RecurrentDecoder(Decoder):
    """One step: h_t = cell([embed(y_{t-1}); h~_{t-1}], h_{t-1});  c_t, a_t = attention(h_t, ...);
    h~_t = tanh(W_c [h_t; c_t]);  logits = W_o h~_t.

    `attention` is a partial (from the `model/attention` config group) completed here with
    the sizes only the decoder knows. What the attention computes from the encoder states
    alone (`prepare`: projected keys) is computed once per sequence and read by every step.
    """

    def __init__(
        self,
        vocab_size: int,
        encoder_size: int,
        attention: Callable[..., Attention],
        embedding_size: int = 64,
        hidden_size: int = 128,
        num_layers: int = 1,
        cell: Literal["gru", "lstm"] = "gru",
        dropout: float = 0.0,
        input_feeding: bool = True,
        padding_idx: int = 0,
    ) -> None:
        super().__init__()
        if cell not in ("gru", "lstm"):
            raise ValueError(f"cell must be 'gru' or 'lstm', got {cell!r}.")
        self.vocab_size, self.hidden_size, self.num_layers = vocab_size, hidden_size, num_layers
        self.cell, self.input_feeding = cell, input_feeding
        self.attention = attention(query_size=hidden_size, key_size=encoder_size, value_size=encoder_size)
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=padding_idx)
        self.dropout = nn.Dropout(dropout)
        rnn_input = embedding_size + (hidden_size if input_feeding else 0)
        # Cells, not nn.GRU/nn.LSTM: one step at a time, a cell avoids re-packing the weights.
        cell_class = nn.GRUCell if cell == "gru" else nn.LSTMCell
        self.cells = nn.ModuleList(
            cell_class(rnn_input if layer == 0 else hidden_size, hidden_size) for layer in range(num_layers)
        )
        self.init_projection = nn.Linear(encoder_size, num_layers * hidden_size)
        self.combine = nn.Linear(hidden_size + self.attention.output_size, hidden_size)
        self.output = nn.Linear(hidden_size, vocab_size)

    def prepare(self, encoded: EncoderOutput, source_mask: torch.Tensor) -> PreparedSource:
        return self.attention.prepare(encoded.states, encoded.states, source_mask)._asdict()

    def init_state(self, encoded: EncoderOutput, source_mask: torch.Tensor) -> DecoderState:
        batch = source_mask.shape[0]
        hidden = torch.tanh(self.init_projection(encoded.summary)).view(batch, self.num_layers, -1)
        state = {
            "hidden": hidden,
            "attentional": hidden.new_zeros(batch, self.hidden_size),
            "weights": source_mask.to(hidden.dtype) * 0.0,
        }
        if self.cell == "lstm":
            state["cell"] = torch.zeros_like(hidden)
        return state

    def step(self, tokens, state, encoded, source_mask, prepared, need_weights=True):
        embedded = self.dropout(self.embedding(tokens))
        rnn_input = torch.cat([embedded, state["attentional"]], -1) if self.input_feeding else embedded
        new_hidden, new_cell, layer_input = [], [], rnn_input
        for layer, cell in enumerate(self.cells):
            if self.cell == "lstm":
                hidden, memory = cell(layer_input, (state["hidden"][:, layer], state["cell"][:, layer]))
                new_cell.append(memory)
            else:
                hidden = cell(layer_input, state["hidden"][:, layer])
            new_hidden.append(hidden)
            layer_input = self.dropout(hidden) if layer < len(self.cells) - 1 else hidden
        query = layer_input
        history = state["weights"] if self.attention.needs_previous_weights else None
        context, weights = self.attention(
            query,
            encoded.states,
            encoded.states,
            source_mask,
            previous_weights=history,
            need_weights=need_weights or self.attention.needs_previous_weights,
            prepared=Prepared(**prepared),
        )
        attentional = torch.tanh(self.combine(torch.cat([query, context], dim=-1)))
        logits = self.output(self.dropout(attentional))
        new_state = {
            "hidden": torch.stack(new_hidden, dim=1),
            "attentional": attentional,
            "weights": weights if weights is not None else state["weights"],
        }
        if self.cell == "lstm":
            new_state["cell"] = torch.stack(new_cell, dim=1)
        return logits, new_state, weights
