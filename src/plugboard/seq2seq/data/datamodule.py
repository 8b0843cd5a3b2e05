"""The seq2seq family's DataModule: (source, target) token pairs as id tensors, one vocabulary.

The shared machinery (loader options, the data pipeline and its cache, splits, the data report,
length-bucketed loaders) is `plugboard.data.datamodule.PipelineDataModule`; this class adds what
is seq2seq's own. Subclasses say where examples come from (`read_source`: text pairs per part of
the source) and, when the source is not already split, how to split what the pipeline kept
(`arrange`). `predict.py` and `serve.py` apply the same pipeline to raw text. Examples are turned
into id tensors once in `setup`, so a training step does no Python tokenisation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import torch
from torch.nn.utils.rnn import pad_sequence

from plugboard.core.errors import DataError
from plugboard.data.datamodule import EVALUATED_SPLITS, PipelineDataModule
from plugboard.data.vocabulary import Vocabulary
from plugboard.seq2seq.data.batch import Seq2SeqBatch, collate_indexed
from plugboard.seq2seq.data.tasks.base import Example

# An evaluation example may also list every output it accepts, `target` first (a word with
# two pronunciations); its metrics then count an output right when it matches any of them.
MultiReferenceExample = tuple[list[str], list[str], list[list[str]]]


class Seq2SeqDataModule(PipelineDataModule):
    """Holds `train`, `val`, `test` and (when the task has one) `test_long` splits.

    `pipeline` lists the steps from the source's text to tokens (None: the task's
    `default_pipeline()`); it is saved with the model (`metadata`) and comes back on rebuild, so
    predict and serve read raw input through the same steps. `vocabulary` fixes the token list
    (the core hands over the one saved in a checkpoint, see `plugboard.core.handoff`); when it is
    None the vocabulary is built from the training split, and `metadata` hands it to the model.
    Given for training (a warm start with `init_metadata=extend`), it is kept in its order and the
    training split's new symbols are appended; given for evaluation, unknown symbols are refused.
    `training_lengths` likewise: the longest source and target (tokens) the model was trained
    on, `{"source": 25, "target": 25}`, measured on the training split when not given; predict
    and serve warn of an input far longer. The other arguments are the shared ones of
    `PipelineDataModule`.
    """

    def __init__(
        self,
        *,
        vocabulary: Sequence[str] | None = None,
        training_lengths: Mapping[str, int] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.vocabulary = Vocabulary(vocabulary) if vocabulary is not None else None
        self.training_lengths = dict(training_lengths) if training_lengths is not None else None

    @property
    def metadata(self) -> dict[str, Any]:
        """What the model needs from the data: the vocabulary (valid after `setup`); the pipeline's
        steps as plain data, which a rebuilt DataModule gets back; and the training lengths."""
        if self.vocabulary is None:
            return {}
        metadata = {"vocabulary": list(self.vocabulary.tokens), "pipeline": self.pipeline.records()}
        if self.training_lengths is not None:
            metadata["training_lengths"] = self.training_lengths
        return metadata

    def build(self, stage: str | None) -> None:
        """Examples, vocabulary and id tensors, made once."""
        self.examples = self.load_examples()
        if self.training_lengths is None and self.examples.get("train"):
            train = self.examples["train"]
            self.training_lengths = {
                "source": max(len(example[0]) for example in train),
                "target": max(len(example[1]) for example in train),
            }
        train = self.examples.get("train", [])
        train_sequences = [example[0] for example in train] + [example[1] for example in train]
        if self.vocabulary is None:
            self.vocabulary = Vocabulary.from_sequences(train_sequences)
        elif stage in (None, "fit"):  # training from given ids (a warm start): new symbols get new ids
            self.vocabulary = self.vocabulary.extended(train_sequences)
        else:
            self._refuse_unknown_symbols(EVALUATED_SPLITS.get(stage, ()))
        self.tensors = {split: self._tensorise(examples) for split, examples in self.examples.items()}

    def _refuse_unknown_symbols(self, splits: Sequence[str]) -> None:
        """With a vocabulary given (a trained model's), data it cannot encode is an error, not `<unk>`."""
        known = set(self.vocabulary.tokens)
        for split in splits:
            examples = self.examples.get(split, [])
            for number, example in enumerate(examples, start=1):
                unknown = sorted({token for part in example[:2] for token in part} - known)
                if unknown:
                    raise DataError(
                        f"The {split} data has symbols the model never saw in training: "
                        f"{', '.join(map(repr, unknown[:10]))} (first in example {number}: "
                        f"{' '.join(example[0])!r}). The model's vocabulary has {len(known)} symbols, "
                        "saved in its checkpoint; evaluate it on data written with the same symbols."
                    )

    def _tensorise(self, examples: list[Example | MultiReferenceExample]) -> list[tuple[torch.Tensor, ...]]:
        """Id tensors of each example: views into one tensor per split part (one allocation, not one
        per example, which made this the slowest part of setting up CMUdict)."""
        if not examples:
            return []
        encode = self.vocabulary.encode
        sources = _views([encode(example[0]) for example in examples])
        targets = _views([encode(example[1], add_eos=True) for example in examples])
        if len(examples[0]) == 2:
            return list(zip(sources, targets, strict=True))
        references = [
            pad_sequence(
                [torch.tensor(encode(reference, add_eos=True)) for reference in example[2]],
                batch_first=True,
                padding_value=Vocabulary.pad_id,
            )
            for example in examples
        ]
        return list(zip(sources, targets, references, strict=True))

    def collate_function(self) -> Callable[[list[tuple[int, tuple[torch.Tensor, ...]]]], Seq2SeqBatch]:
        return partial(collate_indexed, pad_id=Vocabulary.pad_id)

    def example_length(self, example: tuple[torch.Tensor, ...]) -> tuple[int, int]:
        """Target length first: the decoder runs one step per target position."""
        return len(example[1]), len(example[0])


def _views(rows: list[list[int]]) -> tuple[torch.Tensor, ...]:
    flat = torch.tensor([index for row in rows for index in row], dtype=torch.long)
    return flat.split([len(row) for row in rows])
