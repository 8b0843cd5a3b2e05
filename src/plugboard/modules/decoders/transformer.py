"""Transformer decoder (Vaswani et al., 2017), pre-norm, with a pluggable cross-attention."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from plugboard.modules.attention.base import Attention, Prepared
from plugboard.modules.decoders.base import Decoder, DecoderState, PreparedSource
from plugboard.modules.encoders.base import EncoderOutput
from plugboard.modules.encoders.transformer import sinusoidal_positions

KeysValues = tuple[torch.Tensor, torch.Tensor]  # each [B, t, H]: the earlier positions of a layer


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention in which a position sees itself and the positions before it.

    Called on a whole sequence (teacher forcing), or on the newest position together with
    the keys and values of the earlier ones (decoding step by step), which it returns
    extended so the next step need not recompute them.
    """

    def __init__(self, hidden_size: int, num_heads: int, dropout: float) -> None:
        super().__init__()
        self.num_heads, self.dropout = num_heads, dropout
        self.input_projection = nn.Linear(hidden_size, 3 * hidden_size)
        self.output_projection = nn.Linear(hidden_size, hidden_size)

    def _split_heads(self, x: torch.Tensor) -> torch.Tensor:
        batch, length, size = x.shape
        return x.view(batch, length, self.num_heads, size // self.num_heads).transpose(1, 2)

    def forward(self, x: torch.Tensor, earlier: KeysValues | None) -> tuple[torch.Tensor, KeysValues]:
        query, keys, values = self.input_projection(x).chunk(3, dim=-1)
        if earlier is not None:  # x is the newest position only: it may see everything so far
            keys, values = torch.cat([earlier[0], keys], dim=1), torch.cat([earlier[1], values], dim=1)
        heads = F.scaled_dot_product_attention(
            self._split_heads(query),
            self._split_heads(keys),
            self._split_heads(values),
            dropout_p=self.dropout if self.training else 0.0,
            is_causal=earlier is None,
        )
        batch, _, length, _ = heads.shape
        return self.output_projection(heads.transpose(1, 2).reshape(batch, length, -1)), (keys, values)


class TransformerDecoderLayer(nn.Module):
    """x += SelfAttention(LN(x)) (causal);  x += W_c CrossAttention(LN(x), encoder);
    x += FeedForward(LN(x)).

    The cross-attention is the attention slot, used in its batched-query form [B, T, H].
    Target padding needs no mask: it only ever follows the real tokens, and causal
    self-attention never looks ahead.
    """

    def __init__(
        self,
        hidden_size: int,
        encoder_size: int,
        attention: Callable[..., Attention],
        num_heads: int,
        feedforward_size: int,
        dropout: float,
    ) -> None:
        super().__init__()
        self.self_attention_norm = nn.LayerNorm(hidden_size)
        self.self_attention = CausalSelfAttention(hidden_size, num_heads, dropout)
        self.cross_attention_norm = nn.LayerNorm(hidden_size)
        self.cross_attention = attention(
            query_size=hidden_size, key_size=encoder_size, value_size=encoder_size
        )
        context_size = self.cross_attention.output_size
        self.context_projection = (
            nn.Linear(context_size, hidden_size) if context_size != hidden_size else nn.Identity()
        )
        self.feedforward_norm = nn.LayerNorm(hidden_size)
        self.feedforward = nn.Sequential(
            nn.Linear(hidden_size, feedforward_size),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(feedforward_size, hidden_size),
        )
        self.dropout = nn.Dropout(dropout)

    def forward(
        self,
        x: torch.Tensor,
        encoded_states: torch.Tensor,
        source_mask: torch.Tensor,
        prepared: Prepared,
        need_weights: bool,
        earlier: KeysValues | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None, KeysValues]:
        """x [B, T, H] -> x [B, T, H], cross-attention weights [B, T, S] (or None), the
        self-attention keys and values so far. `prepared`: the cross-attention's `prepare`
        of the encoder states."""
        attended, keys_values = self.self_attention(self.self_attention_norm(x), earlier)
        x = x + self.dropout(attended)
        normed = self.cross_attention_norm(x)
        context, weights = self.cross_attention(
            normed, encoded_states, encoded_states, source_mask, need_weights=need_weights, prepared=prepared
        )
        x = x + self.dropout(self.context_projection(context))
        x = x + self.dropout(self.feedforward(self.feedforward_norm(x)))
        return x, weights, keys_values


class TransformerDecoder(Decoder):
    """Embedding * sqrt(d) + sinusoidal positions -> decoder layers -> LayerNorm -> vocab.

    Under teacher forcing every position is computed at once. `step` computes only the
    newest position: the state keeps each layer's self-attention keys and values
    (`keys.<layer>`, `values.<layer>`, [B, t, H]), so a step costs O(t), not O(t^2). The
    weights `step` returns are the newest position's cross-attention weights averaged over
    the layers (and, for multi-head attention, over the heads). Each layer's cross-attention
    prepares the encoder states once per sequence (`prepare`: `keys.<layer>`, `values.<layer>`).

    `attention` is a partial (from the `model/attention` config group); each layer completes
    its own copy with the sizes only the decoder knows.
    """

    def __init__(
        self,
        vocab_size: int,
        encoder_size: int,
        attention: Callable[..., Attention],
        hidden_size: int = 128,
        num_layers: int = 2,
        num_heads: int = 4,
        feedforward_size: int = 256,
        dropout: float = 0.1,
        padding_idx: int = 0,
    ) -> None:
        super().__init__()
        if hidden_size % num_heads:
            raise ValueError(f"hidden_size ({hidden_size}) must be divisible by num_heads ({num_heads}).")
        self.vocab_size, self.hidden_size = vocab_size, hidden_size
        self.embedding = nn.Embedding(vocab_size, hidden_size, padding_idx=padding_idx)
        self.dropout = nn.Dropout(dropout)
        self.layers = nn.ModuleList(
            TransformerDecoderLayer(
                hidden_size, encoder_size, attention, num_heads, feedforward_size, dropout
            )
            for _ in range(num_layers)
        )
        _reject_attention_with_history(self.layers[0].cross_attention)
        self.final_norm = nn.LayerNorm(hidden_size)
        self.output = nn.Linear(hidden_size, vocab_size)

    def decode(
        self,
        inputs: torch.Tensor,
        encoded: EncoderOutput,
        source_mask: torch.Tensor,
        prepared: PreparedSource,
        need_weights: bool = False,
        earlier: list[KeysValues] | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None, list[KeysValues]]:
        """inputs [B, T] -> logits [B, T, V], weights [B, T, S] averaged over layers (or None),
        and each layer's keys and values. With `earlier`, inputs are the positions after them."""
        start = earlier[0][0].shape[1] if earlier else 0
        positions = sinusoidal_positions(start + inputs.shape[1], self.hidden_size, inputs.device)[start:]
        x = self.dropout(self.embedding(inputs) * math.sqrt(self.hidden_size) + positions)
        layer_weights, keys_values = [], []
        for index, layer in enumerate(self.layers):
            layer_earlier = earlier[index] if earlier else None
            layer_prepared = Prepared(prepared[f"keys.{index}"], prepared[f"values.{index}"])
            x, weights, layer_keys_values = layer(
                x, encoded.states, source_mask, layer_prepared, need_weights, layer_earlier
            )
            layer_weights.append(weights)
            keys_values.append(layer_keys_values)
        logits = self.output(self.final_norm(x))
        if not need_weights or layer_weights[0] is None:
            return logits, None, keys_values
        return logits, torch.stack(layer_weights).mean(dim=0), keys_values

    def forward(
        self,
        inputs: torch.Tensor,
        encoded: EncoderOutput,
        source_mask: torch.Tensor,
        teacher_forcing_ratio: float = 1.0,
    ) -> torch.Tensor:
        if teacher_forcing_ratio < 1.0:
            # Feeding back its own predictions makes the inputs sequential: go step by step.
            return super().forward(inputs, encoded, source_mask, teacher_forcing_ratio)
        return self.decode(inputs, encoded, source_mask, self.prepare(encoded, source_mask))[0]

    def prepare(self, encoded: EncoderOutput, source_mask: torch.Tensor) -> PreparedSource:
        prepared = {}
        for index, layer in enumerate(self.layers):
            keys, values = layer.cross_attention.prepare(encoded.states, encoded.states, source_mask)
            prepared[f"keys.{index}"], prepared[f"values.{index}"] = keys, values
        return prepared

    def init_state(self, encoded: EncoderOutput, source_mask: torch.Tensor) -> DecoderState:
        empty = encoded.states.new_zeros(source_mask.shape[0], 0, self.hidden_size)
        return {f"{kind}.{layer}": empty for layer in range(len(self.layers)) for kind in ("keys", "values")}

    def step(
        self,
        tokens: torch.Tensor,
        state: DecoderState,
        encoded: EncoderOutput,
        source_mask: torch.Tensor,
        prepared: PreparedSource,
        need_weights: bool = True,
    ) -> tuple[torch.Tensor, DecoderState, torch.Tensor | None]:
        earlier = [(state[f"keys.{layer}"], state[f"values.{layer}"]) for layer in range(len(self.layers))]
        logits, weights, keys_values = self.decode(
            tokens.unsqueeze(1), encoded, source_mask, prepared, need_weights, earlier
        )
        new_state = {}
        for layer, (keys, values) in enumerate(keys_values):
            new_state[f"keys.{layer}"], new_state[f"values.{layer}"] = keys, values
        return logits[:, -1], new_state, weights[:, -1] if weights is not None else None


def _reject_attention_with_history(attention: Attention) -> None:
    if attention.needs_previous_weights:
        name = type(attention).__name__
        raise ValueError(
            f"{name} reads the attention weights of the previous decoder step, so it needs a "
            f"decoder that runs one step at a time and carries those weights forward. The "
            f"transformer decoder computes all target positions in parallel and has no previous "
            f"step to read. Use it with the recurrent decoder (model=rnn_seq2seq), or choose another "
            f"attention for the transformer (e.g. model/attention=multihead, scaled_dot or "
            f"additive)."
        )
