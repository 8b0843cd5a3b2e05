"""What an attention variant prepares once per sequence stands in for the raw keys at every step.

Every variant in configs/model/attention/ is checked in float64: the context and weights from
a value prepared once and reused over many steps are those computed from the raw keys, also
when the prepared rows are tiled and reordered as beam search does; the variants whose key
projection moved into `prepare` (or whose formula was rearranged) are checked against their
formula written out over the raw keys. No variant keeps a tensor between calls.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from modules.test_attention import STEPS, VARIANT_FILES, build, history, inputs
from plugboard.core.paths import CONFIG_DIR
from plugboard.modules.attention import Attention

TOLERANCE = {"rtol": 1e-6, "atol": 1e-6}


@pytest.fixture(params=VARIANT_FILES, ids=lambda path: path.stem)
def attention(request) -> Attention:
    return build(request.param).double()


def float64_inputs(steps: int | None = None) -> tuple[torch.Tensor, ...]:
    return tuple(t.double() if t.is_floating_point() else t for t in inputs(steps=steps))


def test_prepared_once_gives_what_the_raw_keys_give_at_every_step(attention):
    query, keys, values, mask, previous = float64_inputs(steps=STEPS)
    prepared = attention.prepare(keys, values, mask)
    for step in range(STEPS):
        expected = attention(query[:, step], keys, values, mask, history(attention, previous))
        got = attention(query[:, step], keys, values, mask, history(attention, previous), prepared=prepared)
        torch.testing.assert_close(got, expected, **TOLERANCE)
        previous = expected[1]  # the next step reads this step's weights, as in a decoder


def test_prepared_batched_queries_agree_with_one_step_at_a_time(attention):
    query, keys, values, mask, previous = float64_inputs(steps=STEPS)
    prepared = attention.prepare(keys, values, mask)
    batched_previous = previous.unsqueeze(1).expand(-1, STEPS, -1)
    context, weights = attention(
        query, keys, values, mask, history(attention, batched_previous), prepared=prepared
    )
    for step in range(STEPS):
        step_context, step_weights = attention(
            query[:, step], keys, values, mask, history(attention, previous)
        )
        torch.testing.assert_close(context[:, step], step_context, **TOLERANCE)
        torch.testing.assert_close(weights[:, step], step_weights, **TOLERANCE)


def test_prepared_rows_can_be_tiled_and_reordered_like_the_keys(attention):
    """Beam search tiles what was prepared and reads rows by beam: rows must stay sequences."""
    query, keys, values, mask, previous = float64_inputs()
    rows = torch.tensor([2, 0, 0, 1, 2, 1])
    prepared = attention.prepare(keys, values, mask)
    reordered = type(prepared)(*(part.index_select(0, rows) for part in prepared))
    got = attention(
        query[rows], keys, values, mask[rows], history(attention, previous[rows]), prepared=reordered
    )
    expected = attention(
        query[rows], keys[rows], values[rows], mask[rows], history(attention, previous[rows])
    )
    torch.testing.assert_close(got, expected, **TOLERANCE)


def general_scores(attention, query, keys, previous):
    return query @ attention.key_projection(keys).transpose(1, 2)  # q^T (W k)


def additive_scores(attention, query, keys, previous):
    hidden = attention.query_projection(query).unsqueeze(2) + attention.key_projection(keys).unsqueeze(1)
    return attention.energy(torch.tanh(hidden)).squeeze(-1)


def location_scores(attention, query, keys, previous):
    """Chorowski et al.'s form: filters f = conv(previous weights), then U f."""
    batch, steps, length = previous.shape
    features = attention.location_conv(previous.reshape(batch * steps, 1, length))
    features = attention.location_projection(features.transpose(1, 2).reshape(batch, steps, length, -1))
    hidden = attention.query_projection(query).unsqueeze(2) + attention.key_projection(keys).unsqueeze(1)
    return attention.energy(torch.tanh(hidden + features)).squeeze(-1)


@pytest.mark.parametrize(
    ("name", "formula"),
    [("general", general_scores), ("additive", additive_scores), ("location", location_scores)],
)
def test_prepared_path_matches_the_formula_over_raw_keys(name, formula):
    attention = build(CONFIG_DIR / "model" / "attention" / f"{name}.yaml").double()
    query, keys, values, mask, previous = float64_inputs(steps=STEPS)
    previous = previous.unsqueeze(1).expand(-1, STEPS, -1).contiguous()
    weights = torch.softmax(
        formula(attention, query, keys, previous).masked_fill(~mask[:, None], -torch.inf), -1
    )
    prepared = attention.prepare(keys, values, mask)
    got = attention(query, keys, values, mask, previous, prepared=prepared)
    torch.testing.assert_close(got, (weights @ values, weights), **TOLERANCE)


