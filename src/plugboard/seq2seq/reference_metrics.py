"""Error rates against several accepted outputs per example (a word with two pronunciations).

Each decoded output is scored once, against its own list of references, so a word with
three pronunciations weighs as much as a word with one. With a single reference they
reduce to the usual figures: `SequenceErrorRate` is 1 - exact match, `ClosestReferenceErrorRate`
is the token error rate (CER). Counts are metric states summed over processes, so both are
exact under DDP.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import torch
from torchmetrics import Metric
from torchmetrics.functional.text import edit_distance

_PRIVATE_USE_START = 0xE000

TokenIds = Sequence[int]


class _ErrorRate(Metric):
    """`errors / total`, both summed states (so exact under DDP); subclasses say what they count
    and the range it lies in (`plot_upper_bound`: compare.py shows a [0, 1] rate × 100)."""

    is_differentiable = False
    higher_is_better = False
    full_state_update = False
    plot_lower_bound = 0.0

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.add_state("errors", torch.tensor(0), dist_reduce_fx="sum")
        self.add_state("total", torch.tensor(0), dist_reduce_fx="sum")

    def compute(self) -> torch.Tensor:
        return self.errors.float() / self.total


class SequenceErrorRate(_ErrorRate):
    """Share of outputs equal to none of their references: the word error rate (WER) of G2P."""

    plot_upper_bound = 1.0

    def update(self, predictions: Sequence[TokenIds], references: Sequence[Sequence[TokenIds]]) -> None:
        """predictions: one id list per example; references: the accepted id lists of each example."""
        self.errors += sum(
            all(list(prediction) != list(reference) for reference in accepted)
            for prediction, accepted in zip(predictions, references, strict=True)
        )
        self.total += len(predictions)


class ClosestReferenceErrorRate(_ErrorRate):
    """Token edits to the closest reference over that reference's length: the phoneme error rate (PER).

    Summed over outputs before dividing (corpus level, as torchmetrics' CER), so long words
    weigh more than short ones. The closest reference is the one needing fewest edits; among
    equally close ones the longest, which gives the output the lowest rate it can claim.
    Insertions count as edits, so an output longer than its reference can score above 1.
    """

    def update(self, predictions: Sequence[TokenIds], references: Sequence[Sequence[TokenIds]]) -> None:
        if not predictions:
            return
        pairs = [
            (as_code_points(prediction), as_code_points(reference), index)
            for index, (prediction, accepted) in enumerate(zip(predictions, references, strict=True))
            for reference in accepted
        ]
        distances = edit_distance([p for p, _, _ in pairs], [r for _, r, _ in pairs], reduction="none")
        options: dict[int, list[tuple[int, int]]] = defaultdict(list)  # example -> [(edits, length)]
        for (_, reference, index), distance in zip(pairs, distances.tolist(), strict=True):
            options[index].append((distance, len(reference)))
        closest = [min(choices, key=lambda option: (option[0], -option[1])) for choices in options.values()]
        self.errors += sum(edits for edits, _ in closest)
        self.total += sum(length for _, length in closest)


def as_code_points(ids: TokenIds) -> str:
    """One private-use code point per token id, so character edit distances count token edits."""
    return "".join(chr(_PRIVATE_USE_START + index) for index in ids)
