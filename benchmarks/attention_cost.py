"""Forward + backward time and memory of each attention variant as the source grows.

    python -m benchmarks.attention_cost            # lengths 64 ... 2048, 3 timed repeats
    python -m benchmarks.attention_cost --quick    # lengths 64 ... 512, 2 repeats

Every variant in configs/model/attention/ is built from its YAML partial, as the decoders
build it, with query, key and value size 128, and called in its batched-query form with as
many queries as source positions (T = S, what a transformer decoder's cross-attention does
on a target as long as the source): query [16, S, 128], keys = values [16, S, 128], no
padding, `need_weights=False` (the training path: `scaled_dot` and `multihead` may then use
the fused kernel). `scaled_dot, weights` is the same variant asked for its weights, i.e.
the formula written out. Location-aware attention gets zeros as its previous weights.

- time: median wall time of forward + `context.sum().backward()` (gradients for query, keys,
  values and the variant's parameters), after one untimed call; torch's default threads.
- peak memory: the most tensor memory alive at once during one forward + backward, from
  torch.profiler's memory timeline (CPU allocations of tensors created in the call; the
  inputs are not counted). tracemalloc and RSS cannot see this on CPU: large tensors are
  mmap'd and returned to the system as soon as they are freed.
- weights: the size of one [16, S, S] float32 weight matrix, computed, for scale.

A variant stops growing when its next length would need, extrapolated from the last one
(x4: the cost is quadratic in S), more than --max-memory-gb or --max-seconds.

Also checks which kernel `scaled_dot` and `multihead` run with `need_weights=False`: the
fused one (`aten::_scaled_dot_product_flash_attention_for_cpu` on CPU) or the unfused
fallback (`aten::_scaled_dot_product_attention_math`).
"""

from __future__ import annotations

import time
from pathlib import Path

import torch
from hydra.utils import instantiate
from omegaconf import OmegaConf
from torch.profiler import ProfilerActivity, profile

from benchmarks.common import argument_parser, markdown_table, median, write_results
from plugboard.core.paths import CONFIG_DIR
from plugboard.modules.attention import Attention

BATCH, SIZE = 16, 128
FUSED_VARIANTS = ("scaled_dot", "multihead")


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--max-memory-gb", type=float, default=3.0, help="skip lengths predicted above this")
    parser.add_argument(
        "--max-seconds", type=float, default=8.0, help="skip lengths predicted slower than this"
    )
    args = parser.parse_args()
    lengths = [64, 128, 256, 512] if args.quick else [64, 128, 256, 512, 1024, 2048]
    repeats = 2 if args.quick else 3

    results: dict[str, dict[int, dict[str, float] | None]] = {}
    for name, need_weights in cases():
        attention = build(name)
        results[label(name, need_weights)] = row = {}
        previous = None
        for length in lengths:
            if previous and (
                previous["peak_mb"] * 4 > args.max_memory_gb * 1024
                or previous["ms"] * 4 > args.max_seconds * 1000
            ):
                row[length] = None
                continue
            row[length] = previous = measure(attention, length, need_weights, repeats)
            cost = f"{previous['ms']:9.1f} ms {previous['peak_mb']:9.1f} MiB"
            print(f"{label(name, need_weights):<22} S={length:<5} {cost}", flush=True)
    kernels = {name: sdpa_kernels(build(name)) for name in FUSED_VARIANTS}
    report(results, lengths, kernels, repeats, args.output_dir)


def cases() -> list[tuple[str, bool]]:
    names = [path.stem for path in sorted((CONFIG_DIR / "model" / "attention").glob("*.yaml"))]
    return [(name, False) for name in names] + [("scaled_dot", True)]


def label(name: str, need_weights: bool) -> str:
    return f"{name}, weights" if need_weights else name


def build(name: str) -> Attention:
    torch.manual_seed(0)
    factory = instantiate(OmegaConf.load(CONFIG_DIR / "model" / "attention" / f"{name}.yaml"))
    return factory(query_size=SIZE, key_size=SIZE, value_size=SIZE).train()


def inputs(length: int) -> tuple[torch.Tensor, ...]:
    generator = torch.Generator().manual_seed(length)
    query, keys, values = (
        torch.randn(BATCH, length, SIZE, generator=generator, requires_grad=True) for _ in range(3)
    )
    return query, keys, values, torch.ones(BATCH, length, dtype=torch.bool)


def forward_backward(attention: Attention, tensors, need_weights: bool) -> None:
    query, keys, values, mask = tensors
    context, _ = attention(query, keys, values, mask, need_weights=need_weights)
    context.sum().backward()
    for tensor in (query, keys, values, *attention.parameters()):
        tensor.grad = None


