"""Is a configuration really better than the best one? Intervals and tests over seeds.

- **Interval: Student's t over seeds** (mean ± t·std/√n). With 3–5 seeds a bootstrap interval is
  too narrow: it never reaches past the values seen, and its spread shrinks by √((n−1)/n) on top;
  the t interval pays for estimating the std from so few values (t = 4.30 for 3 seeds at 95%).
  It assumes seed-to-seed variation is roughly normal; one diverged seed makes it wide, as it should.
- **Test against the reference (the best by default): an exact permutation test** of the
  difference of means over seeds, two-sided, every split of the runs enumerated. It assumes no
  distribution, where Welch's t would rest on normality that 3 seeds cannot show, and its
  discreteness makes "too few runs" exact: with n runs against m, no outcome gets a p below
  2 / C(n+m, n) (3 against 3: 0.1); when that is above the level, the verdict is "too few runs
  to tell", not "not distinguishable".
- **Holm's correction** over all comparisons with the reference (statsmodels `multipletests`),
  the too-few ones included, so that many configurations do not make one lucky difference look real.

scipy and statsmodels are imported inside the functions: importing the analysis stays light.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from plugboard.core.analysis.leaderboard import Row

BETTER, WORSE, SAME, TOO_FEW = "better", "worse", "not distinguishable", "too few runs to tell"
# Splits enumerated exactly up to this many (10 runs against 10 is 184,756); random ones beyond.
MAX_PERMUTATIONS = 200_000


@dataclass
class Comparison:
    """One configuration against the reference, on one metric."""

    n: int  # runs of this configuration with the metric
    n_reference: int
    difference: float  # this mean minus the reference's mean
    p_value: float  # exact permutation test, two-sided, uncorrected
    p_holm: float  # Holm-corrected over every comparison with the reference
    smallest_p: float  # the smallest p any outcome could give with these numbers of runs
    verdict: str  # better | worse | not distinguishable | too few runs to tell

    def note(self, alpha: float) -> str | None:
        """Why the verdict is "too few runs to tell", and how many runs would allow an answer."""
        if self.verdict != TOO_FEW:
            return None
        return (
            f"{self.n} runs against {self.n_reference}: no outcome could reach p ≤ {alpha:g} "
            f"(the smallest possible p is {self.smallest_p:.2g}); it takes {seeds_needed(alpha)} runs of each"
        )


@dataclass
class Verdicts:
    """Every row of a leaderboard against one reference row, on one metric, at one level."""

    metric: str
    reference: int  # index of the reference row
    alpha: float
    comparisons: list[Comparison | None]  # per row; None for the reference and rows without the metric

    @property
    def tested(self) -> int:
        return sum(comparison is not None for comparison in self.comparisons)


def t_interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float] | None:
    """The `level` Student-t interval of the mean; None with fewer than two values."""
    if len(values) < 2:
        return None
    from scipy.stats import t

    mean = statistics.fmean(values)
    half_width = (
        t.ppf(0.5 + level / 2, df=len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
    )
    return float(mean - half_width), float(mean + half_width)


def permutation_p_value(values: Sequence[float], reference: Sequence[float]) -> float:
    """Two-sided p of the difference of means, exact over every split of the pooled runs."""
    import numpy as np
    from scipy.stats import permutation_test

    def difference(a: np.ndarray, b: np.ndarray, axis: int) -> np.ndarray:
        return a.mean(axis=axis) - b.mean(axis=axis)

    result = permutation_test(
        (np.asarray(values, dtype=float), np.asarray(reference, dtype=float)),
        difference,
        permutation_type="independent",
        vectorized=True,
        n_resamples=MAX_PERMUTATIONS,
        rng=np.random.default_rng(0),
    )
    return float(result.pvalue)


def smallest_p_value(n: int, m: int) -> float:
    """The smallest two-sided p the permutation test can give with n runs against m."""
    splits = math.comb(n + m, n)
    return min(1.0, 2 / splits if splits <= MAX_PERMUTATIONS else 2 / (MAX_PERMUTATIONS + 1))


def seeds_needed(alpha: float) -> int:
    """The fewest runs per configuration (as many on each side) at which p ≤ alpha is possible."""
    n = 1
    while smallest_p_value(n, n) > alpha:
        n += 1
    return n


def holm(p_values: Sequence[float], alpha: float) -> list[float]:
    """Holm-adjusted p-values: reject where adjusted p ≤ alpha."""
    if not p_values:
        return []
    from statsmodels.stats.multitest import multipletests

    return [float(p) for p in multipletests(list(p_values), alpha=alpha, method="holm")[1]]


def compare_with_reference(
    rows: list[Row], metric: str, higher_is_better: bool, alpha: float = 0.05, reference: int = 0
) -> Verdicts:
    """Every row against `rows[reference]` (the best, in a ranked leaderboard) on `metric`."""
    verdicts = Verdicts(metric, reference, alpha, [None] * len(rows))
    if not rows or not rows[reference].values(metric):
        return verdicts
    reference_values = rows[reference].values(metric)
    tested = [i for i, row in enumerate(rows) if i != reference and row.values(metric)]
    p_values = [permutation_p_value(rows[i].values(metric), reference_values) for i in tested]
    for i, p_value, p_holm in zip(tested, p_values, holm(p_values, alpha), strict=True):
        values = rows[i].values(metric)
        difference = statistics.fmean(values) - statistics.fmean(reference_values)
        smallest = smallest_p_value(len(values), len(reference_values))
        if smallest > alpha:
            verdict = TOO_FEW
        elif p_holm <= alpha:
            verdict = BETTER if (difference > 0) == higher_is_better else WORSE
        else:
            verdict = SAME
        verdicts.comparisons[i] = Comparison(
            len(values), len(reference_values), difference, p_value, p_holm, smallest, verdict
        )
    return verdicts
