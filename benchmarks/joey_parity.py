"""Accuracy parity with Joey NMT on the reverse task: both toolkits trained on the same splits
with matched settings, run by run, alternating, and their test exact match compared.

    python -m benchmarks.joey_parity                          # 5 runs of each arm (hours on 2 cores)
    python -m benchmarks.joey_parity --seeds 1 --epochs 1     # a quick look
    python -m benchmarks.joey_parity --arms plugboard         # Plugboard alone, the peer skipped
    python -m benchmarks.joey_parity --label ablation model/init=pytorch   # overrides for Plugboard

Matched settings, as Joey NMT 2.3.0 and Plugboard's default job can both be told: the default
`data=reverse` splits (written out as text for the peer), a bidirectional GRU encoder of 128 per
direction, a GRU decoder of 128 with input feeding, embeddings of 64, Adam at 3e-3 held constant
(Joey's `exponential` schedule with factor 1.0: its `plateau` fails on torch 2.13), batches of 64
sentences, 5 epochs, gradient norms clipped at 1.0, no dropout, greedy decoding; each tests the
checkpoint it validated best (Joey by dev BLEU, Plugboard by `val/exact_match`). Pairs: Plugboard's
`general` against Joey's `luong`, `additive` against `bahdanau`.

The peer is a measured program, not a dependency: it is installed on demand into a virtual env
under the project's `.cache/` (`pip install torch==<this torch> joeynmt==2.3.0 importlib_metadata`),
and skipped, with the reason, where that fails. Its initialisation is its own (xavier_uniform,
embeddings N(0, 0.1), zero biases); runs differ by `random_seed`. Exact match is counted here for
both, from each run's own test output: Joey's hypotheses file against the reference text, and
Plugboard's `test/exact_match` in metrics.json.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import PROJECT_ROOT, argument_parser, markdown_table, write_results

CACHE = PROJECT_ROOT / ".cache" / "joey_parity"
PEER_VENV = PROJECT_ROOT / ".cache" / "joeynmt-venv"
PEER_VERSION = "2.3.0"
PAIRS = {"general": "luong", "additive": "bahdanau"}  # Plugboard attention -> Joey's twin


def main() -> None:
    parser = argument_parser(__doc__)
    parser.set_defaults(output_dir=PROJECT_ROOT / "docs" / "results")
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5], help="one run of each arm per seed"
    )
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--arms", nargs="+", default=["plugboard", "joey"], choices=["plugboard", "joey"])
    parser.add_argument("--variants", nargs="+", default=list(PAIRS), choices=list(PAIRS))
    parser.add_argument(
        "--label", default="default", help="names this Plugboard configuration in the results"
    )
    parser.add_argument("--threads", type=int, default=1, help="torch threads of every run")
    parser.add_argument("--report-only", action="store_true", help="only tabulate the runs recorded")
    parser.add_argument("overrides", nargs="*", help="config overrides for the Plugboard runs")
    args = parser.parse_args()
    runs_file = args.output_dir / "joey_parity_runs.jsonl"
    if args.report_only:
        return report(runs_file, args.output_dir)
    splits = export_splits(CACHE / "data")
    peer = peer_python() if "joey" in args.arms else None
    for seed in args.seeds:
        for variant in args.variants:
            for arm in args.arms:
                if arm == "joey" and isinstance(peer, str):
                    continue
                if arm == "joey":
                    run = run_joey(peer, splits, PAIRS[variant], seed, args.epochs, args.threads)
                else:
                    run = run_plugboard(variant, seed, args.epochs, args.threads, args.overrides)
                run |= {"arm": arm, "variant": variant, "seed": seed, "epochs": args.epochs}
                run["label"] = args.label if arm == "plugboard" else f"joeynmt {PEER_VERSION}"
                run["overrides"] = args.overrides if arm == "plugboard" else []
                with runs_file.open("a") as file:
                    file.write(json.dumps(run) + "\n")
                print(f"{arm:<9} {variant:<8} seed {seed}: {run['exact_match']:.1%} ({run['seconds']:.0f} s)")
    if isinstance(peer, str):
        print(f"Joey NMT skipped: {peer}")
    report(runs_file, args.output_dir)


def export_splits(folder: Path) -> Path:
    """The default reverse job's train, val and test splits as the peer reads them:
    `<split>.src` / `<split>.trg`, one example a line, tokens separated by spaces."""
    from hydra.utils import instantiate

    from benchmarks.common import compose

    folder.mkdir(parents=True, exist_ok=True)
    datamodule = instantiate(compose().data)
    datamodule.setup("fit")
    datamodule.setup("test")
    for split, name in {"train": "train", "val": "dev", "test": "test"}.items():
        examples = datamodule.examples[split]
        for side, suffix in ((0, "src"), (1, "trg")):
            lines = [" ".join(example[side]) for example in examples]
            (folder / f"{name}.{suffix}").write_text("\n".join(lines) + "\n")
    return folder


def peer_python() -> Path | str:
    """The peer's interpreter, installed on first use; or the reason it cannot be had."""
    import torch

    python = PEER_VENV / "bin" / "python"
    marker = PEER_VENV / f".joeynmt-{PEER_VERSION}"
    if marker.exists():
        return python
    torch_version = torch.__version__.split("+")[0]
    steps = [
        [sys.executable, "-m", "venv", str(PEER_VENV)],
        [str(python), "-m", "pip", "install", "-q", f"torch=={torch_version}"],
        [str(python), "-m", "pip", "install", "-q", f"joeynmt=={PEER_VERSION}", "importlib_metadata"],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            return f"`{' '.join(step[2:])}` failed: {done.stderr.strip().splitlines()[-1:]}"
    marker.touch()
    return python


def joey_config(splits: Path, model_dir: Path, attention: str, seed: int, epochs: int) -> dict[str, Any]:
    """The peer's config for the matched settings (Joey NMT 2.3.0's keys)."""
    side = {"max_length": 40, "level": "word", "voc_limit": 100, "voc_min_freq": 1}
    recurrent = {"type": "recurrent", "rnn_type": "gru", "hidden_size": 128, "num_layers": 1, "dropout": 0.0}
    embeddings = {"embeddings": {"embedding_dim": 64, "scale": False}}
    return {
        "name": "joey_parity",
        "joeynmt_version": PEER_VERSION,
        "model_dir": str(model_dir),
        "use_cuda": False,
        "fp16": False,
        "random_seed": seed,
        "data": {
            **{part: str(splits / part) for part in ("train", "dev", "test")},
            "dataset_type": "plain",
            "src": {"lang": "src", **side},
            "trg": {"lang": "trg", **side},
        },
        "testing": {"beam_size": 1, "eval_metrics": ["bleu"], "max_output_length": 70, "batch_size": 64},
        "training": {
            "optimizer": "adam",
            "learning_rate": 0.003,
            "learning_rate_min": 1.0e-8,
            "scheduling": "exponential",
            "decrease_factor": 1.0,
            "clip_grad_norm": 1.0,
            "batch_size": 64,
            "batch_type": "sentence",
            "epochs": epochs,
            "validation_freq": 79,  # once an epoch: 5,000 examples in batches of 64
            "logging_freq": 79,
            "early_stopping_metric": "bleu",
            "shuffle": True,
            "overwrite": True,
            "keep_best_ckpts": 1,
        },
        "model": {
            "initializer": "xavier_uniform",
            "embed_initializer": "normal",
            "embed_init_weight": 0.1,
            "bias_initializer": "zeros",
            "encoder": {**recurrent, **embeddings, "bidirectional": True},
            "decoder": {
                **recurrent,
                **embeddings,
                "hidden_dropout": 0.0,
                "input_feeding": True,
                "init_hidden": "bridge",
                "attention": attention,
            },
        },
    }


def run_joey(
    python: Path, splits: Path, attention: str, seed: int, epochs: int, threads: int
) -> dict[str, Any]:
    import yaml

    model_dir = CACHE / f"joey_{attention}_{seed}"
    config = CACHE / f"joey_{attention}_{seed}.yaml"
    config.write_text(yaml.safe_dump(joey_config(splits, model_dir, attention, seed, epochs)))
    started = time.perf_counter()
    _run([str(python), "-m", "joeynmt", "train", str(config)], threads)
    seconds = time.perf_counter() - started
    hypotheses = (model_dir / "best.hyps.test").read_text().splitlines()
    references = (splits / "test.trg").read_text().splitlines()
    correct = sum(h.split() == r.split() for h, r in zip(hypotheses, references, strict=True))
    return {"exact_match": correct / len(references), "seconds": seconds}


def run_plugboard(variant: str, seed: int, epochs: int, threads: int, overrides: list[str]) -> dict[str, Any]:
    run_dir = CACHE / "plugboard_runs" / time.strftime(f"{variant}_{seed}_%Y-%m-%d_%H-%M-%S")
    command = [sys.executable, "train.py", f"model/attention={variant}", f"seed={seed}"]
    command += [f"trainer.max_epochs={epochs}", f"hydra.run.dir={run_dir}", "task_name=joey_parity"]
    command += ["trainer.enable_progress_bar=false", "callbacks.attention_heatmaps=null", *overrides]
    started = time.perf_counter()
    _run(command, threads)
    seconds = time.perf_counter() - started
    metrics = json.loads((run_dir / "metrics.json").read_text())
    return {"exact_match": metrics["metrics"]["test/exact_match"], "seconds": seconds}


def _run(command: list[str], threads: int) -> str:
    import os

    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return done.stdout + done.stderr


def report(runs_file: Path, output_dir: Path) -> None:
    """Mean ± std of test exact match per configuration and variant, from every run recorded, and
    whether each Plugboard configuration reaches the peer's mean minus one standard deviation."""
    runs = [json.loads(line) for line in runs_file.read_text().splitlines()]
    groups: dict[tuple[str, str, int], list[float]] = {}
    seconds: dict[tuple[str, str, int], list[float]] = {}
    for run in runs:
        key = (run["label"], run["variant"], run["epochs"])
        groups.setdefault(key, []).append(100 * run["exact_match"])
        seconds.setdefault(key, []).append(run["seconds"])
    bar = {
        (variant, epochs): statistics.mean(scores) - _std(scores)
        for (label, variant, epochs), scores in groups.items()
        if label.startswith("joeynmt")
    }
    rows, summary = [], []
    for (label, variant, epochs), scores in sorted(groups.items(), key=_peer_first):
        mean, spread = statistics.mean(scores), _std(scores)
        peer = label.startswith("joeynmt")
        threshold = bar.get((variant, epochs))
        verdict = "-" if peer or threshold is None else ("yes" if mean >= threshold else "no")
        rows.append(
            [
                label,
                f"{variant} ({PAIRS[variant]})" if peer else variant,
                epochs,
                len(scores),
                f"{mean:.1f} ± {spread:.1f}",
                ", ".join(f"{score:.1f}" for score in scores),
                verdict,
                f"{statistics.median(seconds[label, variant, epochs]):.0f}",
            ]
        )
        summary.append({"label": label, "variant": variant, "epochs": epochs, "mean": mean, "std": spread})
    headers = ["configuration", "attention", "epochs", "runs", "test exact match % (mean ± std)"]
    headers += ["each run", "≥ peer's mean − std", "s/run"]
    text = "## Test exact match on the reverse task: Plugboard against Joey NMT\n\n"
    text += markdown_table(headers, rows) + "\n"
    write_results(output_dir, "joey_parity", text, {"groups": summary})


def _std(scores: list[float]) -> float:
    return statistics.stdev(scores) if len(scores) > 1 else 0.0


def _peer_first(item: tuple[tuple[str, str, int], list[float]]) -> tuple[str, bool, str]:
    (label, variant, _), _ = item
    return variant, not label.startswith("joeynmt"), label


if __name__ == "__main__":
    main()