@pytest.mark.parametrize(
    ("name", "formula"),
    [("general", general_scores), ("additive", additive_scores), ("location", location_scores)],
)
def test_rearranged_arithmetic_gives_the_formulas_gradients(name, formula):
    """The in-place and regrouped operations must also give the formula's gradients, to every
    parameter and input (the previous weights too: location-aware attention trains through them)."""
    attention = build(CONFIG_DIR / "model" / "attention" / f"{name}.yaml").double()
    query, keys, values, mask, previous = float64_inputs(steps=STEPS)
    previous = previous.unsqueeze(1).expand(-1, STEPS, -1).contiguous()
    inputs = (query, keys, values, previous)
    for tensor in inputs:
        tensor.requires_grad_(True)
    upstream = torch.randn(query.shape[0], STEPS, values.shape[-1], dtype=torch.float64)

    def gradients(context: torch.Tensor) -> list[torch.Tensor]:
        wrt = [*inputs, *attention.parameters()]
        return list(torch.autograd.grad((context * upstream).sum(), wrt, allow_unused=True))

    weights = torch.softmax(
        formula(attention, query, keys, previous).masked_fill(~mask[:, None], -torch.inf), -1
    )
    expected = gradients(weights @ values)
    prepared = attention.prepare(keys, values, mask)
    context, _ = attention(query, keys, values, mask, previous, prepared=prepared)
    torch.testing.assert_close(gradients(context), expected, **TOLERANCE)


@pytest.mark.parametrize(
    ("name", "formula"),
    [("general", general_scores), ("additive", additive_scores), ("location", location_scores)],
)
def test_the_formula_holds_in_float32(name, formula):
    """Summing in place and the convolution as a matmul round like the formula in float32: the
    context and the gradients of every parameter and input agree within float32 tolerance."""
    attention = build(CONFIG_DIR / "model" / "attention" / f"{name}.yaml")
    query, keys, values, mask, previous = inputs(steps=STEPS)
    previous = previous.unsqueeze(1).expand(-1, STEPS, -1).contiguous()
    for tensor in (query, keys, values, previous):
        tensor.requires_grad_(True)
    weights = torch.softmax(
        formula(attention, query, keys, previous).masked_fill(~mask[:, None], -torch.inf), -1
    )
    expected = weights @ values
    got, _ = attention(query, keys, values, mask, previous, prepared=attention.prepare(keys, values, mask))
    torch.testing.assert_close(got, expected)
    wrt = [query, keys, values, previous, *attention.parameters()]
    expected_gradients = torch.autograd.grad(expected.sum(), wrt, allow_unused=True)
    torch.testing.assert_close(torch.autograd.grad(got.sum(), wrt, allow_unused=True), expected_gradients)


@pytest.mark.parametrize("name", ["additive", "location"])
def test_prepare_returns_the_projected_keys_and_scoring_leaves_them_unchanged(name):
    """`prepare` hands on W_k k + b itself, with no factor folded in for the arithmetic of `score`,
    and `score` reads the prepared keys, the query and the previous weights without writing them."""
    attention = build(CONFIG_DIR / "model" / "attention" / f"{name}.yaml")
    query, keys, values, mask, previous = inputs(steps=STEPS)
    previous = previous.unsqueeze(1).expand(-1, STEPS, -1).contiguous()
    prepared = attention.prepare(keys, values, mask)
    torch.testing.assert_close(prepared.keys, attention.key_projection(keys), rtol=0, atol=0)
    before = [tensor.clone() for tensor in (*prepared, query, previous)]
    attention(query, keys, values, mask, previous, prepared=prepared)
    for tensor, copy in zip((*prepared, query, previous), before, strict=True):
        torch.testing.assert_close(tensor, copy, rtol=0, atol=0)


def tensors_held(module: nn.Module) -> list[str]:
    """Attributes of `module` and its children that hold a tensor outside parameters and buffers."""
    registered = ("_parameters", "_buffers", "_modules")
    return [
        f"{prefix}.{name}"
        for prefix, child in module.named_modules()
        for name, value in vars(child).items()
        if name not in registered and any(isinstance(item, torch.Tensor) for item in _contents(value))
    ]


def _contents(value: object) -> list[object]:
    if isinstance(value, dict):
        return [value, *value.values()]
    return [value, *value] if isinstance(value, list | tuple) else [value]


def test_the_module_keeps_no_tensor_between_calls(attention):
    query, keys, values, mask, previous = float64_inputs(steps=STEPS)
    values.requires_grad_(True)
    buffers = dict(attention.named_buffers())
    attention.train()
    prepared = attention.prepare(keys, values, mask)
    batched_previous = previous.unsqueeze(1).expand(-1, STEPS, -1)
    for need_weights in (True, False):
        context, _ = attention(query, keys, values, mask, history(attention, batched_previous), need_weights)
        context.sum().backward()
        attention(query[:, 0], keys, values, mask, history(attention, previous), need_weights, prepared)
    assert tensors_held(attention) == []
    assert dict(attention.named_buffers()).keys() == buffers.keys()
