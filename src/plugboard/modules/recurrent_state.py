"""What differs between GRU and LSTM layers, said once: an LSTM carries a memory c beside its state h.

The recurrent encoder and decoder are given their layer class by the config (`torch.nn.GRU` or
`torch.nn.LSTM`; the decoder's cells `torch.nn.GRUCell` or `torch.nn.LSTMCell`) and ask these
helpers about its state, so neither branches on the name of a cell. Configs used to name the
cell ("gru", "lstm"), and checkpoints keep the config they were trained with: `cell_class_named`
reads such a name, so those checkpoints still rebuild.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

import torch
from torch import nn

#: A recurrent layer's state: h (GRU, RNN) or (h, c) (LSTM).
RecurrentState: TypeAlias = torch.Tensor | tuple[torch.Tensor, torch.Tensor]
#: How a config named its cell before it named the cell's class.
CellName: TypeAlias = Literal["gru", "lstm"]


def hidden_state(state: RecurrentState) -> torch.Tensor:
    """h: an LSTM's (h, c) without its memory, or a GRU's state as it is."""
    return state[0] if isinstance(state, tuple) else state


def carries_memory(cell: nn.Module) -> bool:
    """Whether the cell's state is (h, c), an LSTM's memory cell beside its hidden state."""
    return isinstance(cell, nn.LSTM | nn.LSTMCell)


def step_cell(
    cell: nn.RNNCellBase, inputs: torch.Tensor, hidden: torch.Tensor, memory: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """One step of a cell: (h', c') for an LSTM cell, given its memory c; (h', None) for the others."""
    if memory is None:
        return cell(inputs, hidden), None
    return cell(inputs, (hidden, memory))


def cell_class_named(name: CellName, suffix: Literal["", "Cell"] = "") -> type[nn.Module]:
    """The torch.nn class an older config named: "gru" -> `nn.GRU`; with `suffix="Cell"`, "lstm" ->
    `nn.LSTMCell`. Only for checkpoints written before configs named the class itself."""
    return getattr(nn, name.upper() + suffix)
