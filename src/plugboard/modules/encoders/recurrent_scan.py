"""A recurrent layer run as a loop `torch.export` can record: what `RecurrentEncoder` computes
while it is being exported.

The encoder packs its padded batch (`pack_padded_sequence`) so that each direction reads only
real tokens. `torch.export` follows neither the packed batch (its sizes depend on the lengths'
values) nor the recurrent kernel (a loop over the time axis, which it fixes to the example's
length). A `scan` over the time axis is a loop it records once for any length. Each step
applies the layer's own weights through torch's cell functions and keeps the state unchanged at
padding, so a direction's final state is the one after its last real token and padded positions
give zero states, as with packing. The backward direction reads the flipped sequence: its padding
then comes first and leaves the zero initial state as it is.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

# torch's own names for the layer kinds (`nn.RNNBase.mode`) and the matching one-step functions.
CELL_FUNCTIONS: dict[str, Callable[..., torch.Tensor | tuple[torch.Tensor, torch.Tensor]]] = {
    "GRU": torch.gru_cell,
    "LSTM": torch.lstm_cell,
    "RNN_TANH": torch.rnn_tanh_cell,
    "RNN_RELU": torch.rnn_relu_cell,
}


def recurrent_states_by_scan(
    rnn: nn.RNNBase, inputs: torch.Tensor, mask: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """States [B, S, directions * H] (zero at padding) and the last layer's final hidden state
    of each direction [directions, B, H]: what the batch-first `rnn` gives on packed sequences."""
    if getattr(rnn, "proj_size", 0):
        raise NotImplementedError("an LSTM with proj_size has no one-step function in torch")
    directions = 2 if rnn.bidirectional else 1
    layer_input = inputs
    for layer in range(rnn.num_layers):
        runs = [_one_direction(rnn, layer_input, mask, layer, backward) for backward in range(directions)]
        layer_input = torch.cat([states for states, _ in runs], dim=-1)
    return layer_input, torch.stack([final for _, final in runs])


def _one_direction(
    rnn: nn.RNNBase, inputs: torch.Tensor, mask: torch.Tensor, layer: int, backward: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    # Imported here: a private module of torch, needed only while exporting.
    from torch._higher_order_ops.scan import scan

    suffix = f"_l{layer}" + ("_reverse" if backward else "")
    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh") if rnn.bias else ("weight_ih", "weight_hh")
    weights = [getattr(rnn, name + suffix) for name in names]
    cell, has_memory = CELL_FUNCTIONS[rnn.mode], rnn.mode == "LSTM"
    zeros = inputs.new_zeros(inputs.shape[0], rnn.hidden_size)
    # Two tensors, not one twice: an exported scan whose carried values alias computes wrong numbers.
    initial = (zeros, torch.zeros_like(zeros)) if has_memory else zeros
    if backward:
        inputs, mask = inputs.flip(1), mask.flip(1)

    # The step sees tensors and plain values only: torch compiles it, and refuses a module inside.
    def step(state, inputs_and_mask):
        token_input, real = inputs_and_mask
        new_state, real = cell(token_input, state, *weights), real.unsqueeze(1)
        if has_memory:
            state = (torch.where(real, new_state[0], state[0]), torch.where(real, new_state[1], state[1]))
            return state, torch.where(real, new_state[0], 0.0)
        return torch.where(real, new_state, state), torch.where(real, new_state, 0.0)

    final, states = scan(step, initial, (inputs.transpose(0, 1), mask.transpose(0, 1)))
    states = states.transpose(0, 1)
    return (states.flip(1) if backward else states), (final[0] if has_memory else final)
