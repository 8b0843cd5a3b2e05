"""Everything that needs a GPU, checked in one command; one markdown table comes out.

    make gpu-check                        # or: python scripts/gpu_check.py
    python scripts/gpu_check.py --wheelhouse wheelhouse    # a machine without network, see below

Each row is a real `python train.py` run of a transformer seq2seq model (hidden size 512,
batch 256, sources and targets of 32 tokens) on the GPU, trained for one epoch of --steps steps, then
validated and tested on two batches: 32-true, bf16-mixed and 16-mixed precision,
`model.compile=true`, and DDP over every visible GPU (when there are several). Throughput is
source + target tokens per second over the steps after the warm-up (all ranks together for
DDP). Then the attention-cost benchmark's variants at GPU sizes (forward + backward, batch 16,
size 128, S queries x S keys): milliseconds and peak GPU memory. The table is printed and
written to logs/gpu_check/gpu_check.md; each run's dir is in logs/gpu_check/.

It uses the torch already installed and never installs or replaces it. Without a CUDA GPU it
says so and exits 0. A GPU machine may come with its own Python and torch and no network:
download the project's other dependencies as wheels where there is network, for that
machine's Python version and platform, and bring the folder along:

    python scripts/gpu_check.py --print-requirements > requirements-gpu.txt
    pip download --dest wheelhouse --only-binary=:all: --python-version 3.11 \\
        --platform manylinux2014_x86_64 -r requirements-gpu.txt
    # on the GPU machine (installs with --no-index --find-links wheelhouse, torch pinned):
    python scripts/gpu_check.py --wheelhouse wheelhouse
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "logs" / "gpu_check"
BATCH, LENGTH = 256, 32
MODEL = [
    "model=transformer",
    "model.encoder.hidden_size=512",
    "model.encoder.feedforward_size=2048",
    "model.encoder.num_heads=8",
    "model.decoder.num_heads=8",
    "model.decoder.feedforward_size=2048",
]
DATA = [f"data.batch_size={BATCH}", f"data.task.min_length={LENGTH}", f"data.task.max_length={LENGTH}"]
DATA += ["data.task.long_max_length=40", "data.val_size=512", "data.test_size=512", "data.pin_memory=true"]
ATTENTION_LENGTHS = (512, 1024, 2048, 4096, 8192)
ACCELERATOR = "gpu"  # what every run trains on


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=120, help="training steps per run (default 120)")
    parser.add_argument("--wheelhouse", type=Path, help="install the other dependencies from these wheels")
    parser.add_argument("--print-requirements", action="store_true", help="what to download, torch left out")
    args = parser.parse_args()
    if args.print_requirements:
        print("\n".join(requirements()))
        return 0
    import torch

    if not torch.cuda.is_available():
        print(f"No CUDA GPU visible to torch {torch.__version__}: nothing to check (exit 0).")
        return 0
    if args.wheelhouse:
        install_from(args.wheelhouse, torch.__version__)
    gpus = torch.cuda.device_count()
    print(f"{gpus} x {torch.cuda.get_device_name(0)}, torch {torch.__version__}, CUDA {torch.version.cuda}")
    rows = [train_row("fp32", ["trainer.precision=32-true"], args.steps, warmup=10)]
    rows.append(train_row("bf16-mixed", ["trainer.precision=bf16-mixed"], args.steps, warmup=10))
    rows.append(train_row("16-mixed", ["trainer.precision=16-mixed"], args.steps, warmup=10))
    compiled = ["trainer.precision=bf16-mixed", "model.compile=true"]
    rows.append(train_row("bf16-mixed, model.compile=true", compiled, args.steps + 30, warmup=40))
    if gpus > 1:
        ddp = ["trainer=ddp", f"trainer.devices={gpus}", "trainer.precision=bf16-mixed"]
        rows.append(train_row(f"DDP on {gpus} GPUs, bf16-mixed", ddp, args.steps, warmup=10, ranks=gpus))
    else:
        rows.append(("DDP over all GPUs", "skipped", "", "one GPU visible"))
    rows += attention_rows(torch)
    table = ["| check | result | tokens/s | detail |", "| --- | --- | ---: | --- |"]
    table += [f"| {' | '.join(row)} |" for row in rows]
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "gpu_check.md").write_text("\n".join(table) + "\n")
    print("\n".join(table))
    return 0 if all(row[1] in ("ok", "skipped") for row in rows) else 1


def train_row(name: str, overrides: list[str], steps: int, warmup: int, ranks: int = 1) -> tuple[str, ...]:
    """One `python train.py` run on the GPU: did it end `done`, and how fast did it train."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    log_dir, timer_file = OUTPUT / slug, OUTPUT / "timings" / f"{slug}.json"
    timer = f"+callbacks.timer={{_target_: benchmarks.step_timer.StepTimer, path: '{timer_file}'}}"
    command = [sys.executable, "train.py", *MODEL, *DATA, *overrides, f"paths.log_dir={log_dir}", timer]
    command += [
        f"trainer.accelerator={ACCELERATOR}",
        f"data.train_size={BATCH * steps * ranks}",
        "trainer.max_epochs=1",
    ]
    command += [
        "++trainer.limit_val_batches=2",
        "++trainer.limit_test_batches=2",
        "callbacks.attention_heatmaps=null",
    ]
    command += ["extras.print_config=false", "task_name=gpu_check", "logger=csv"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    print(f"Running: {name}", flush=True)
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
    records = sorted(log_dir.glob("gpu_check/runs/*/metrics.json"))
    status = json.loads(records[-1].read_text())["status"] if records else "no metrics.json"
    if result.returncode != 0 or status != "done" or not timer_file.is_file():
        return (name, "FAILED", "", f"exit {result.returncode}, {status}: {result.stderr.strip()[-300:]!r}")
    starts = json.loads(timer_file.read_text())["batch_starts"]
    step_s = statistics.median(b - a for a, b in zip(starts[warmup:], starts[warmup + 1 :], strict=False))
    tokens = BATCH * 2 * (LENGTH + 1) * ranks / step_s
    return (name, "ok", f"{tokens:,.0f}", f"{step_s * 1000:.1f} ms/step, {len(starts)} steps")


def attention_rows(torch) -> list[tuple[str, ...]]:
    """The attention-cost benchmark's variants on the GPU: one forward + backward at each length."""
    sys.path[:0] = [str(ROOT), str(ROOT / "src")]
    from benchmarks.attention_cost import build, cases

    rows = []
    for name, need_weights in cases():
        attention, costs = build(name).cuda(), []
        for length in ATTENTION_LENGTHS:
            try:
                costs.append(f"S={length}: {attention_cost(torch, attention, need_weights, length)}")
            except torch.cuda.OutOfMemoryError:
                costs.append(f"S={length}: out of memory")
                break
            finally:
                torch.cuda.empty_cache()
        rows.append((f"attention {name}{', weights' if need_weights else ''}", "ok", "", "; ".join(costs)))
    return rows


def attention_cost(torch, attention, need_weights: bool, length: int) -> str:
    """As benchmarks.attention_cost measures it (query [16, S, 128], keys = values), on the GPU."""
    from benchmarks.attention_cost import BATCH, SIZE, forward_backward

    query, keys, values = (
        torch.randn(BATCH, length, SIZE, device="cuda", requires_grad=True) for _ in range(3)
    )
    tensors = (query, keys, values, torch.ones(BATCH, length, dtype=torch.bool, device="cuda"))
    return cuda_cost(torch, lambda: forward_backward(attention, tensors, need_weights))


def cuda_cost(torch, step, repeats: int = 3) -> str:
    """Mean time of `step` by CUDA events after one untimed call, and the peak memory allocated."""
    step()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(repeats):
        step()
    end.record()
    torch.cuda.synchronize()
    return f"{start.elapsed_time(end) / repeats:.1f} ms, {torch.cuda.max_memory_allocated() / 2**20:.0f} MiB"


def requirements() -> list[str]:
    """The project's dependencies without torch (the GPU machine's own torch is kept).

    Read from pyproject.toml by hand: tomllib is not in Python 3.10."""
    text = (ROOT / "pyproject.toml").read_text()
    block = text[text.index("\ndependencies = [") : text.index("\n]", text.index("\ndependencies = ["))]
    listed = re.findall(r'^\s*"([^"]+)"', block, flags=re.MULTILINE)
    return [item for item in listed if re.split(r"[<>=!~;\[ ]", item)[0] != "torch"]


def install_from(wheelhouse: Path, torch_version: str) -> None:
    """pip install the other dependencies from local wheels only, with torch pinned to the installed one."""
    constraints = OUTPUT / "constraints.txt"
    constraints.parent.mkdir(parents=True, exist_ok=True)
    constraints.write_text(f"torch=={torch_version}\n")
    command = [sys.executable, "-m", "pip", "install", "--no-index", "--find-links", str(wheelhouse)]
    subprocess.run([*command, "-c", str(constraints), *requirements()], check=True)


if __name__ == "__main__":
    sys.exit(main())
