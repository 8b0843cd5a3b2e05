"""The speed tables of docs/speed.md and docs/sweeps.md, read from benchmarks/results/*.json (and,
for what a benchmark keeps only in its report, that report's table)."""

from __future__ import annotations

from collections.abc import Callable
from statistics import median

from docs_figures import BENCHMARKS, benchmark, markdown_rows, paired, table

NAMES = ("overhead", "overhead_compile", "startup", "attention_cost", "data_loading", "data_pipeline")
NAMES += ("bucketing", "attention_prepare", "pruning")


def machines() -> str:
    """The machines the figures were measured on (one line when they all were on one)."""
    seen = {}
    for name in NAMES:
        m = benchmark(name)["machine"]
        line = f"{m['cores']}-core {m['cpu']} CPU, torch {m['torch']}, Lightning {m['lightning']}"
        line += f", Python {m['python']}"
        seen.setdefault(line, []).append(f"`{name}`")
    if len(seen) == 1:
        return f"All figures: {next(iter(seen))}."
    return "\n".join(f"- {line}: {', '.join(names)}" for line, names in seen.items())


def _overhead_table(name: str) -> str:
    data, rows = benchmark(name), []
    for arm, speed in data["median_steps_per_second"].items():
        ratio = speed / data["median_steps_per_second"]["plain"]
        label = "plain loop" if arm == "plain" else f"`python {arm}`"
        rows.append(
            [
                label,
                f"{speed:.2f}",
                f"{1000 / speed:.1f}",
                f"{ratio:.3f}",
                f"{data['median_paired_ratio'][arm]:.3f}",
            ]
        )
    caption = f"{data['runs']} alternating runs of each arm, {data['steps']} timed steps after "
    caption += f"{data['warmup']} warm-up steps"
    headers = ["arm", "median steps/s", "ms/step", "ratio of medians", "median of paired ratios"]
    return f"{caption}:\n\n" + table(headers, rows)


def overhead() -> str:
    return _overhead_table("overhead")


def overhead_compile() -> str:
    return _overhead_table("overhead_compile")


def startup() -> str:
    data = benchmark("startup")
    rows = [
        [f"`{name}`" if name.startswith("python ") else name, f"{s:.2f}"]
        for name, s in data["median_seconds"].items()
    ]
    beyond = data["first_step_minus_imports_seconds"]
    return (
        f"Median of {data['repeats']} fresh processes:\n\n"
        + table(["command", "seconds"], rows)
        + f"\n\nThe first training step comes **{beyond:.2f} s** after the import of torch and Lightning"
        f" (goal: {data['goal_seconds']:.0f} s), sanity-check validation included."
    )


def attention_cost() -> str:
    data, lengths = benchmark("attention_cost"), ("64", "256", "1024", "2048")
    rows = []
    for name in ("dot", "general", "scaled_dot", "multihead", "additive", "location"):
        by_length = data["results"][name]
        fused = " (fused SDPA)" if name in data["kernels"] else ""
        times = [
            f"{by_length[s]['ms']:.1f} ms"
            if by_length[s] and by_length[s]["ms"] < 100
            else f"{by_length[s]['ms']:.0f} ms"
            if by_length[s]
            else "—"
            for s in lengths
        ]
        last = max((s for s in by_length if by_length[s]), key=int)
        peak = f"{by_length[last]['peak_mb']:.0f}" + ("" if last == "2048" else f" at S={last}")
        rows.append([f"{name}{fused}", *times, peak])
    headers = ["variant", *(f"S={s}" for s in lengths), "peak MiB at S=2048"]
    return f"Batch {data['batch']}, size {data['size']}, {data['form']}:\n\n" + table(headers, rows)


def data_loading() -> str:
    data = benchmark("data_loading")
    rows = [
        [setting, f"{median(data['loader_batches_per_second'][setting]):.0f}", f"{median(runs):.2f}"]
        for setting, runs in data["training_steps_per_second"].items()
    ]
    return table(["setting", "loader alone, batches/s", "training, steps/s"], rows)


def data_pipeline() -> str:
    data = benchmark("data_pipeline")
    cold, cached = (median(data["setup_seconds"][arm]) for arm in ("cold", "cached"))
    rows = [
        ['`setup("fit")`, empty cache (read, every step, cache written)', f"{cold:.1f} s"],
        [
            '`setup("fit")`, cache in place (steps skipped)',
            f"{cached:.1f} s ({data['speedup_cached']:.1f}x faster)",
        ],
        ["train loader alone", f"{median(data['loader_batches_per_second']):.0f} batches/s"],
        ["g2p model training", f"{median(data['training_steps_per_second']):.2f} steps/s"],
    ]
    note = f"The loader delivers {data['loader_over_training']:.0f}x the batches the model consumes."
    return (
        f"Median of {data['repeats']} alternating runs:\n\n"
        + table(["measure", "median"], rows)
        + f"\n\n{note}"
    )