def measure(attention: Attention, length: int, need_weights: bool, repeats: int) -> dict[str, float]:
    tensors = inputs(length)
    forward_backward(attention, tensors, need_weights)  # untimed: first-call allocations
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        forward_backward(attention, tensors, need_weights)
        seconds.append(time.perf_counter() - started)
    return {
        "ms": 1000 * median(seconds),
        "peak_mb": peak_memory(attention, tensors, need_weights) / 2**20,
        "weights_mb": BATCH * length * length * 4 / 2**20,
    }


def peak_memory(attention: Attention, tensors, need_weights: bool) -> float:
    """Bytes of tensor memory alive at the worst moment of one forward + backward."""
    activities = [ProfilerActivity.CPU]
    with profile(activities=activities, profile_memory=True, record_shapes=True, with_stack=True) as prof:
        forward_backward(attention, tensors, need_weights)
    live = peak = 0
    timeline = prof._memory_profile().timeline  # (time, action, tensor, bytes); no public API yet
    for _, action, _, size in sorted(timeline, key=lambda event: event[0]):
        if action.name == "CREATE":
            live += size
        elif action.name == "DESTROY":
            live -= size
        peak = max(peak, live)
    return peak


def sdpa_kernels(attention: Attention) -> list[str]:
    """The scaled-dot-product kernels one forward + backward runs (need_weights=False)."""
    tensors = inputs(64)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        forward_backward(attention, tensors, need_weights=False)
    return sorted({event.name for event in prof.events() if "scaled_dot_product" in event.name})


def report(
    results, lengths: list[int], kernels: dict[str, list[str]], repeats: int, output_dir: Path
) -> None:
    headers = ["variant", *[f"S={length}" for length in lengths]]

    def table(key: str, digits: int) -> str:
        rows = [
            [name, *(f"{cell[key]:.{digits}f}" if cell else "skipped" for cell in (row[n] for n in lengths))]
            for name, row in results.items()
        ]
        rows.append(["one [16, S, S] float32 matrix", *(f"{BATCH * n * n * 4 / 2**20:.1f}" for n in lengths)])
        return markdown_table(headers, rows)

    kernel_lines = "\n".join(
        f"- `{name}`: {', '.join(f'`{kernel}`' for kernel in names)} ({fused_or_not(names)})"
        for name, names in kernels.items()
    )
    markdown = (
        "## Attention cost: forward + backward, batched queries (T = S), batch 16, size 128\n\n"
        f"Time, ms (median of {repeats}):\n\n{table('ms', 1)}\n\n"
        f"Peak tensor memory during forward + backward, MiB (torch.profiler):\n\n{table('peak_mb', 1)}\n\n"
        f"Kernels run with `need_weights=False`:\n\n{kernel_lines}\n\n![time and memory](attention_cost.png)"
    )
    output_dir.mkdir(parents=True, exist_ok=True)
    plot(results, lengths, output_dir / "attention_cost.png")
    write_results(
        output_dir,
        "attention_cost",
        markdown,
        {
            "batch": BATCH,
            "size": SIZE,
            "form": "batched queries, T = S, need_weights=False",
            "repeats": repeats,
            "results": {name: {str(n): cell for n, cell in row.items()} for name, row in results.items()},
            "kernels": kernels,
        },
    )


def fused_or_not(kernels: list[str]) -> str:
    if any("flash" in kernel or "efficient" in kernel for kernel in kernels):
        return "fused"
    return "NOT fused: the unfused math fallback"


def plot(results, lengths: list[int], path: Path) -> None:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11, 4.5), layout="constrained")
    axes = figure.subplots(1, 2)
    for name, row in results.items():
        measured = [(n, cell) for n, cell in row.items() if cell]
        style = "--" if "weights" in name else "-"
        for ax, key in zip(axes, ("ms", "peak_mb"), strict=True):
            ax.plot(
                [n for n, _ in measured], [cell[key] for _, cell in measured], style, marker="o", label=name
            )
    axes[1].plot(
        lengths, [BATCH * n * n * 4 / 2**20 for n in lengths], ":", color="grey", label="one [16,S,S] matrix"
    )
    for ax, ylabel in zip(axes, ("forward + backward, ms", "peak tensor memory, MiB"), strict=True):
        ax.set(xscale="log", yscale="log", xlabel="source length S (= number of queries T)", ylabel=ylabel)
        ax.set_xticks(lengths, [str(n) for n in lengths])
        ax.set_xticks([], minor=True)
        ax.grid(True, which="major", alpha=0.3)
    axes[1].legend(fontsize=8)
    figure.suptitle(
        f"Attention variants, batch {BATCH}, size {SIZE}, CPU ({torch.get_num_threads()} threads)"
    )
    figure.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
