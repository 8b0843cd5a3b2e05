"""What the benchmarks share: the machine's description, the default job's config, result files."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = PROJECT_ROOT / "benchmarks" / "results"
# A search's jobs run to their epoch count and draw, print and stop nothing else: the trials of
# every arm then take the same work.
QUIET_SEARCH_JOB = [
    "callbacks.early_stopping=null",
    "callbacks.attention_heatmaps=null",
    "callbacks.rich_progress_bar=null",
    "callbacks.model_summary=null",
    "extras.print_config=false",
]


def argument_parser(description: str | None) -> argparse.ArgumentParser:
    """A parser with the options every benchmark takes."""
    parser = argparse.ArgumentParser(
        description=(description or "").split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer repeats and smaller sizes (what `make bench` runs)"
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=RESULTS_DIR,
        help=f"where the result files go (default {RESULTS_DIR})",
    )
    return parser


def machine() -> dict[str, Any]:
    """The hardware and library versions a figure was measured with."""
    import torch

    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "lightning": version("lightning"),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def compose(overrides: Sequence[str] = ()) -> Any:
    """The config `python train.py <overrides>` would see (without Hydra's run dir)."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    from plugboard.core.paths import CONFIG_DIR

    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        return hydra_compose("train", overrides=list(overrides))


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def write_results(output_dir: Path, name: str, markdown: str, data: dict[str, Any]) -> None:
    """Prints `markdown` and writes it to `<name>.md`, and `data` (plus the machine) to `<name>.json`."""
    output_dir.mkdir(parents=True, exist_ok=True)
    data = {"machine": machine(), **data}
    header = _machine_line(data["machine"])
    text = f"{markdown}\n\n{header}\n"
    print(f"\n{text}")
    (output_dir / f"{name}.md").write_text(text)
    (output_dir / f"{name}.json").write_text(json.dumps(data, indent=2) + "\n")
    print(f"Written: {output_dir / name}.md, {output_dir / name}.json")


def _machine_line(info: dict[str, Any]) -> str:
    return (
        f"Measured on {info['cores']} cores ({info['cpu']}), torch {info['torch']} "
        f"({info['torch_threads']} threads), Lightning {info['lightning']}, Python {info['python']}; "
        f"1-minute load average at the end: {info['load_average_1min']}."
    )
