"""What each generated block of the README and the docs pages shows, read from the result files:
benchmarks/results/*.json (written by the benchmarks), docs/results/*.md (leaderboards written by
compare.py) and docs/results/{suite,presets}.json (figures of runs whose files are not kept).

Each function returns a block's Markdown; FIGURES names them as the pages' markers do.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks" / "results"
RESULTS = ROOT / "docs" / "results"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    return "\n".join(lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows])


def benchmark(name: str) -> dict[str, Any]:
    return json.loads((BENCHMARKS / f"{name}.json").read_text(encoding="utf-8"))


def source(name: str) -> dict[str, Any]:
    return json.loads((RESULTS / f"{name}.json").read_text(encoding="utf-8"))


def markdown_rows(path: Path, index: int = 0) -> list[dict[str, str]]:
    """The rows of the `index`-th table of a Markdown file, as {header: cell}."""
    tables, current = [], []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("|"):
            current.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif current:
            tables, current = [*tables, current], []
    header, _rule, *rows = tables[index]
    return [dict(zip(header, row, strict=True)) for row in rows]


def leaderboard(name: str) -> dict[str, dict[str, str]]:
    """A compare.py leaderboard in docs/results/, by attention variant, best first."""
    return {row["model/attention"]: row for row in markdown_rows(RESULTS / f"{name}.md")}


def paired(numerators: Sequence[float], denominators: Sequence[float]) -> float:
    """Median of ratios of measurements taken side by side, as the benchmarks report them."""
    return median(n / d for n, d in zip(numerators, denominators, strict=True))


# --- The README ------------------------------------------------------------------------------


def setup() -> str:
    s = source("suite")
    return textwrap.fill(
        f"Measured from a fresh clone on a {s['cores']}-core CPU ({s['date']}): `make train` took "
        f"{s['make_train_minutes']} minutes, of which creating the environment {s['environment']} "
        f"and the default training job {s['training_job']} (test exact match {s['test_exact_match']}, "
        f"{s['test_long_exact_match']} on the longer `test_long` sequences); the fast suite takes "
        f"{s['fast_suite_minutes']} minutes ({s['fast_suite_tests']} tests; {s['latest_fast_suite']} in "
        f"the latest fresh-clone check, {s['workers']} pytest-xdist workers, tests grouped by module so "
        "that a module's shared fixture is built once).",
        width=98,
        break_on_hyphens=False,
    )


def _best_against_none(board: dict[str, dict[str, str]], column: str) -> tuple[str, str]:
    best, row = next(iter(board.items()))
    return f"`{best}`: **{row[column]}**", f"`none`: {board['none'][column]}"


def results_summary() -> str:
    rows = []
    for task, board, column in [
        ("`data=reverse`, lengths 20–30, 3 seeds", "attention_reverse", "test/exact_match"),
        ("`data=dates`, 3 seeds", "attention_dates", "test/exact_match"),
    ]:
        rows.append([task, "exact match %", *_best_against_none(leaderboard(board), column)])
    for run in source("presets")["runs"]:
        rows.append(
            [run["task"], f"{run['measure']} %", f"`{run['preset']}`: **{run['value']}**", run["published"]]
        )
    best, none = _best_against_none(leaderboard("attention_classifier"), "test/acc")
    rows.append(["`data=dyck` (the classifier), 3 seeds", "accuracy %", best, none])
    return table(["task", "measure", "best here", "against"], rows)


# --- docs/results.md -------------------------------------------------------------------------


def attention_seq2seq() -> str:
    reverse, dates = leaderboard("attention_reverse"), leaderboard("attention_dates")
    headers = ["attention", "reverse, length 20–30", "reverse, `test_long` 31–40", "dates"]
    rows = [
        [f"`{name}`", row["test/exact_match"], row["test_long/exact_match"], dates[name]["test/exact_match"]]
        + [row["min/run"], dates[name]["min/run"]]
        for name, row in sorted(reverse.items(), key=lambda item: item[0] != "none")
    ]
    return table([*headers, "min/run reverse", "min/run dates"], rows)


def presets() -> str:
    rows = [
        [
            run["task"],
            f"`{run['command']}`",
            run["epochs"],
            f"{run['measure']} **{run['value']}%**{run['detail']}",
            run["published"],
        ]
        for run in source("presets")["runs"]
    ]
    return table(["task", "command", "epochs, wall time", "test result", "published"], rows)


def _board_table(name: str, columns: dict[str, str]) -> str:
    rows = [[f"`{variant}`", *(row[c] for c in columns)] for variant, row in leaderboard(name).items()]
    return table(["attention", *columns.values()], rows)


def attention_scan() -> str:
    columns = {"test/exact_match": "exact match", "test/cer": "character error", "min/run": "min/run"}
    return _board_table("attention_scan", columns)


def attention_g2p() -> str:
    columns = {"test/wer": "word error", "test/exact_match": "exact match", "test/cer": "character error"}
    return _board_table("attention_g2p", {**columns, "min/run": "min/run"})


def attention_classifier() -> str:
    columns = {"test/acc": "test acc", "test/f1": "test F1", "test_long/acc": "`test_long` acc"}
    return _board_table(
        "attention_classifier", {**columns, "test_long/f1": "`test_long` F1", "min/run": "min/run"}
    )


FIGURES: dict[str, Callable[[], str]] = {
    "setup": setup,
    "results-summary": results_summary,
    "attention-seq2seq": attention_seq2seq,
    "presets": presets,
    "attention-scan": attention_scan,
    "attention-g2p": attention_g2p,
    "attention-classifier": attention_classifier,
}