def bucketing() -> str:
    data = benchmark("bucketing")
    examples = {row["job"]: row["examples"] for row in markdown_rows(BENCHMARKS / "bucketing.md")}
    rows = []
    for job, arms in data["seconds_per_epoch"].items():
        shuffled, bucketed = median(arms["shuffled"]), median(arms["bucketed"])
        fill = data["target_fill"][job]
        rows.append(
            [
                job,
                examples[job],
                f"{shuffled:.1f} ({fill['shuffled']:.0%})",
                f"{bucketed:.1f} ({fill['bucketed']:.0%})",
                f"{shuffled / bucketed:.2f}×",
            ]
        )
    headers = ["job", "training examples", "shuffled batches, s/epoch (real tokens)", "bucketed", "speed-up"]
    return f"Median of {data['runs']} alternating runs, one thread:\n\n" + table(headers, rows)


def attention_prepare() -> str:
    data = benchmark("attention_prepare")
    steps = data["decoder_step_seconds"]
    rows = []
    for name in ("dot", "general", "additive", "location", "multihead"):
        row = [f"`{name}`"]
        for length in (32, 128):
            times, dot = steps[f"{name} S=T={length}"], steps[f"dot S=T={length}"]
            row += [
                f"{1000 * median(times['before']):.0f} → {1000 * median(times['after']):.0f}",
                f"{paired(times['before'], times['after']):.2f}×",
            ]
            if length == 32:
                row.append(f"{paired(times['after'], dot['after']):.2f}")
        rows.append(row)
    headers = [
        "variant",
        "S=T=32 before → after, ms",
        "speed-up",
        "after / dot",
        "S=T=128 before → after, ms",
        "speed-up",
    ]
    return f"{data['rounds']} rounds timing every arm in turn:\n\n" + table(headers, rows)


def g2p_epoch() -> str:
    data = benchmark("attention_prepare")
    epochs = data["g2p_epoch_seconds"]
    rows = [[arm, f"{median(s):.1f}", f"{paired(epochs['before'], s):.2f}×"] for arm, s in epochs.items()]
    caption = f"One epoch on the first {data['g2p_words']:,} training words, {len(epochs['before'])} rounds"
    return f"{caption}:\n\n" + table(["arm", "s/epoch", "speed-up over before"], rows)


def pruning() -> str:
    data = benchmark("pruning")
    rows = []
    for arm in ("no pruning", "median pruner"):
        arm_data, seconds = data[arm], sorted(data[arm]["wall_s"])
        rows.append(
            [
                arm,
                f"{arm_data['best_value']:.3f}",
                f"{arm_data['epochs']} of {data['trials'] * data['max_epochs']}",
                arm_data["trials"].get("pruned", 0),
                f"{median(seconds) / 60:.1f} ({seconds[0]:.0f}–{seconds[-1]:.0f} s)",
            ]
        )
    headers = ["arm", "best val/token_accuracy", "epochs trained", "trials pruned", "minutes, median (range)"]
    caption = (
        f"{data['trials']} trials of up to {data['max_epochs']} epochs on {data['train_size']:,} training "
        f"examples, median of {data['runs']} alternating runs"
    )
    return f"{caption}:\n\n" + table(headers, rows)


def search_workers() -> str:
    data = benchmark("search_workers")
    arms = {
        arm: figures for arm, figures in data.items() if isinstance(figures, dict) and "wall_s" in figures
    }
    baseline = median(arms["batched: joblib, 2 at once"]["wall_s"])
    rows = []
    for arm, figures in arms.items():
        slots = int(arm[0]) if arm[0].isdigit() else 2  # "<N> workers", or the batched arm's 2 jobs
        wall, idle, seconds = median(figures["wall_s"]), median(figures["idle_s"]), sorted(figures["wall_s"])
        rows.append(
            [
                arm,
                figures["torch_threads"],
                f"{wall:.0f} ({seconds[0]:.0f}–{seconds[-1]:.0f})",
                f"{baseline / wall:.2f}×",
                f"{idle:.0f}",
                f"{idle / (slots * wall):.0%}",
            ]
        )
    headers = [
        "arm",
        "torch threads",
        "wall s, median (range)",
        "speed-up vs batched",
        "idle worker-s",
        "idle share",
    ]
    caption = f"{data['trials']} trials of 1 to 6 epochs, median of {data['runs']} alternating runs"
    return f"{caption}:\n\n" + table(headers, rows)


FIGURES: dict[str, Callable[[], str]] = {
    "speed-machines": machines,
    "overhead": overhead,
    "overhead-compile": overhead_compile,
    "startup": startup,
    "attention-cost": attention_cost,
    "data-loading": data_loading,
    "data-pipeline": data_pipeline,
    "bucketing": bucketing,
    "attention-prepare": attention_prepare,
    "g2p-epoch": g2p_epoch,
    "pruning": pruning,
    "search-workers": search_workers,
}
