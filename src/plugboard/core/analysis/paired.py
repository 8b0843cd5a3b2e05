"""Two configurations on the same test examples: paired tests, more sensitive than tests over seeds.

Pairing removes the difference between examples (some are hard for every model) from the noise.
For each measure of the per-example outcomes (pooled over each configuration's runs, see
`examples.py`), on the examples both configurations have:

- `correct`: the **exact McNemar test**, a binomial test (scipy `binomtest`) on the discordant
  examples (A right where B is wrong, against the reverse). With several runs per side, an example
  is discordant when the share of runs that got it right differs, which makes it the sign test
  that McNemar's is a case of. With fewer than 6 discordant examples no outcome reaches p ≤ 0.05
  (the smallest two-sided p is 2 · 0.5^n), and the verdict says so.
- a score (e.g. `cer`): a **paired bootstrap** over examples (scipy `bootstrap`, percentile) of
  the mean difference; p is where the bootstrap distribution crosses zero, so p ≤ alpha exactly
  when the interval excludes zero.

Every measure's difference (A − B) comes with its paired-bootstrap interval.
"""

from __future__ import annotations

from dataclasses import dataclass

from plugboard.core.analysis.examples import CORRECT, ExamplesError, Outcomes
from plugboard.core.analysis.leaderboard import lower_is_better
from plugboard.core.analysis.significance import BETTER, SAME, WORSE

RESAMPLES = 10_000
TOO_FEW_DISCORDANT = "too few discordant examples to tell"


@dataclass
class PairedResult:
    """A against B on one measure, over the examples both have."""

    measure: str
    examples: int
    mean_a: float
    mean_b: float
    low: float  # interval of mean_a - mean_b
    high: float
    p_value: float
    test: str  # how p was found, in words
    verdict: str  # A is: better | worse | not distinguishable | too few discordant examples to tell

    @property
    def difference(self) -> float:
        return self.mean_a - self.mean_b


def compare_paired(a: Outcomes, b: Outcomes, alpha: float = 0.05) -> list[PairedResult]:
    """One result per measure both have, `correct` first."""
    shared = sorted(set(a.examples) & set(b.examples), key=str)
    if len(shared) < 2:
        raise ExamplesError(
            f"{a.label} and {b.label} share {len(shared)} test examples; a paired test needs the same "
            "test set on both sides (the same data config and data seed)"
        )
    measures = set.intersection(*(set(a.examples[i]) & set(b.examples[i]) for i in shared))
    results = []
    for measure in sorted(measures, key=lambda name: (name != CORRECT, name)):
        values_a = [a.examples[i][measure] for i in shared]
        values_b = [b.examples[i][measure] for i in shared]
        results.append(_compare_measure(measure, values_a, values_b, alpha))
    return results


def sign_test(values_a: list[float], values_b: list[float]) -> tuple[float, int, int]:
    """Exact two-sided p over the discordant examples, and how many favour A and B."""
    from scipy.stats import binomtest

    a_ahead = sum(x > y for x, y in zip(values_a, values_b, strict=True))
    b_ahead = sum(x < y for x, y in zip(values_a, values_b, strict=True))
    p_value = binomtest(a_ahead, a_ahead + b_ahead, 0.5).pvalue if a_ahead + b_ahead else 1.0
    return float(p_value), a_ahead, b_ahead


def paired_bootstrap(differences: list[float], level: float = 0.95) -> tuple[float, float, float]:
    """The percentile interval of the mean difference over examples, and its two-sided p."""
    import numpy as np
    from scipy.stats import bootstrap

    result = bootstrap(
        (np.asarray(differences, dtype=float),),
        np.mean,
        n_resamples=RESAMPLES,
        batch=1000,
        method="percentile",
        confidence_level=level,
        rng=np.random.default_rng(0),
    )
    means = result.bootstrap_distribution
    tail = min(int((means <= 0).sum()), int((means >= 0).sum()))
    p_value = min(1.0, 2 * (tail + 1) / (RESAMPLES + 1))
    low, high = result.confidence_interval
    return float(low), float(high), p_value


def _compare_measure(
    measure: str, values_a: list[float], values_b: list[float], alpha: float
) -> PairedResult:
    import numpy as np

    differences = [x - y for x, y in zip(values_a, values_b, strict=True)]
    low, high, p_value = paired_bootstrap(differences, 1 - alpha)
    test = f"paired bootstrap over {len(differences)} examples"
    too_few = False
    if measure == CORRECT:
        p_value, a_ahead, b_ahead = sign_test(values_a, values_b)
        test = f"exact McNemar on {a_ahead + b_ahead} discordant examples ({a_ahead} for A, {b_ahead} for B)"
        too_few = 2 * 0.5 ** (a_ahead + b_ahead) > alpha
    mean_a, mean_b = float(np.mean(values_a)), float(np.mean(values_b))
    a_is_higher = mean_a > mean_b
    if too_few:
        verdict = TOO_FEW_DISCORDANT
    elif p_value <= alpha:
        verdict = WORSE if a_is_higher == lower_is_better(measure) else BETTER
    else:
        verdict = SAME
    return PairedResult(measure, len(differences), mean_a, mean_b, low, high, p_value, test, verdict)
