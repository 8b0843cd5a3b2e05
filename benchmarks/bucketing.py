"""Training epoch time with and without length-bucketed batches (`data.bucket_by_length`).

    python -m benchmarks.bucketing           # 3 alternating runs of each arm per job
    python -m benchmarks.bucketing --quick   # 1 run of each, smaller subsets

For each job (the default `data=reverse`, `experiment=scan_simple`, `experiment=g2p`) both arms
train the same model, built from the job's config, on the same first N training examples
(the training splits are shuffled) for one whole epoch of a plain loop (as in
benchmarks/overhead.py): forward, backward, clipping, optimizer step. A bucketed batch holds
examples of similar length, so bucketed steps vary in cost; the epoch, which processes the
same examples either way, is the fair unit. Also reported: the share of target slots that
hold a real token (the rest is padding the decoder still steps through).
"""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.common import argument_parser, compose, markdown_table, median, write_results

# job name -> (overrides, training examples used: full length, --quick). The g2p job keeps the
# model its published figures were measured with: dot attention, a one-layer encoder and no
# label smoothing (the preset now uses location attention, two layers and smoothing).
G2P_AS_MEASURED = [
    "experiment=g2p",
    "model/attention=dot",
    "model.encoder.num_layers=1",
    "model.label_smoothing=0.0",
    "data.max_words=12000",
]
JOBS = {
    "reverse (default job)": ([], (3000, 1000)),
    "scan_simple": (["experiment=scan_simple"], (2000, 800)),
    "g2p (dot attention)": (G2P_AS_MEASURED, (10000, 3000)),
}
ARMS = {"shuffled": "data.bucket_by_length=false", "bucketed": "data.bucket_by_length=true"}


def main() -> None:
    args = argument_parser(__doc__).parse_args()
    runs = 1 if args.quick else 3
    seconds: dict[str, dict[str, list[float]]] = {job: {arm: [] for arm in ARMS} for job in JOBS}
    fill: dict[str, dict[str, float]] = {job: {} for job in JOBS}
    for job, (overrides, sizes) in JOBS.items():
        examples = sizes[1] if args.quick else sizes[0]
        for run in range(runs):
            for arm, switch in ARMS.items():
                elapsed, fill[job][arm] = train_one_epoch([*overrides, switch], examples)
                seconds[job][arm].append(elapsed)
                print(f"{job:<22} run {run + 1}/{runs} {arm:<9} {elapsed:7.1f} s/epoch", flush=True)
    report(seconds, fill, runs, args.quick, args.output_dir)


def train_one_epoch(overrides: list[str], examples: int) -> tuple[float, float]:
    """(seconds for one epoch over the first `examples` training examples, target fill)."""
    import lightning as L
    import torch
    from hydra.utils import instantiate

    cfg = compose(overrides)
    L.seed_everything(cfg.seed)
    module = instantiate(cfg.data)
    module.setup("fit")
    module.tensors["train"] = module.tensors["train"][:examples]
    model = instantiate(cfg.model, vocabulary=module.vocabulary.tokens).train()
    optimizer = model.configure_optimizers()
    if not isinstance(optimizer, torch.optim.Optimizer):  # a dict with a scheduler
        optimizer = optimizer["optimizer"]
    real = slots = 0
    started = time.perf_counter()
    for batch in module.train_dataloader():
        optimizer.zero_grad()
        model.loss(model.teacher_forced_logits(batch), batch.target).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        real += int(batch.target_mask.sum())
        slots += batch.target_mask.numel()
    return time.perf_counter() - started, real / slots


def report(seconds, fill, runs: int, quick: bool, output_dir: Path) -> None:
    rows = []
    for job, (_, sizes) in JOBS.items():
        shuffled, bucketed = median(seconds[job]["shuffled"]), median(seconds[job]["bucketed"])
        rows.append(
            [
                job,
                f"{sizes[1] if quick else sizes[0]:,}",
                f"{shuffled:.1f} ({fill[job]['shuffled']:.0%})",
                f"{bucketed:.1f} ({fill[job]['bucketed']:.0%})",
                f"{shuffled / bucketed:.2f}x",
            ]
        )
    markdown = (
        "## Length-bucketed batches: seconds per training epoch (share of target slots holding a token)\n\n"
        f"Median of {runs} alternating run(s) per arm; plain loop, the job's own model and batch size.\n\n"
        + markdown_table(["job", "examples", "shuffled", "bucketed", "speed-up"], rows)
    )
    write_results(
        output_dir,
        "bucketing",
        markdown,
        {"runs": runs, "quick": quick, "seconds_per_epoch": seconds, "target_fill": fill},
    )


if __name__ == "__main__":
    main()
