"""CMUdict through its data pipeline: setup time without and with the cache, loader against model.

    python -m benchmarks.data_pipeline           # 3 repeats of each arm
    python -m benchmarks.data_pipeline --quick   # 1 repeat, fewer batches

The data is `experiment=g2p`'s: the 135,166 entries of CMUdict through a 6-step pipeline
(lower-case the word, keep words of letters and apostrophes, tokenise both sides, strip the
stress digits, drop duplicates), batches of 256 bucketed by length. Arms, alternated within
each repeat so that a busy moment on a shared machine hits both:
- setup, cold: `setup("fit")` with an empty cache dir (reads the file, runs every step, writes
  the cache entry);
- setup, cached: the same with the entry in place (the steps are skipped);
and then, once per repeat: the train loader's batches/s alone, beside the g2p model's training
steps/s over the same batches (a plain loop, as in benchmarks/data_loading.py). The loader has
to deliver far more batches per second than the model consumes, or it is the bottleneck.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks.common import argument_parser, compose, markdown_table, median, write_results


def main() -> None:
    args = argument_parser(__doc__).parse_args()
    repeats, loader_batches, train_steps = (1, 200, 5) if args.quick else (3, 400, 20)
    times: dict[str, list[float]] = {"cold": [], "cached": []}
    loader_rates, train_rates = [], []
    with tempfile.TemporaryDirectory() as cache_root:
        for repeat in range(repeats):
            cache = Path(cache_root) / f"repeat{repeat}"
            for arm in ("cold", "cached"):
                seconds, module = setup_seconds(cache)
                times[arm].append(seconds)
            loader_rates.append(loader_alone(module, loader_batches))
            train_rates.append(training(module, train_steps))
            print(
                f"repeat {repeat + 1}/{repeats}: setup cold {times['cold'][-1]:.2f} s, cached "
                f"{times['cached'][-1]:.2f} s; loader {loader_rates[-1]:.0f} batches/s, training "
                f"{train_rates[-1]:.2f} steps/s",
                flush=True,
            )
    report(times, loader_rates, train_rates, repeats, args.output_dir)


def setup_seconds(cache: Path):
    from hydra.utils import instantiate

    module = instantiate(compose(["experiment=g2p", f"data.cache_dir={cache}"]).data)
    started = time.perf_counter()
    module.setup("fit")
    return time.perf_counter() - started, module


def loader_alone(module, batches: int) -> float:
    started, count = time.perf_counter(), 0
    while count < batches:
        for _ in module.train_dataloader():
            count += 1
            if count == batches:
                break
    return count / (time.perf_counter() - started)


def training(module, steps: int) -> float:
    import lightning as L
    import torch
    from hydra.utils import instantiate

    cfg = compose(["experiment=g2p"])
    L.seed_everything(cfg.seed)
    model = instantiate(cfg.model, vocabulary=module.vocabulary.tokens).train()
    optimizer = model.configure_optimizers()
    optimizer = optimizer["optimizer"] if isinstance(optimizer, dict) else optimizer
    batches = iter(module.train_dataloader())
    started = time.perf_counter()
    for _ in range(steps):
        batch = next(batches)
        optimizer.zero_grad()
        model.loss(model.teacher_forced_logits(batch), batch.target).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    return steps / (time.perf_counter() - started)


def report(times, loader_rates, train_rates, repeats: int, output_dir: Path) -> None:
    cold, cached = median(times["cold"]), median(times["cached"])
    loader, train = median(loader_rates), median(train_rates)
    rows = [
        [
            "setup, cold (pipeline runs, cache written)",
            f"{cold:.2f} s",
            ", ".join(f"{t:.2f}" for t in times["cold"]),
        ],
        [
            "setup, cached (pipeline skipped)",
            f"{cached:.2f} s",
            ", ".join(f"{t:.2f}" for t in times["cached"]),
        ],
        ["train loader alone", f"{loader:.0f} batches/s", ", ".join(f"{r:.0f}" for r in loader_rates)],
        ["g2p model training", f"{train:.2f} steps/s", ", ".join(f"{r:.2f}" for r in train_rates)],
    ]
    markdown = (
        "## Data pipeline: CMUdict (experiment=g2p, batches of 256)\n\n"
        f"Median of {repeats}, arms alternated.\n\n"
        + markdown_table(["measure", "median", "each run"], rows)
        + f"\n\nThe cache saves {cold - cached:.2f} s of setup ({cold / cached:.1f}x faster); the loader "
        f"delivers {loader / train:.0f}x the batches per second the model consumes."
    )
    write_results(
        output_dir,
        "data_pipeline",
        markdown,
        {
            "repeats": repeats,
            "setup_seconds": times,
            "loader_batches_per_second": loader_rates,
            "training_steps_per_second": train_rates,
            "speedup_cached": cold / cached,
            "loader_over_training": loader / train,
        },
    )


if __name__ == "__main__":
    main()
