"""A stack of recurrent cells run over a whole sequence in one fused call per layer, on the cells'
own weights.

A decoder steps its cells (`nn.GRUCell`, `nn.LSTMCell`) one position at a time because, with
input feeding or history-reading attention, each step's input depends on the step before. When
nothing does, the whole teacher-forced target can go through `nn.GRU` / `nn.LSTM` at once: the
same function as the cells stepped in order (a cell's parameters are those of a one-layer
`nn.GRU` / `nn.LSTM`, under the layer-0 names of those), but one kernel call per layer instead
of one per position. The sequence layers are parameter-free templates on the meta device,
called with the cells' parameters through `torch.func.functional_call`: no new parameters, and
the state dict is the cells' own.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.func import functional_call

from plugboard.modules.recurrent_state import carries_memory


def sequence_template(cell: nn.RNNCellBase) -> nn.RNNBase:
    """A one-layer, batch-first `nn.GRU` / `nn.LSTM` shaped like `cell`, with no storage of its own."""
    layer_class = nn.LSTM if carries_memory(cell) else nn.GRU
    with torch.device("meta"):
        return layer_class(cell.input_size, cell.hidden_size, bias=cell.bias, batch_first=True)


def run_layers(
    cells: nn.ModuleList,
    templates: list[nn.RNNBase],
    inputs: torch.Tensor,
    hidden: torch.Tensor,
    memory: torch.Tensor | None,
    dropout: nn.Module,
) -> torch.Tensor:
    """inputs [B, T, in], initial hidden (and LSTM memory) [B, layers, H] -> top layer's outputs [B, T, H].

    `dropout` is applied between layers, as the step-by-step decoder applies it to each lower
    layer's output."""
    layer_input = inputs
    for layer, (cell, template) in enumerate(zip(cells, templates, strict=True)):
        weights = {f"{name}_l0": parameter for name, parameter in cell.named_parameters()}
        start = hidden[:, layer].unsqueeze(0).contiguous()  # [1, B, H]
        state = start if memory is None else (start, memory[:, layer].unsqueeze(0).contiguous())
        outputs, _ = functional_call(template, weights, (layer_input, state))
        layer_input = dropout(outputs) if layer < len(cells) - 1 else outputs
    return layer_input
