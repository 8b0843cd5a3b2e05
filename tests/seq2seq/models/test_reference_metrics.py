"""Word and phoneme error rates against several references, checked against hand-computed numbers."""

from __future__ import annotations

import pytest
import torch

from plugboard.data.vocabulary import Vocabulary
from plugboard.seq2seq.data.batch import collate
from plugboard.seq2seq.reference_metrics import ClosestReferenceErrorRate, SequenceErrorRate
from plugboard.seq2seq.sequence_metrics import SequenceMetrics

VOCABULARY = Vocabulary(["a", "b", "c", "d", "x", "y"])
PAD, EOS = VOCABULARY.pad_id, VOCABULARY.eos_id


def tokens(text: str) -> list[int]:
    return VOCABULARY.encode(list(text))


def score(metric_class, predictions: list[str], references: list[list[str]]) -> float:
    metric = metric_class()
    metric.update([tokens(p) for p in predictions], [[tokens(r) for r in refs] for refs in references])
    return metric.compute().item()


def test_an_output_matching_any_reference_is_right():
    references = [["abcd", "abx"], ["abcd", "abx"], ["ab"]]
    # right (second reference), wrong (matches neither), wrong
    assert score(SequenceErrorRate, ["abx", "abc", "a"], references) == pytest.approx(2 / 3)


def test_per_uses_the_closest_reference_and_sums_over_words():
    references = [["abcd", "abx"]]
    assert score(ClosestReferenceErrorRate, ["abx"], references) == 0.0
    # "abxy": 1 edit from "abx" (length 3), 2 from "abcd": 1/3
    assert score(ClosestReferenceErrorRate, ["abxy"], references) == pytest.approx(1 / 3)
    # "abd": 1 edit from either; the longer reference counts: 1/4
    assert score(ClosestReferenceErrorRate, ["abd"], references) == pytest.approx(1 / 4)
    # corpus level: (1 + 2) edits over (3 + 2) reference tokens, not the mean of 1/3 and 2/2
    pair = [["abcd", "abx"], ["xy"]]
    assert score(ClosestReferenceErrorRate, ["abxy", ""], pair) == pytest.approx(3 / 5)


def test_states_merged_from_two_processes_give_the_single_process_result():
    """What DDP does at compute(): the count states of each process are summed."""
    predictions = [tokens(p) for p in ["abx", "abc", "a", "dd"]]
    references = [[tokens(r) for r in refs] for refs in [["abcd", "abx"], ["abcd"], ["ab"], ["d", "dd"]]]
    for metric_class in (SequenceErrorRate, ClosestReferenceErrorRate):
        whole, first, second = metric_class(), metric_class(), metric_class()
        whole.update(predictions, references)
        first.update(predictions[:1], references[:1])
        second.update(predictions[1:], references[1:])
        first.merge_state(second)
        assert first.compute().item() == pytest.approx(whole.compute().item())


def random_rows(generator: torch.Generator, count: int, length: int) -> torch.Tensor:
    """Token rows ending in <eos> at random places, padded after it (as decoders and collate write them)."""
    rows = torch.randint(4, len(VOCABULARY), (count, length), generator=generator)
    ends = torch.randint(0, length, (count,), generator=generator)
    positions = torch.arange(length).expand(count, length)
    rows[positions == ends[:, None]] = VOCABULARY.eos_id
    rows[positions > ends[:, None]] = VOCABULARY.pad_id
    return rows


def test_with_one_reference_wer_is_one_minus_exact_match_and_per_is_cer():
    generator = torch.Generator().manual_seed(0)
    target = random_rows(generator, 64, 6)
    predicted = random_rows(generator, 64, 8)
    predicted[:20, :6] = target[:20]  # some right, so the rates are not trivially 1
    metrics = SequenceMetrics(VOCABULARY)
    metrics.update_decoded(predicted, target)
    results = metrics.compute()
    assert 0.0 < results["wer"].item() < 1.0
    assert results["wer"].item() == pytest.approx(1 - results["exact_match"].item())
    assert results["per"].item() == pytest.approx(results["cer"].item())


def test_sequence_metrics_read_the_references_that_collate_pads():
    def example(source: str, *references: str) -> tuple[torch.Tensor, ...]:
        rows = [torch.tensor(VOCABULARY.encode(list(r), add_eos=True)) for r in references]
        padded = torch.nn.utils.rnn.pad_sequence(rows, batch_first=True)
        return torch.tensor(tokens(source)), rows[0], padded

    # The first word has two references, the second one: collate pads it with a row of padding.
    batch = collate([example("ab", "abcd", "abx"), example("c", "xy")])
    assert batch.references.shape == (2, 2, 5)
    predicted = torch.tensor([tokens("abx") + [EOS], tokens("xy") + [EOS, PAD]])
    metrics = SequenceMetrics(VOCABULARY)
    metrics.update_decoded(predicted, batch.target, batch.references)
    results = metrics.compute()
    assert results["wer"].item() == 0.0 and results["per"].item() == 0.0
    assert results["exact_match"].item() == pytest.approx(0.5)  # against the first reference only


def test_a_batch_without_references_gets_its_targets_as_the_only_ones():
    examples = [
        (torch.tensor([4]), torch.tensor([5, 6, EOS])),
        (torch.tensor([4, 5]), torch.tensor([7, EOS])),
    ]
    batch = collate(examples)
    assert torch.equal(batch.references[:, 0], batch.target) and batch.references.shape[1] == 1
