"""A paired comparison as cells (screen, markdown) and a few lines saying what was compared."""

from __future__ import annotations

from plugboard.core.analysis.examples import Outcomes
from plugboard.core.analysis.leaderboard import SCALE
from plugboard.core.analysis.paired import RESAMPLES, PairedResult

PAIRED_HEADER = ["measure", "A", "B", "A − B", "interval", "p", "A is", "test"]


def paired_title(a: Outcomes, b: Outcomes, split: str, examples: int) -> str:
    sides = f"A = {a.label} ({_runs(a)}) against B = {b.label} ({_runs(b)})"
    return f"{sides}: {examples} {split} examples both have"


def paired_cells(results: list[PairedResult]) -> list[list[str]]:
    """One row per measure, × 100 like the leaderboard (`correct` reads as accuracy)."""
    return [
        [
            "accuracy" if result.measure == "correct" else result.measure,
            f"{result.mean_a * SCALE:.1f}",
            f"{result.mean_b * SCALE:.1f}",
            f"{result.difference * SCALE:+.1f}",
            f"[{result.low * SCALE:+.1f}, {result.high * SCALE:+.1f}]",
            format_p(result),
            result.verdict,
            result.test,
        ]
        for result in results
    ]


def format_p(result: PairedResult) -> str:
    """A bootstrap p at its floor (no resample crossed zero) is a bound, not a value."""
    floor = 2 / (RESAMPLES + 1)
    bootstrapped = result.measure != "correct"
    return f"< {floor * 1.01:.1g}" if bootstrapped and result.p_value <= floor else f"{result.p_value:.2g}"


def paired_notes(a: Outcomes, b: Outcomes, alpha: float) -> list[str]:
    pooled = len(a.runs) > 1 or len(b.runs) > 1
    return [
        f"Values × {SCALE}, each a mean over examples"
        + (" of the mean over a configuration's runs (runs pooled per example)" if pooled else "")
        + f"; intervals {(1 - alpha) * 100:g}% paired bootstrap over examples; verdicts at {alpha:g}.",
        *(
            f"{side}: {', '.join(str(run) for run in outcomes.runs)}"
            for side, outcomes in (("A", a), ("B", b))
        ),
    ]


def paired_markdown(
    a: Outcomes, b: Outcomes, results: list[PairedResult], split: str = "test", alpha: float = 0.05
) -> str:
    examples = results[0].examples if results else 0
    lines = [f"**{paired_title(a, b, split, examples)}**", ""]
    lines += ["| " + " | ".join(PAIRED_HEADER) + " |", "|" + " --- |" * len(PAIRED_HEADER)]
    lines += ["| " + " | ".join(cells) + " |" for cells in paired_cells(results)]
    lines += ["", *(f"- {note}" for note in paired_notes(a, b, alpha))]
    return "\n".join(lines) + "\n"


def _runs(outcomes: Outcomes) -> str:
    return f"{len(outcomes.runs)} run{'s' if len(outcomes.runs) != 1 else ''}"
