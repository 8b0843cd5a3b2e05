"""The classifier family's DataModule: (tokens, label) examples as id tensors, vocabulary, labels.

The shared machinery (loader options, the data pipeline and its cache, splits, the data report,
length-bucketed loaders) is `plugboard.data.datamodule.PipelineDataModule`; this class adds what
is the classifier's own. Subclasses say where labelled examples come from (`read_source`: (text,
label) pairs per part) and, when the source is not already split, how to split them (`arrange`);
every example goes through the data pipeline (`pipeline`, see `plugboard.data.pipeline`) between
the two. What the model needs from the data, its vocabulary and label names, is handed over as
`metadata` (plain lists, kept in the checkpoint). Given `vocabulary` and `labels` (the saved
metadata of a model rebuilt from its checkpoint, evaluated here), the DataModule encodes with
those lists instead of building its own, and refuses data with a symbol or a label the model
never saw.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import torch

from plugboard.classifier.data.batch import ClassificationBatch, IndexedExample, collate
from plugboard.classifier.metadata import read_metadata
from plugboard.core.errors import DataError
from plugboard.data.datamodule import EVALUATED_SPLITS, SPLITS, PipelineDataModule
from plugboard.data.vocabulary import SPECIALS, Vocabulary

#: One example: its tokens and its label name.
LabelledExample = tuple[list[str], str]


class ClassificationDataModule(PipelineDataModule):
    """Holds `train`, `val`, `test` and (when the task has one) `test_long` splits.

    The vocabulary holds every symbol of every split: one seen only in evaluation keeps an
    untrained embedding (as `<unk>` would), and the saved model evaluated on this same data
    later reads all of it. The labels are `label_names()` (by default every label, sorted).
    With `vocabulary` and `labels` given for evaluation, only the splits the stage evaluates are
    kept; given for training (a warm start with `init_metadata=extend`), they are kept in their
    order and the data's new symbols and labels appended. The other arguments are the shared ones
    of `PipelineDataModule`.
    """

    def __init__(
        self,
        *,
        vocabulary: Sequence[str] | None = None,
        labels: Sequence[str] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        given = {"vocabulary": vocabulary, "labels": labels}
        self.saved_metadata = given if vocabulary is not None or labels is not None else None
        self.labels: list[str] = []

    def check_pipeline_output(self, parts: dict[str, list[LabelledExample]]) -> None:
        """The pipeline must leave the text as tokens and the label as text."""
        for part, examples in parts.items():
            if examples and not (isinstance(examples[0][0], list) and isinstance(examples[0][1], str)):
                raise DataError(
                    f"{self.describe()}: after the data pipeline the {part} examples are "
                    f"{examples[0]!r}; a classifier needs the text as tokens and the label as text: "
                    "tokenise the source side only (Tokenize with side: source)."
                )

    def label_names(self, examples: dict[str, list[LabelledExample]]) -> list[str]:
        """The label list, in the order of the model's outputs."""
        return sorted({label for split in examples.values() for _, label in split})

    @property
    def metadata(self) -> dict[str, Any]:
        """What the model is built from, as plain data: `vocabulary` and `labels`; and the
        pipeline's steps, which a rebuilt DataModule gets back."""
        if self.vocabulary is None:
            raise RuntimeError("metadata is known after setup().")
        return {
            "vocabulary": list(self.vocabulary.tokens),
            "labels": list(self.labels),
            "pipeline": self.pipeline.records(),
        }

    def build(self, stage: str | None) -> None:
        """Examples, vocabulary and id tensors, made once."""
        self.examples = self.load_examples()
        if self.saved_metadata is None:
            self.vocabulary = Vocabulary.from_sequences(
                tokens for examples in self.examples.values() for tokens, _ in examples
            )
            self.labels = self.label_names(self.examples)
        elif stage in (None, "fit"):  # training from given ids (a warm start): new ones appended
            saved_tokens, labels = read_metadata(self.saved_metadata)
            self.vocabulary = Vocabulary(saved_tokens).extended(
                tokens for examples in self.examples.values() for tokens, _ in examples
            )
            new_labels = [label for label in self.label_names(self.examples) if label not in labels]
            self.labels = [*labels, *new_labels]
        else:
            tokens, self.labels = read_metadata(self.saved_metadata)
            self.vocabulary = Vocabulary(tokens)
            evaluated = EVALUATED_SPLITS.get(stage, SPLITS)
            self.examples = {split: part for split, part in self.examples.items() if split in evaluated}
            self._refuse_what_the_model_cannot_read()
        label_ids = {label: index for index, label in enumerate(self.labels)}
        self.tensors = {
            split: [
                (
                    torch.tensor(self.vocabulary.encode(tokens), dtype=torch.long),
                    torch.tensor(label_ids[label]),
                )
                for tokens, label in examples
            ]
            for split, examples in self.examples.items()
        }

    def _refuse_what_the_model_cannot_read(self) -> None:
        """One paragraph for data with a symbol or a label not in the saved metadata."""
        known_symbols, known_labels = set(self.vocabulary.tokens) - set(SPECIALS), set(self.labels)
        for split, examples in self.examples.items():
            for number, (tokens, label) in enumerate(examples, start=1):
                symbols = sorted(set(tokens) - known_symbols)
                if symbols:
                    raise DataError(
                        f"{self.describe()}: the {split} data has symbols the model never saw "
                        f"({_listed(symbols)}, first in example {number}: {' '.join(tokens)!r}); its "
                        f"vocabulary, saved in its checkpoint, holds {len(known_symbols)} "
                        f"({_listed(sorted(known_symbols))}). Evaluate on data written with those "
                        "symbols (and the same data.pipeline), or train a model on this data."
                    )
                if label not in known_labels:
                    raise DataError(
                        f"{self.describe()}: the {split} data has a label the model was not trained "
                        f"to predict ({label!r}, first in example {number}); it knows "
                        f"{_listed(self.labels)}. Evaluate on data with those labels only, or train "
                        "a model on this data."
                    )

    def collate_function(self) -> Callable[[list[IndexedExample]], ClassificationBatch]:
        return partial(collate, pad_id=Vocabulary.pad_id)


def _listed(items: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(repr(item) for item in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")
