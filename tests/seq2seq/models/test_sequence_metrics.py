"""The metrics mean what their names say, checked against numbers computed by hand."""

from __future__ import annotations

import pytest
import torch

from plugboard.data.vocabulary import Vocabulary
from plugboard.seq2seq.sequence_metrics import SequenceMetrics

VOCABULARY = Vocabulary(["a", "b", "c", "d"])
PAD, EOS = VOCABULARY.pad_id, VOCABULARY.eos_id


def ids(text: str, length: int | None = None) -> list[int]:
    row = VOCABULARY.encode(list(text), add_eos=True)
    return row + [PAD] * ((length or len(row)) - len(row))


def test_exact_match_counts_whole_sequences_and_ignores_what_follows_eos():
    target = torch.tensor([ids("abc", 5), ids("ab", 5), ids("abcd"), ids("a", 5)])
    predicted = torch.tensor(
        [
            ids("abc") + [4],  # right, then junk after <eos>
            ids("ab", 5),  # right
            ids("abc", 5),  # stops one token early
            ids("ab", 5),  # one token too many
        ]
    )
    metrics = SequenceMetrics(VOCABULARY)
    metrics.update_decoded(predicted, target)
    assert metrics.compute()["exact_match"].item() == pytest.approx(0.5)


def test_cer_is_token_edits_over_reference_length():
    target = torch.tensor([ids("abcd")])
    predicted = torch.tensor([ids("abd")])  # one deletion in four tokens
    metrics = SequenceMetrics(VOCABULARY)
    metrics.update_decoded(predicted, target)
    assert metrics.compute()["cer"].item() == pytest.approx(0.25)


def test_bleu_is_one_for_identical_outputs_and_lower_otherwise():
    target = torch.tensor([ids("abcdabcd")])
    perfect, partial = SequenceMetrics(VOCABULARY), SequenceMetrics(VOCABULARY)
    perfect.update_decoded(target.clone(), target)
    partial.update_decoded(torch.tensor([ids("abcdbbcd")]), target)
    assert perfect.compute()["bleu"].item() == pytest.approx(1.0)
    assert 0.0 < partial.compute()["bleu"].item() < 1.0


def test_token_accuracy_is_micro_averaged_and_ignores_padding():
    target = torch.tensor([ids("ab", 5), ids("abcd")])  # 3 + 5 real positions
    logits = torch.full((2, 5, len(VOCABULARY)), -10.0)
    logits.scatter_(2, target.unsqueeze(-1), 10.0)  # all right...
    logits[0, 1] = 0.0
    logits[0, 1, VOCABULARY.encode(["c"])[0]] = 10.0  # ...but one wrong
    logits[0, 4, 5] = 99.0  # a wrong guess on padding does not count
    metrics = SequenceMetrics(VOCABULARY)
    metrics.update_teacher_forced(logits, target)
    assert metrics.compute()["token_accuracy"].item() == pytest.approx(7 / 8)


def test_cut_outputs_counts_the_decoded_rows_that_never_reached_eos():
    target = torch.tensor([ids("ab", 4), ids("ab", 4), ids("ab", 4)])
    predicted = torch.tensor([ids("ab", 4), [4, 5, 4, 5], ids("abc")])  # the second hit the cap
    metrics = SequenceMetrics(VOCABULARY)
    metrics.update_decoded(predicted, target)
    metrics.update_decoded(torch.tensor([[4, 4, 4, 4]]), target[:1])
    assert metrics.compute()["cut_outputs"].item() == 2
