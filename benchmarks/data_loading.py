"""Loader throughput of the default job with and without worker processes.

    python -m benchmarks.data_loading           # 3 repeats, 2 training epochs per setting
    python -m benchmarks.data_loading --quick   # 1 repeat, 1 training epoch

The default job's DataModule (`data=reverse`, batch 64) tensorises every example once in
`setup`; a batch is then only `pad_sequence` over ready id tensors (plugboard/seq2seq/data/batch.py).
The loader settings are config keys (`data.num_workers`, `data.persistent_workers`,
`data.pin_memory`; configs/data/*.yaml); pin_memory only matters with a GPU.

For each setting, in this process:
- loader alone: batches/s over 5 epochs of `train_dataloader()`, worker start-up included
  (that is what each epoch costs when workers are not persistent);
- training: steps/s of a plain training loop (as in benchmarks/overhead.py) over whole epochs,
  where the workers compete with the model for the same cores.
"""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.common import argument_parser, compose, markdown_table, median, write_results

SETTINGS = {
    "num_workers=0 (default)": ["data.num_workers=0"],
    "num_workers=2": ["data.num_workers=2", "data.persistent_workers=false"],
    "num_workers=2, persistent": ["data.num_workers=2", "data.persistent_workers=true"],
}


def main() -> None:
    args = argument_parser(__doc__).parse_args()
    repeats, train_epochs = (1, 1) if args.quick else (3, 2)
    loader_rates: dict[str, list[float]] = {name: [] for name in SETTINGS}
    train_rates: dict[str, list[float]] = {name: [] for name in SETTINGS}
    for repeat in range(repeats):
        for name, overrides in SETTINGS.items():
            loader_rates[name].append(loader_alone(overrides, epochs=5))
            train_rates[name].append(training(overrides, epochs=train_epochs))
            print(
                f"repeat {repeat + 1}/{repeats}  {name:<28} loader {loader_rates[name][-1]:8.1f} batches/s"
                f"  training {train_rates[name][-1]:6.2f} steps/s",
                flush=True,
            )
    report(loader_rates, train_rates, repeats, train_epochs, args.output_dir)


def datamodule(overrides: list[str]):
    from hydra.utils import instantiate

    cfg = compose(overrides)
    module = instantiate(cfg.data)
    module.setup("fit")
    return cfg, module


def loader_alone(overrides: list[str], epochs: int) -> float:
    _, module = datamodule(overrides)
    loader = module.train_dataloader()
    started, batches = time.perf_counter(), 0
    for _ in range(epochs):
        for _ in loader:
            batches += 1
    rate = batches / (time.perf_counter() - started)
    del loader  # ends persistent workers
    return rate


def training(overrides: list[str], epochs: int) -> float:
    import lightning as L
    import torch
    from hydra.utils import instantiate

    cfg, module = datamodule(overrides)
    L.seed_everything(cfg.seed)
    model = instantiate(cfg.model, vocabulary=module.vocabulary.tokens).train()
    optimizer = model.configure_optimizers()
    loader = module.train_dataloader()
    started, steps = time.perf_counter(), 0
    for _ in range(epochs):
        for batch in loader:
            optimizer.zero_grad()
            model.loss(model.teacher_forced_logits(batch), batch.target).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            steps += 1
    rate = steps / (time.perf_counter() - started)
    del loader
    return rate


def report(loader_rates, train_rates, repeats: int, train_epochs: int, output_dir: Path) -> None:
    rows = [
        [
            name,
            f"{median(loader_rates[name]):.1f}",
            f"{median(train_rates[name]):.2f}",
            ", ".join(f"{rate:.2f}" for rate in train_rates[name]),
        ]
        for name in SETTINGS
    ]
    fastest = max(SETTINGS, key=lambda name: median(train_rates[name]))
    markdown = (
        "## Data loading: the default job's train loader (batch 64, 79 batches per epoch)\n\n"
        f"Median of {repeats}; loader alone over 5 epochs, training over {train_epochs} epoch(s) "
        "of a plain loop; worker start-up included.\n\n"
        + markdown_table(
            ["setting", "loader alone, batches/s", "training, steps/s", "training, each run"], rows
        )
        + f"\n\nFastest for training: **{fastest}**."
    )
    write_results(
        output_dir,
        "data_loading",
        markdown,
        {
            "repeats": repeats,
            "train_epochs": train_epochs,
            "loader_batches_per_second": loader_rates,
            "training_steps_per_second": train_rates,
            "fastest_for_training": fastest,
        },
    )


if __name__ == "__main__":
    main()
