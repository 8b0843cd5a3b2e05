"""The metrics of one evaluation split, all from torchmetrics.

- token_accuracy: next-token accuracy under teacher forcing (micro, padding ignored).
  Flattering: the model always sees the gold prefix.
- exact_match: share of free-running decoded outputs equal to the target, `<eos>` included.
- cer: edit distance over tokens divided by reference length (the character error rate for
  character-level tasks; the phoneme error rate for G2P).
- bleu: corpus BLEU-4 over tokens, smoothed so short outputs are not scored 0; 0-1 scale.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torchmetrics.classification import MulticlassAccuracy, MulticlassExactMatch
from torchmetrics.text import BLEUScore, CharErrorRate

from plugboard.data.vocabulary import Vocabulary

_PRIVATE_USE_START = 0xE000  # one code point per token id, so CER counts token edits


class SequenceMetrics(nn.Module):
    def __init__(self, vocabulary: Vocabulary) -> None:
        super().__init__()
        self.vocabulary = vocabulary
        classes, pad = len(vocabulary), vocabulary.pad_id
        self.token_accuracy = MulticlassAccuracy(classes, average="micro", ignore_index=pad)
        self.exact_match = MulticlassExactMatch(classes, ignore_index=pad)
        self.cer = CharErrorRate()
        self.bleu = BLEUScore(n_gram=4, smooth=True)

    def update_teacher_forced(self, logits: torch.Tensor, target: torch.Tensor) -> None:
        self.token_accuracy.update(logits.argmax(dim=-1), target)

    def update_decoded(self, predicted: torch.Tensor, target: torch.Tensor) -> None:
        """predicted [B, L] decoded ids (with <eos>); target [B, T] gold ids (with <eos>)."""
        self.exact_match.update(_fit_length(predicted, target.shape[1], self.vocabulary.pad_id), target)
        predicted_ids = [self.vocabulary.strip(row) for row in predicted.tolist()]
        target_ids = [self.vocabulary.strip(row) for row in target.tolist()]
        self.cer.update(
            [_as_code_points(row) for row in predicted_ids], [_as_code_points(row) for row in target_ids]
        )
        self.bleu.update([_as_words(row) for row in predicted_ids], [[_as_words(row)] for row in target_ids])

    def compute(self) -> dict[str, torch.Tensor]:
        results = {}
        for name in ("token_accuracy", "exact_match", "cer", "bleu"):
            metric = getattr(self, name)
            if metric.update_called:
                results[name] = metric.compute()
        return results

    def reset(self) -> None:
        for name in ("token_accuracy", "exact_match", "cer", "bleu"):
            getattr(self, name).reset()


def _fit_length(predicted: torch.Tensor, length: int, pad_id: int) -> torch.Tensor:
    """Pads or cuts decoded rows to the target length so they can be compared position-wise."""
    if predicted.shape[1] >= length:
        return predicted[:, :length]
    return F.pad(predicted, (0, length - predicted.shape[1]), value=pad_id)


def _as_code_points(ids: list[int]) -> str:
    return "".join(chr(_PRIVATE_USE_START + index) for index in ids)


def _as_words(ids: list[int]) -> str:
    return " ".join(str(index) for index in ids)
