"""Attentional GRU / LSTM decoder with input feeding (Luong et al., 2015)."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from plugboard.core.job.logs import get_logger
from plugboard.modules.attention.base import Attention, Prepared
from plugboard.modules.decoders.base import Decoder, DecoderState, PreparedSource
from plugboard.modules.decoders.fused_cells import run_layers, sequence_template
from plugboard.modules.encoders.base import EncoderOutput
from plugboard.modules.recurrent_state import CellName, carries_memory, cell_class_named, step_cell

log = get_logger(__name__)


class RecurrentDecoder(Decoder):
    """One step: h_t = cell([embed(y_{t-1}); h~_{t-1}], h_{t-1});  c_t, a_t = attention(h_t, ...);
    h~_t = tanh(W_c [h_t; c_t]);  logits = W_o h~_t.

    `attention` is a partial (from the `model/attention` config group) completed here with
    the sizes only the decoder knows. What the attention computes from the encoder states
    alone (`prepare`: projected keys) is computed once per sequence and read by every step.
    `cell` is the class of each layer's cell (`torch.nn.GRUCell`, `torch.nn.LSTMCell`, or a
    partial of one from the config); an LSTM cell's memory is the state's `cell` entry.

    Without input feeding, and with an attention that reads no previous weights, the cells' states
    do not depend on attention: teacher forcing then runs the whole target through the cells in
    one fused call per layer and attends for all positions at once (`parallel_teacher_forcing`);
    the function is the same as stepping (tested), and decoding still goes step by step.

    `output_bias` defaults to True here, as the layer was before the option, so checkpoints whose
    saved config predates it rebuild; configs/model/rnn_seq2seq.yaml sets it to False.
    """

    def __init__(
        self,
        vocab_size: int,
        encoder_size: int,
        attention: Callable[..., Attention],
        embedding_size: int = 64,
        hidden_size: int = 128,
        num_layers: int = 1,
        cell: Callable[..., nn.RNNCellBase] | CellName = nn.GRUCell,
        dropout: float = 0.0,
        input_feeding: bool = True,
        padding_idx: int = 0,
        output_bias: bool = True,
    ) -> None:
        super().__init__()
        cell_class = cell_class_named(cell, "Cell") if isinstance(cell, str) else cell
        self.vocab_size, self.hidden_size, self.num_layers = vocab_size, hidden_size, num_layers
        self.input_feeding = input_feeding
        self.attention = attention(query_size=hidden_size, key_size=encoder_size, value_size=encoder_size)
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=padding_idx)
        self.dropout = nn.Dropout(dropout)
        rnn_input = embedding_size + (hidden_size if input_feeding else 0)
        # Cells, not nn.GRU/nn.LSTM: one step at a time, a cell avoids re-packing the weights.
        self.cells = nn.ModuleList(
            cell_class(rnn_input if layer == 0 else hidden_size, hidden_size) for layer in range(num_layers)
        )
        self.carries_memory = carries_memory(self.cells[0])
        self.init_projection = nn.Linear(encoder_size, num_layers * hidden_size)
        self.combine = nn.Linear(hidden_size + self.attention.output_size, hidden_size)
        self.output = nn.Linear(hidden_size, vocab_size, bias=output_bias)
        self.parallel_teacher_forcing = not input_feeding and not self.attention.needs_previous_weights
        # Plain list, not a ModuleList: the templates hold no parameters and stay out of the state dict.
        self._sequence_templates = [sequence_template(layer) for layer in self.cells]
        if self.parallel_teacher_forcing:
            log.info(
                "Decoder: no input feeding and an attention without history, so teacher forcing "
                "runs all target positions at once (one recurrent call per layer)."
            )

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
        if self.carries_memory:
            state["cell"] = torch.zeros_like(hidden)
        return state

    def forward(
        self,
        inputs: torch.Tensor,
        encoded: EncoderOutput,
        source_mask: torch.Tensor,
        teacher_forcing_ratio: float = 1.0,
    ) -> torch.Tensor:
        """Step by step (`Decoder.forward`), or every position at once where the math allows."""
        if not self.parallel_teacher_forcing or teacher_forcing_ratio < 1.0:
            return super().forward(inputs, encoded, source_mask, teacher_forcing_ratio)
        state = self.init_state(encoded, source_mask)
        embedded = self.dropout(self.embedding(inputs))  # [B, T, E]
        queries = run_layers(
            self.cells, self._sequence_templates, embedded, state["hidden"], state.get("cell"), self.dropout
        )  # [B, T, H]: the top layer's state at every position
        prepared = Prepared(**self.prepare(encoded, source_mask))
        context, _ = self.attention(
            queries, encoded.states, encoded.states, source_mask, need_weights=False, prepared=prepared
        )  # [B, T, H_v]
        attentional = torch.tanh(self.combine(torch.cat([queries, context], dim=-1)))
        return self.output(self.dropout(attentional))

    def step(self, tokens, state, encoded, source_mask, prepared, need_weights=True):
        embedded = self.dropout(self.embedding(tokens))
        rnn_input = torch.cat([embedded, state["attentional"]], -1) if self.input_feeding else embedded
        new_hidden, new_memory, layer_input = [], [], rnn_input
        for layer, cell in enumerate(self.cells):
            memory = state["cell"][:, layer] if self.carries_memory else None
            hidden, memory = step_cell(cell, layer_input, state["hidden"][:, layer], memory)
            new_hidden.append(hidden)
            new_memory.append(memory)
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
        if self.carries_memory:
            new_state["cell"] = torch.stack(new_memory, dim=1)
        return logits, new_state, weights
