"""Every attention variant in configs/model/attention/ honours the slot's contract.

Variants are discovered from the config group, so a new YAML file (and its class) is
tested here without editing this file.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from hydra.utils import instantiate
from omegaconf import OmegaConf

from plugboard.core.paths import CONFIG_DIR
from plugboard.modules.attention import Attention, MultiHeadAttention, ScaledDotProductAttention

VARIANT_FILES = sorted((CONFIG_DIR / "model" / "attention").glob("*.yaml"))
SIZE, BATCH, LENGTH, STEPS = 16, 3, 7, 4


def build(config_file: Path, size: int = SIZE) -> Attention:
    torch.manual_seed(0)
    factory = instantiate(OmegaConf.load(config_file))
    return factory(query_size=size, key_size=size, value_size=size).eval()


def inputs(length: int = LENGTH, steps: int | None = None):
    torch.manual_seed(1)
    query_shape = (BATCH, SIZE) if steps is None else (BATCH, steps, SIZE)
    query = torch.randn(query_shape)
    keys, values = torch.randn(BATCH, length, SIZE), torch.randn(BATCH, length, SIZE)
    mask = torch.ones(BATCH, length, dtype=torch.bool)
    mask[1, 4:] = False  # a shorter sequence
    mask[2, 1:] = False  # a one-token sequence
    previous = torch.softmax(torch.randn(BATCH, length), -1) * mask
    return query, keys, values, mask, previous / previous.sum(-1, keepdim=True)


def history(attention: Attention, previous: torch.Tensor) -> torch.Tensor | None:
    return previous if attention.needs_previous_weights else None


def test_variants_are_discovered():
    names = {path.stem for path in VARIANT_FILES}
    assert {"none", "dot", "general", "additive", "scaled_dot", "multihead", "location"} <= names


@pytest.fixture(params=VARIANT_FILES, ids=lambda path: path.stem)
def attention(request) -> Attention:
    return build(request.param)


@pytest.mark.parametrize("steps", [None, STEPS], ids=["one_step", "batched"])
def test_shapes(attention, steps):
    query, keys, values, mask, previous = inputs(steps=steps)
    if steps is not None:
        previous = previous.unsqueeze(1).expand(-1, steps, -1)
    context, weights = attention(query, keys, values, mask, history(attention, previous))
    leading = (BATCH,) if steps is None else (BATCH, steps)
    assert context.shape == (*leading, attention.output_size)
    assert weights.shape == (*leading, LENGTH)


def test_masked_positions_get_zero_weight_and_rows_sum_to_one(attention):
    query, keys, values, mask, previous = inputs()
    _, weights = attention(query, keys, values, mask, history(attention, previous))
    assert torch.all(weights[~mask] == 0.0)
    torch.testing.assert_close(weights.sum(-1), torch.ones(BATCH))
    assert torch.all(weights >= 0)


def test_appending_padding_leaves_the_context_unchanged(attention):
    query, keys, values, mask, previous = inputs()
    extra = 5
    padded_keys = torch.cat([keys, 100 * torch.randn(BATCH, extra, SIZE)], dim=1)
    padded_values = torch.cat([values, 100 * torch.randn(BATCH, extra, SIZE)], dim=1)
    padded_mask = torch.cat([mask, torch.zeros(BATCH, extra, dtype=torch.bool)], dim=1)
    padded_previous = torch.cat([previous, torch.zeros(BATCH, extra)], dim=1)
    context, weights = attention(query, keys, values, mask, history(attention, previous))
    padded_context, padded_weights = attention(
        query, padded_keys, padded_values, padded_mask, history(attention, padded_previous)
    )
    torch.testing.assert_close(padded_context, context, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(padded_weights[:, :LENGTH], weights, rtol=1e-5, atol=1e-6)


def test_gradients_reach_every_parameter_and_input(attention):
    query, keys, values, mask, previous = inputs()
    query.requires_grad_(True)
    values.requires_grad_(True)
    context, _ = attention(query, keys, values, mask, history(attention, previous))
    context.pow(2).sum().backward()
    assert values.grad is not None and values.grad.abs().sum() > 0
    for name, parameter in attention.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name


def test_batched_queries_agree_with_one_step_at_a_time(attention):
    query, keys, values, mask, previous = inputs(steps=STEPS)
    batched_previous = previous.unsqueeze(1).expand(-1, STEPS, -1)
    context, weights = attention(query, keys, values, mask, history(attention, batched_previous))
    for step in range(STEPS):
        step_context, step_weights = attention(
            query[:, step], keys, values, mask, history(attention, previous)
        )
        torch.testing.assert_close(context[:, step], step_context, rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(weights[:, step], step_weights, rtol=1e-5, atol=1e-6)


def test_context_without_weights_matches_context_with_weights(attention):
    """The fused path (need_weights=False) computes the same context as the explicit one."""
    query, keys, values, mask, previous = inputs(steps=STEPS)
    batched_previous = previous.unsqueeze(1).expand(-1, STEPS, -1)
    with_weights, _ = attention(query, keys, values, mask, history(attention, batched_previous))
    fused, _ = attention(query, keys, values, mask, history(attention, batched_previous), need_weights=False)
    torch.testing.assert_close(fused, with_weights, rtol=1e-5, atol=1e-5)


def test_a_fully_masked_row_gives_no_nan(attention):
    query, keys, values, mask, previous = inputs()
    mask[0] = False
    context, weights = attention(query, keys, values, mask, history(attention, previous * mask))
    assert torch.isfinite(context).all() and torch.isfinite(weights).all()


def test_scaled_dot_matches_the_plain_formula():
    query, keys, values, mask, _ = inputs(steps=STEPS)
    scores = query @ keys.transpose(1, 2) / math.sqrt(SIZE)
    scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
    expected = torch.softmax(scores, dim=-1) @ values
    attention = ScaledDotProductAttention(SIZE, SIZE)
    for need_weights in (True, False):
        context, _ = attention(query, keys, values, mask, need_weights=need_weights)
        torch.testing.assert_close(context, expected, rtol=1e-5, atol=1e-5)


def test_multihead_matches_the_plain_formula():
    torch.manual_seed(0)
    heads = 4
    attention = MultiHeadAttention(SIZE, SIZE, SIZE, num_heads=heads).eval()
    query, keys, values, mask, _ = inputs(steps=STEPS)
    q = attention.query_projection(query)
    k = attention.key_projection(keys)
    v = attention.value_projection(values)
    head_size = SIZE // heads
    outputs = []
    for head in range(heads):
        part = slice(head * head_size, (head + 1) * head_size)
        scores = q[..., part] @ k[..., part].transpose(1, 2) / math.sqrt(head_size)
        scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
        outputs.append(torch.softmax(scores, dim=-1) @ v[..., part])
    expected = attention.output_projection(torch.cat(outputs, dim=-1))
    for need_weights in (True, False):
        context, _ = attention(query, keys, values, mask, need_weights=need_weights)
        torch.testing.assert_close(context, expected, rtol=1e-5, atol=1e-5)


def test_no_attention_gives_uniform_weights_over_real_tokens():
    attention = build(CONFIG_DIR / "model" / "attention" / "none.yaml")
    query, keys, values, mask, _ = inputs()
    context, weights = attention(query, keys, values, mask)
    expected = mask.float() / mask.sum(-1, keepdim=True)
    torch.testing.assert_close(weights, expected)
    torch.testing.assert_close(context, (expected.unsqueeze(-1) * values).sum(1))


def test_location_aware_attention_uses_the_previous_weights():
    attention = build(CONFIG_DIR / "model" / "attention" / "location.yaml")
    query, keys, values, mask, previous = inputs()
    _, weights = attention(query, keys, values, mask, previous)
    _, other_weights = attention(query, keys, values, mask, torch.roll(previous, 1, dims=-1) * mask)
    assert not torch.allclose(weights, other_weights)


@pytest.mark.parametrize("name", ["dot", "scaled_dot"])
def test_parameter_free_variants_explain_a_size_mismatch(name):
    factory = instantiate(OmegaConf.load(CONFIG_DIR / "model" / "attention" / f"{name}.yaml"))
    with pytest.raises(ValueError, match="sizes must match"):
        factory(query_size=8, key_size=16)


@pytest.mark.parametrize("variant", [ScaledDotProductAttention, MultiHeadAttention])
def test_fused_variants_run_the_fused_kernel_without_weights(variant):
    """torch falls back to an unfused kernel without a word (e.g. for 3-D inputs): check which runs."""
    query, keys, values, mask, _ = inputs(steps=STEPS)
    attention = variant(SIZE, SIZE, SIZE)
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as profiler:
        attention(query, keys, values, mask, need_weights=False)
    kernels = {event.name for event in profiler.events() if "scaled_dot_product" in event.name}
    assert "aten::scaled_dot_product_attention" in kernels
    assert "aten::_scaled_dot_product_attention_math" not in kernels, kernels
