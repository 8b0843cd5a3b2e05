"""When `model.compile=true` pays: a job end to end, eager, compiled on an empty cache, compiled again.

    python -m benchmarks.compile_cache                    # the default job (5 epochs on reverse)
    python -m benchmarks.compile_cache experiment=g2p data.max_words=10000 trainer.max_epochs=1

Three runs of `python train.py <overrides>`, one after the other, each timed from start to exit
(data, training, validation, test, compile included): eager; compiled with an empty cache
(a fresh `paths.compile_cache_dir`, so nothing of an earlier run is found; inductor's default
cache in the temp dir would hide the first run's cost); compiled again with the cache the
first compiled run filled. The compile time and graph counts are the run's own log line
(`plugboard.core.job.compile_cache`: dynamo's timer of whole compiles, inductor's FX-graph
cache counters).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import PROJECT_ROOT, argument_parser, markdown_table, write_results

LOG_LINE = r"torch.compile: (\d+) graph\(s\) read from the cache in \S+, (\d+) compiled anew; ([\d.]+) s"


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--name", default="compile_cache", help="name of the result files")
    parser.add_argument("overrides", nargs="*", help="config overrides of the job")
    args = parser.parse_args()
    rows, data = [], {}
    with tempfile.TemporaryDirectory(prefix="plugboard-compile-") as scratch:
        cache = Path(scratch) / "compile_cache"
        arms = {
            "eager": [],
            "compiled, empty cache": ["model.compile=true"],
            "compiled again": ["model.compile=true"],
        }
        for arm, extra in arms.items():
            seconds, output = run_job([*args.overrides, *extra], cache, Path(scratch) / arm.replace(" ", "_"))
            found = re.search(LOG_LINE, output)
            read, anew, compiling = (
                (found.group(1), found.group(2), found.group(3)) if found else ("-", "-", "-")
            )
            rows.append([arm, f"{seconds:.0f}", compiling, read, anew])
            data[arm] = {"seconds": seconds, "compile_seconds": compiling, "read": read, "compiled": anew}
            print(f"{arm:<24} {seconds:6.0f} s end to end, {compiling} s compiling", flush=True)
    table = markdown_table(
        ["run", "end to end (s)", "compiling (s)", "graphs read from the cache", "graphs compiled anew"], rows
    )
    job = " ".join(args.overrides) or "the default job"
    text = f"## `model.compile=true` end to end: {job}\n\n{table}"
    write_results(args.output_dir, args.name, text, {"overrides": args.overrides, "runs": data})


def run_job(overrides: list[str], cache: Path, logs: Path) -> tuple[float, str]:
    command = [sys.executable, "train.py", *overrides, f"paths.compile_cache_dir={cache}"]
    command += [f"paths.log_dir={logs}", "trainer.enable_progress_bar=false", "extras.print_config=false"]
    env = {key: value for key, value in os.environ.items() if key != "TORCHINDUCTOR_CACHE_DIR"}
    started = time.perf_counter()
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return seconds, done.stdout + done.stderr


if __name__ == "__main__":
    main()
