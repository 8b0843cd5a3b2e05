"""Per-example test outcomes of runs, and the runs of one configuration picked by overrides.

Each run dir holds `test_examples.jsonl` (written by `plugboard.core.callbacks.TestExampleOutcomes`),
one line per test example: `{"split": "test", "id": 17, "correct": true, "cer": 0.25}`. The runs
of one configuration (its seeds) are **pooled per example**: each example gets the mean over the
runs of `correct` (the share of runs that got it right) and of every score. Pooling, rather than
testing seed 1 of A against seed 1 of B, because a seed of one configuration has no partner in the
other (the same seed number trains a different model), and because it gives one answer that uses
every run instead of one answer per seed to reconcile. The paired test then asks whether the
difference holds over test examples; whether it holds over training seeds is the leaderboard's test.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from plugboard.core.analysis.leaderboard import IGNORED_OVERRIDE_PREFIXES, IGNORED_OVERRIDES
from plugboard.core.analysis.sweep import Job

EXAMPLES_FILE = "test_examples.jsonl"
CORRECT = "correct"


class ExamplesError(Exception):
    """Runs without usable per-example outcomes, or overrides that pick no single configuration."""


@dataclass
class Outcomes:
    """One configuration's pooled outcomes on one split: {example id: {measure: mean over runs}}."""

    label: str
    runs: list[Path]
    examples: dict[str | int, dict[str, float]]


def read_examples(run_dir: Path, split: str) -> dict[str | int, dict[str, float]]:
    """The outcomes of one run on one split, by example id (`correct` as 0/1)."""
    path = run_dir / EXAMPLES_FILE
    if not path.is_file():
        raise ExamplesError(
            f"{run_dir} has no {EXAMPLES_FILE}: it was tested before per-example outcomes were "
            "recorded, or its model's test_step returns none (the format is in the docstring of "
            "plugboard.core.callbacks.TestExampleOutcomes)."
        )
    examples: dict[str | int, dict[str, float]] = {}
    splits = set()
    for line in path.read_text().splitlines():
        record = json.loads(line)
        splits.add(record.get("split"))
        if record.get("split") == split:
            measures = {key: float(value) for key, value in record.items() if _is_measure(key, value)}
            examples[record["id"]] = measures
    if not examples:
        raise ExamplesError(
            f"{path} has no example of split {split!r}; it has: {', '.join(map(str, splits))}"
        )
    return examples


def pool(label: str, run_dirs: Sequence[Path], split: str) -> Outcomes:
    """The mean of each measure over the runs, for the examples every run has."""
    per_run = [read_examples(run_dir, split) for run_dir in run_dirs]
    shared = set.intersection(*(set(examples) for examples in per_run))
    pooled = {}
    for example_id in sorted(shared, key=str):
        measures = set.intersection(*(set(examples[example_id]) for examples in per_run))
        pooled[example_id] = {
            measure: statistics.fmean(examples[example_id][measure] for examples in per_run)
            for measure in sorted(measures)
        }
    return Outcomes(label, list(run_dirs), pooled)


def outcomes_of(jobs: Sequence[Job], selection: str, split: str = "test") -> Outcomes:
    """The pooled outcomes of the configuration whose overrides include `selection`."""
    return pool(selection, [job.path for job in select_jobs(jobs, selection)], split)


def select_jobs(jobs: Sequence[Job], selector: str) -> list[Job]:
    """The finished jobs whose overrides include every `key=value` of `selector` (space-separated),
    which must all belong to one configuration (they may differ by seed or fold only)."""
    wanted = dict(item.lstrip("+").partition("=")[::2] for item in selector.split())
    chosen = [
        job
        for job in jobs
        if job.status == "done" and all(job.overrides.get(k) == v for k, v in wanted.items())
    ]
    if not chosen:
        raise ExamplesError(f"no finished job has the overrides {selector!r}")
    configurations = {_configuration(job) for job in chosen}
    if len(configurations) > 1:
        listed = "; ".join(" ".join(f"{k}={v}" for k, v in sorted(c)) for c in sorted(configurations))
        raise ExamplesError(
            f"{selector!r} matches {len(configurations)} configurations ({listed}): add overrides to pick one"
        )
    return chosen


def _configuration(job: Job) -> frozenset[tuple[str, str]]:
    return frozenset(
        (key, value)
        for key, value in job.overrides.items()
        if key not in IGNORED_OVERRIDES and not key.startswith(IGNORED_OVERRIDE_PREFIXES)
    )


def _is_measure(key: str, value: object) -> bool:
    return key not in ("split", "id") and isinstance(value, (bool, int, float))
