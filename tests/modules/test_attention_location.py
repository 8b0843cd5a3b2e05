"""`conv1d_channels_last`, the convolution location-aware attention applies to the previous
weights, is `F.conv1d` with the filters moved last: values and gradients."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from plugboard.modules.attention.location import conv1d_channels_last


def conv1d_reference(signal: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """F.conv1d over [..., S] as N single-channel rows, then [N, filters, S] -> [..., S, filters]."""
    rows = signal.reshape(-1, 1, signal.shape[-1])
    filtered = F.conv1d(rows, kernel, padding=kernel.shape[-1] // 2)
    return filtered.transpose(1, 2).reshape(*signal.shape, kernel.shape[0])


@pytest.mark.parametrize("kernel_size", [1, 3, 7])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_equals_conv1d_in_values_and_gradients(kernel_size, dtype):
    torch.manual_seed(0)
    signal = torch.softmax(torch.randn(3, 4, 11, dtype=dtype), -1).requires_grad_(True)  # [B, T, S]
    kernel = torch.randn(5, 1, kernel_size, dtype=dtype, requires_grad=True)
    upstream = torch.randn(3, 4, 11, 5, dtype=dtype)
    got, expected = conv1d_channels_last(signal, kernel), conv1d_reference(signal, kernel)
    torch.testing.assert_close(got, expected)
    gradients = [torch.autograd.grad((out * upstream).sum(), (signal, kernel)) for out in (got, expected)]
    torch.testing.assert_close(gradients[0], gradients[1])


def test_leaves_its_inputs_unchanged():
    signal, kernel = torch.rand(2, 9), torch.randn(4, 1, 5)
    copies = signal.clone(), kernel.clone()
    conv1d_channels_last(signal, kernel)
    torch.testing.assert_close((signal, kernel), copies, rtol=0, atol=0)
