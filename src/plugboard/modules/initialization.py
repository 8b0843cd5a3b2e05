"""How a model's weights start, chosen in the config: `model/init=pytorch`, `xavier` or `joeynmt`.

Initialisation is part of what a comparison compares: on the reverse task, PyTorch's own defaults
(embeddings N(0, 1), uniform layers scaled by their input size) learned less in 5 epochs than
Joey NMT's scheme (docs/results/joey_parity.md). Each option is a class, applied once to the
built model; a checkpoint's weights then replace them on rebuild, so the choice only matters
for training.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class Initialization:
    """Sets a freshly built model's weights in place; `__call__(model)`."""

    def __call__(self, model: nn.Module) -> None:
        raise NotImplementedError


class PyTorchDefault(Initialization):
    """Each layer as PyTorch builds it (its own reset of its parameters): nothing to change."""

    def __call__(self, model: nn.Module) -> None:
        return None


class Xavier(Initialization):
    """Every weight matrix Glorot-uniform (Glorot & Bengio, 2010, eq. 16), biases zero.

    A recurrent layer keeps its gates' matrices stacked in one tensor (3 for a GRU, 4 for an
    LSTM); each gate is scaled as a matrix of its own, as Joey NMT does (`xavier_uniform_n_`).
    Embeddings are N(0, `embedding_std`²) when it is given, else Glorot-uniform too; their
    padding row is zero. `Xavier(embedding_std=0.1)` is Joey NMT's scheme (`model/init=joeynmt`).
    """

    def __init__(self, embedding_std: float | None = None, gain: float = 1.0) -> None:
        self.embedding_std, self.gain = embedding_std, gain

    @torch.no_grad()
    def __call__(self, model: nn.Module) -> None:
        for module in model.modules():
            if isinstance(module, nn.Embedding):
                self._embedding(module)
                continue
            gates = _gates(module)
            for name, parameter in module.named_parameters(recurse=False):
                if "bias" in name:
                    nn.init.zeros_(parameter)
                elif parameter.dim() >= 2:
                    _glorot_uniform(parameter, self.gain, gates if name.startswith("weight_") else 1)

    def _embedding(self, embedding: nn.Embedding) -> None:
        if self.embedding_std is None:
            nn.init.xavier_uniform_(embedding.weight, gain=self.gain)
        else:
            nn.init.normal_(embedding.weight, std=self.embedding_std)
        if embedding.padding_idx is not None:
            embedding.weight[embedding.padding_idx].zero_()


def _gates(module: nn.Module) -> int:
    """How many gate matrices a recurrent layer stacks in each weight tensor."""
    if isinstance(module, nn.LSTM | nn.LSTMCell):
        return 4
    if isinstance(module, nn.GRU | nn.GRUCell):
        return 3
    return 1


def _glorot_uniform(weight: torch.Tensor, gain: float, gates: int) -> None:
    """U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)), fan_out counted per gate."""
    fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(weight)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out // gates))
    nn.init.uniform_(weight, -bound, bound)
