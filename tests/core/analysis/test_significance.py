"""Verdicts over seeds on result sets whose answers are worked out here by hand.

The exact permutation test enumerates every way to split the pooled runs into two groups of the
original sizes; with values that separate the groups completely, only the observed split (and, in
a two-sided test, as many on the other side) is as extreme, so p = 2 / C(n + m, n). Values are
multiples of 1/16, exact in binary, so that equal means are exactly equal.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import require

from plugboard.core.analysis import Job, compare_with_reference, leaderboard, markdown_table
from plugboard.core.analysis.significance import seeds_needed, smallest_p_value

require("scipy")
require("statsmodels")


def ranked(results: dict[str, list[float]]) -> list:
    """The leaderboard rows of jobs with these test/exact_match values, one job per value (seed)."""
    jobs = [
        Job(
            Path(name, str(seed)),
            f"{name}/{seed}",
            {"seed": str(seed), "model/attention": name},
            "done",
            {"test/exact_match": value},
        )
        for name, values in results.items()
        for seed, value in enumerate(values, start=1)
    ]
    return leaderboard(jobs, "test/exact_match")


def verdicts_of(results: dict[str, list[float]], alpha: float = 0.05) -> dict[str, tuple]:
    rows = ranked(results)
    verdicts = compare_with_reference(rows, "test/exact_match", higher_is_better=True, alpha=alpha)
    return {
        row.configuration["model/attention"]: (c.verdict, c.p_value, c.p_holm) if c else None
        for row, c in zip(rows, verdicts.comparisons, strict=True)
    }


def sixteenths(*values: float) -> list[float]:
    return [value / 16 for value in values]


def test_a_clear_difference_with_four_seeds_each_is_worse():
    verdicts = verdicts_of({"best": sixteenths(12, 13, 14, 15), "other": sixteenths(4, 5, 6, 7)})
    assert verdicts["best"] is None  # the reference
    verdict, p_value, p_holm = verdicts["other"]
    assert p_value == pytest.approx(2 / 70) and p_holm == pytest.approx(2 / 70)  # C(8, 4) = 70
    assert verdict == "worse"


def test_against_a_worse_reference_the_best_is_better():
    rows = ranked({"best": sixteenths(12, 13, 14, 15), "other": sixteenths(4, 5, 6, 7)})
    verdicts = compare_with_reference(rows, "test/exact_match", higher_is_better=True, reference=1)
    assert verdicts.comparisons[0].verdict == "better" and verdicts.comparisons[1] is None


def test_equal_means_are_not_distinguishable():
    # Equal means, n = m: each split and its complement have opposite differences, so at least half
    # the splits lie on either side of zero and the two-sided p is 1.
    verdicts = verdicts_of({"best": sixteenths(8, 10, 12, 14), "other": sixteenths(9, 11, 11, 13)})
    assert verdicts["other"][:2] == ("not distinguishable", pytest.approx(1.0))


def test_three_seeds_against_three_are_too_few_however_far_apart():
    verdicts = verdicts_of({"best": sixteenths(14, 15, 16), "other": sixteenths(0, 1, 2)})
    verdict, p_value, _ = verdicts["other"]
    assert p_value == pytest.approx(2 / 20)  # C(6, 3) = 20: the smallest p there is
    assert verdict == "too few runs to tell"
    assert smallest_p_value(3, 3) == pytest.approx(0.1)
    rows = ranked({"best": sixteenths(14, 15, 16), "other": sixteenths(0, 1, 2)})
    markdown = markdown_table(
        rows, ["test/exact_match"], verdicts=compare_with_reference(rows, "test/exact_match", True)
    )
    assert "3 runs against 3: no outcome could reach p ≤ 0.05 (the smallest possible p is 0.1)" in markdown
    assert "it takes 4 runs of each" in markdown


def test_the_same_three_seeds_are_enough_at_a_looser_level():
    assert (
        verdicts_of({"best": sixteenths(14, 15, 16), "other": sixteenths(0, 1, 2)}, alpha=0.1)["other"][0]
        == "worse"
    )


def test_seeds_needed_per_level():
    assert seeds_needed(0.05) == 4  # 2 / C(8, 4) = 0.029; 2 / C(6, 3) = 0.1
    assert seeds_needed(0.01) == 5  # 2 / C(10, 5) = 0.0079; 2 / C(8, 4) = 0.029


def test_holm_correction_worked_by_hand():
    """Reference R = 10..14, five seeds each, and three challengers:

    - B = 1..5, all below R: 1 of the C(10, 5) = 252 splits as extreme each side, p = 2/252.
    - D = 0, 1, 2, 3, 11.5: the splits whose R-side sum is at least R's 60 are {10, 11, 12, 13, 14}
      (60), {10, 11.5, 12, 13, 14} (60.5) and {11, 11.5, 12, 13, 14} (61.5); any split with a
      value of 3 or less sums to 53.5 at most. p = 2 · 3/252 = 6/252.
    - C = 9, 11, 12, 13, 15: the same mean as R, p = 1.
    Holm, p sorted ascending and multiplied by 3, 2, 1, each kept at least the one before:
    B 3 · 2/252 = 0.024, D max(0.024, 2 · 6/252) = 0.048, C max(0.048, 1) = 1. At 0.05, B and D
    are worse. (Bonferroni, 3 · 6/252 = 0.071, would have called D not distinguishable.)
    """
    verdicts = verdicts_of(
        {
            "R": sixteenths(10, 11, 12, 13, 14),
            "C": sixteenths(9, 11, 12, 13, 15),
            "B": sixteenths(1, 2, 3, 4, 5),
            "D": sixteenths(0, 1, 2, 3, 11.5),
        }
    )
    assert verdicts["R"] is None
    assert verdicts["B"] == ("worse", pytest.approx(2 / 252), pytest.approx(6 / 252))
    assert verdicts["D"] == ("worse", pytest.approx(6 / 252), pytest.approx(12 / 252))
    assert verdicts["C"] == ("not distinguishable", pytest.approx(1.0), pytest.approx(1.0))


def test_a_configuration_with_a_single_run_is_too_few_to_tell():
    from plugboard.core.analysis.significance import permutation_p_value

    assert permutation_p_value([0.5], [0.9, 0.91, 0.92]) == 1.0
