"""The paired comparison on per-example files written here by hand, with p-values worked out here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import require

from plugboard.core.analysis import ExamplesError, Job, compare_paired, outcomes_of, pool

require("scipy")

# Exact McNemar, 10 discordant examples 9:1: P(X ≤ 1 or X ≥ 9), X ~ Binomial(10, 1/2).
NINE_TO_ONE_P = 2 * (1 + 10) / 2**10  # 0.0215


def write_run(
    run_dir: Path, correct: list[bool], cer: list[float] | None = None, split: str = "test"
) -> Path:
    run_dir.mkdir(parents=True)
    lines = [
        {"split": split, "id": index, "correct": right, **({"cer": cer[index]} if cer else {})}
        for index, right in enumerate(correct)
    ]
    (run_dir / "test_examples.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    return run_dir


def results_by_measure(a: Path | list[Path], b: Path | list[Path], alpha: float = 0.05) -> dict:
    sides = [pool(str(side), side if isinstance(side, list) else [side], "test") for side in (a, b)]
    return {result.measure: result for result in compare_paired(*sides, alpha=alpha)}


def test_nine_discordant_examples_to_one_give_the_exact_binomial_p(tmp_path: Path):
    # 40 both right, 10 both wrong, 9 only A right, 1 only B right.
    a = [True] * 40 + [False] * 10 + [True] * 9 + [False]
    b = [True] * 40 + [False] * 10 + [False] * 9 + [True]
    correct = results_by_measure(write_run(tmp_path / "a", a), write_run(tmp_path / "b", b))["correct"]
    assert correct.p_value == pytest.approx(NINE_TO_ONE_P)
    assert correct.verdict == "better" and correct.examples == 60
    assert correct.difference == pytest.approx(8 / 60)
    assert correct.low < 8 / 60 < correct.high
    assert "10 discordant examples (9 for A, 1 for B)" in correct.test


def test_five_discordant_examples_are_too_few_to_tell(tmp_path: Path):
    # 5:0 is the most extreme outcome and still p = 2 / 2^5 = 0.0625 > 0.05.
    a, b = [True] * 10 + [True] * 5, [True] * 10 + [False] * 5
    correct = results_by_measure(write_run(tmp_path / "a", a), write_run(tmp_path / "b", b))["correct"]
    assert correct.p_value == pytest.approx(2 / 2**5)
    assert correct.verdict == "too few discordant examples to tell"


def test_runs_of_one_configuration_are_pooled_per_example(tmp_path: Path):
    # A's two runs: example 0 right in both, 1 in one of them, 2 in neither; B's one run: 1 only.
    a = [write_run(tmp_path / "a1", [True, True, False]), write_run(tmp_path / "a2", [True, False, False])]
    pooled = pool("A", a, "test")
    assert [pooled.examples[i]["correct"] for i in range(3)] == [1.0, 0.5, 0.0]
    correct = results_by_measure(a, write_run(tmp_path / "b", [False, True, False]))["correct"]
    # Example 0 favours A (1 vs 0), example 1 favours B (0.5 vs 1), example 2 is a tie.
    assert "2 discordant examples (1 for A, 1 for B)" in correct.test and correct.p_value == pytest.approx(
        1.0
    )


def test_a_constant_score_difference_is_certain_and_a_symmetric_one_is_not(tmp_path: Path):
    right = [True] * 50
    a = write_run(tmp_path / "a", right, cer=[0.3] * 50)
    b = write_run(tmp_path / "b", right, cer=[0.2] * 50)
    c = write_run(tmp_path / "c", right, cer=[0.3 if i % 2 else 0.1 for i in range(50)])
    cer = results_by_measure(a, b)["cer"]
    # Every resample's mean difference is +0.1: the interval is that point, and p is the bootstrap's
    # smallest, 2 / (10,000 + 1).
    assert (cer.low, cer.high) == (pytest.approx(0.1), pytest.approx(0.1))
    assert cer.p_value == pytest.approx(2 / 10_001) and cer.verdict == "worse"  # a higher error
    assert results_by_measure(a, b)["correct"].verdict == "too few discordant examples to tell"
    # c - b: +0.1 and -0.1 alternating, a mean difference of 0.
    symmetric = results_by_measure(c, b)["cer"]
    assert symmetric.low < 0 < symmetric.high and symmetric.verdict == "not distinguishable"


def test_only_the_examples_both_have_are_paired(tmp_path: Path):
    a = write_run(tmp_path / "a", [True] * 8)
    b = write_run(tmp_path / "b", [False] * 5)
    assert results_by_measure(a, b)["correct"].examples == 5


def test_a_run_without_per_example_outcomes_is_named(tmp_path: Path):
    (tmp_path / "old").mkdir()
    with pytest.raises(ExamplesError, match="has no test_examples.jsonl"):
        pool("old", [tmp_path / "old"], "test")
    with pytest.raises(ExamplesError, match="no example of split 'test_long'; it has: test"):
        pool("a", [write_run(tmp_path / "a", [True])], "test_long")


def test_selections_must_pick_one_configuration(tmp_path: Path):
    jobs = [
        Job(write_run(tmp_path / f"{attention}{encoder}", [True]), "", overrides, "done")
        for attention in ("dot", "none")
        for encoder in ("gru", "lstm")
        for overrides in [{"seed": "1", "model/attention": attention, "model/encoder": encoder}]
    ]
    assert outcomes_of(jobs, "model/attention=dot model/encoder=lstm").runs == [tmp_path / "dotlstm"]
    with pytest.raises(ExamplesError, match="matches 2 configurations"):
        outcomes_of(jobs, "model/attention=dot")
    with pytest.raises(ExamplesError, match="no finished job has the overrides"):
        outcomes_of(jobs, "model/attention=additive")
