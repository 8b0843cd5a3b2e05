"""The metrics of one evaluation split, all from torchmetrics.

- token_accuracy: next-token accuracy under teacher forcing (micro, padding ignored).
  Flattering: the model always sees the gold prefix.
- exact_match: share of free-running decoded outputs equal to the target, `<eos>` included.
- cer: edit distance over tokens divided by the length of `target` (the character error rate
  for character-level tasks); above 1 when an output has more insertions than the target has tokens.
- bleu: corpus BLEU-4 over tokens, smoothed so short outputs are not scored 0; 0-1 scale.
- wer: share of outputs equal to none of the example's references (the word error rate of
  G2P); with one reference, 1 - exact_match.
- per: edits to the closest reference over its length (the phoneme error rate of G2P); with
  one reference, equal to cer. See reference_metrics.py.
- cut_outputs: how many decoded outputs hit the length cap (`model.max_output_length`, or twice
  the input plus 10) before their `<eos>`: outputs that were cut, not finished.

Each metric's class declares its range (torchmetrics' `plot_lower_bound`, `plot_upper_bound`):
compare.py shows those bounded in [0, 1] × 100 and the others as logged.
"""

from __future__ import annotations

import torch
from torch import nn
from torchmetrics.aggregation import SumMetric
from torchmetrics.classification import MulticlassAccuracy, MulticlassExactMatch
from torchmetrics.text import BLEUScore, CharErrorRate

from plugboard.data.padding import pad_or_cut
from plugboard.data.vocabulary import Vocabulary
from plugboard.seq2seq.reference_metrics import ClosestReferenceErrorRate, SequenceErrorRate, as_code_points

_NAMES = ("token_accuracy", "exact_match", "cer", "bleu", "wer", "per", "cut_outputs")


class SequenceMetrics(nn.Module):
    def __init__(self, vocabulary: Vocabulary) -> None:
        super().__init__()
        self.vocabulary = vocabulary
        classes, pad = len(vocabulary), vocabulary.pad_id
        self.token_accuracy = MulticlassAccuracy(classes, average="micro", ignore_index=pad)
        self.exact_match = MulticlassExactMatch(classes, ignore_index=pad)
        self.cer = TokenErrorRate()
        self.bleu = BLEUScore(n_gram=4, smooth=True)
        self.wer = SequenceErrorRate()
        self.per = ClosestReferenceErrorRate()
        self.cut_outputs = SumMetric()

    def update_teacher_forced(self, logits: torch.Tensor, target: torch.Tensor) -> None:
        self.token_accuracy.update(logits.argmax(dim=-1), target)

    def update_decoded(
        self, predicted: torch.Tensor, target: torch.Tensor, references: torch.Tensor | None = None
    ) -> None:
        """predicted [B, L] decoded ids (with <eos>); target [B, T] gold ids (with <eos>);
        references [B, R, T'] every accepted output (rows of padding for none), default: target."""
        self.exact_match.update(pad_or_cut(predicted, target.shape[1], self.vocabulary.pad_id), target)
        predicted_ids = [self.vocabulary.strip(row) for row in predicted.tolist()]
        target_ids = [self.vocabulary.strip(row) for row in target.tolist()]
        self.cer.update(
            [as_code_points(row) for row in predicted_ids], [as_code_points(row) for row in target_ids]
        )
        self.bleu.update([_as_words(row) for row in predicted_ids], [[_as_words(row)] for row in target_ids])
        accepted = self._accepted(references) if references is not None else [[row] for row in target_ids]
        self.wer.update(predicted_ids, accepted)
        self.per.update(predicted_ids, accepted)
        self.cut_outputs.update(cut_at_length_cap(predicted, self.vocabulary.eos_id).sum())

    def _accepted(self, references: torch.Tensor) -> list[list[list[int]]]:
        """The content ids of each example's references, skipping rows that are all padding."""
        pad = self.vocabulary.pad_id
        return [[self.vocabulary.strip(row) for row in rows if row[0] != pad] for rows in references.tolist()]

    def compute(self) -> dict[str, torch.Tensor]:
        results = {}
        for name in _NAMES:
            metric = getattr(self, name)
            if metric.update_called:
                results[name] = metric.compute()
        return results

    def reset(self) -> None:
        for name in _NAMES:
            getattr(self, name).reset()


class TokenErrorRate(CharErrorRate):
    """torchmetrics' CER, declared unbounded above: its plot bound of 1 does not hold, insertions
    take it past 1, and a leaderboard must not clip or scale it as a fraction."""

    plot_upper_bound = None


def cut_at_length_cap(predicted: torch.Tensor, eos_id: int) -> torch.Tensor:
    """[B] bool: the decoded rows [B, L] with no `<eos>`, which decoding stopped at its cap."""
    return ~(predicted == eos_id).any(dim=1)


def _as_words(ids: list[int]) -> str:
    return " ".join(str(index) for index in ids)
