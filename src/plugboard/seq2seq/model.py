"""The seq2seq LightningModule: it owns the loss, the metrics, decoding and logging.

Its parts (encoder, decoder, attention, optimizer, scheduler) arrive as partials from the
config groups under `configs/model/`, and are completed here with the sizes only the
model knows (vocabulary size, encoder output size).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from plugboard.core.errors import ConfigError
from plugboard.core.job.logs import get_logger
from plugboard.data.padding import pad_or_cut
from plugboard.data.vocabulary import Vocabulary
from plugboard.models import EvaluatedModule
from plugboard.modules.attention.base import Attention
from plugboard.modules.decoders.base import Decoder
from plugboard.modules.encoders.base import Encoder, EncoderOutput
from plugboard.modules.initialization import Initialization
from plugboard.modules.optimization import optimizers
from plugboard.seq2seq.data.batch import Seq2SeqBatch
from plugboard.seq2seq.decoding import Hypotheses, greedy_decode
from plugboard.seq2seq.length_notes import length_cap_in_words
from plugboard.seq2seq.sequence_metrics import SequenceMetrics

log = get_logger(__name__)


class Seq2SeqModule(EvaluatedModule):
    """logits = decoder(target prefix, encoder(source)); cross-entropy per target token."""

    progress_bar_metric = "exact_match"

    def __init__(
        self,
        encoder: Callable[..., Encoder],
        decoder: Callable[..., Decoder],
        attention: Callable[..., Attention],
        optimizer: Callable[..., torch.optim.Optimizer],
        vocabulary: Sequence[str],
        scheduler: Callable[..., Any] | None = None,
        scheduler_monitor: str = "val/loss",
        label_smoothing: float = 0.0,
        teacher_forcing_ratio: float = 1.0,
        beam_size: int = 1,
        max_output_length: int | None = None,
        compile: bool = False,
        init: Initialization | None = None,
    ) -> None:
        super().__init__()
        self.vocabulary = Vocabulary(vocabulary)
        self.encoder = encoder(vocab_size=len(self.vocabulary), padding_idx=self.vocabulary.pad_id)
        self.decoder = decoder(
            vocab_size=len(self.vocabulary),
            encoder_size=self.encoder.output_size,
            attention=attention,
            padding_idx=self.vocabulary.pad_id,
        )
        self.optimizer_factory, self.scheduler_factory = optimizer, scheduler
        self.scheduler_monitor = scheduler_monitor
        self.label_smoothing, self.teacher_forcing_ratio = label_smoothing, teacher_forcing_ratio
        self.beam_size, self.max_output_length = beam_size, max_output_length
        self.compile_modules, self._modules_compiled = compile, False
        if init is not None:  # None: each layer as PyTorch builds it
            init(self)

    # ----- the model -----------------------------------------------------------------
    def encode(self, batch: Seq2SeqBatch) -> EncoderOutput:
        return self.encoder(batch.source, batch.source_mask)

    def teacher_forced_logits(self, batch: Seq2SeqBatch, teacher_forcing_ratio: float = 1.0) -> torch.Tensor:
        """Logits [B, T, V] for every target position, given the gold prefix."""
        bos = torch.full_like(batch.target[:, :1], self.vocabulary.bos_id)
        inputs = torch.cat([bos, batch.target[:, :-1]], dim=1)
        return self.decoder(inputs, self.encode(batch), batch.source_mask, teacher_forcing_ratio)

    def loss(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(
            logits.flatten(0, 1).float(),
            target.flatten(),
            ignore_index=self.vocabulary.pad_id,
            label_smoothing=self.label_smoothing,
        )

    def generate(self, batch: Seq2SeqBatch, beam_size: int | None = None) -> Hypotheses:
        """Free-running decoding (greedy, or beam search when `beam_size > 1`)."""
        beam_size = self.beam_size if beam_size is None else beam_size
        encoded = self.encode(batch)
        max_length = self.max_output_length or 2 * batch.source.shape[1] + 10
        ids = {"bos_id": Vocabulary.bos_id, "eos_id": Vocabulary.eos_id, "pad_id": Vocabulary.pad_id}
        if beam_size > 1:
            from plugboard.seq2seq.decoding.beam import beam_search

            return beam_search(
                self.decoder, encoded, batch.source_mask, beam_size=beam_size, max_length=max_length, **ids
            )
        return greedy_decode(self.decoder, encoded, batch.source_mask, max_length=max_length, **ids)

    # ----- Lightning hooks ----------------------------------------------------------------
    def training_step(self, batch: Seq2SeqBatch, batch_idx: int) -> torch.Tensor:
        logits = self.teacher_forced_logits(batch, self.teacher_forcing_ratio)
        loss = self.loss(logits, batch.target)
        self.log("train/loss", loss, prog_bar=True, batch_size=batch.target.shape[0])
        return loss

    def predict_step(self, batch: Seq2SeqBatch, batch_idx: int) -> list[list[str]]:
        """The decoded output tokens of each example (beam search when `model.beam_size > 1`)."""
        return [self.vocabulary.decode(row) for row in self.generate(batch).tokens.tolist()]

    # ----- evaluation: validation and test steps come from EvaluatedModule ---------------------
    def evaluation_metrics(self) -> nn.Module:
        return SequenceMetrics(self.vocabulary)

    def evaluation_step(self, batch: Seq2SeqBatch, split: str) -> dict[str, Any] | None:
        """Teacher-forced loss and token accuracy, then free-running decoding: greedy while
        validating (quick, and what checkpointing watches), with `beam_size` when testing. A test
        also returns each example's outcome (see `_example_outcomes`)."""
        testing = self.trainer.testing
        logits = self.teacher_forced_logits(batch)
        self.log_loss(split, self.loss(logits, batch.target), batch.target.shape[0])
        metrics = self.metrics_of(split)
        metrics.update_teacher_forced(logits, batch.target)
        predicted = self.generate(batch, beam_size=None if testing else 1).tokens
        metrics.update_decoded(predicted, batch.target, batch.references)
        return _example_outcomes(predicted, batch, self.vocabulary) if testing else None

    def on_test_epoch_end(self) -> None:
        """Says in the log how many outputs of each test split were cut at the length cap (the
        count is also the metric `<split>/cut_outputs`)."""
        for key, metrics in self.split_metrics.items():
            cut = metrics.cut_outputs
            if cut.update_called and (count := int(cut.compute())) > 0:
                split, cap = key.removeprefix("split_"), length_cap_in_words(self.max_output_length)
                log.warning(
                    f"{split}: {count} decoded output{'s' if count > 1 else ''} hit the length cap "
                    f"({cap}) before <eos>, so they were cut, not finished ({split}/cut_outputs)."
                )

    def configure_model(self) -> None:
        """With `compile=True`: `torch.compile` the encoder's and the decoder's forward.

        In place (`nn.Module.compile`), so parameter names and checkpoints stay those of the
        uncompiled model. Lightning calls this hook before every fit, validate and test; once
        is enough. Decoding step by step (`decoder.step`) stays uncompiled.
        """
        if self.compile_modules and not self._modules_compiled:
            _require_compiler(self.trainer.strategy.root_device)
            self.encoder.compile()
            self.decoder.compile()
            self._modules_compiled = True

    def configure_optimizers(self) -> Any:
        return optimizers(
            self.parameters(), self.optimizer_factory, self.scheduler_factory, self.scheduler_monitor
        )


def _require_compiler(device: torch.device) -> None:
    """torch.compile's CPU backend writes and builds C++: say so before training, not in a traceback."""
    if device.type != "cpu":
        return
    from torch._inductor import cpp_builder

    try:
        cpp_builder.get_cpp_compiler()
    except Exception as error:  # torch raises its own InvalidCxxCompiler (or a RuntimeError)
        raise ConfigError(
            f"model.compile=true on the CPU needs a C++ compiler, and torch found none ({error}). "
            "Install one (e.g. `apt-get install g++`, or set CXX to its path), or train without "
            "compiling: model.compile=false."
        ) from None


def _example_outcomes(predicted: torch.Tensor, batch: Seq2SeqBatch, vocabulary: Vocabulary) -> dict[str, Any]:
    """Per example: its index in the split, whether it is an exact match (as `exact_match` counts:
    the decoded ids up to the target's `<eos>`), and its `cer` (token edits over the target length)."""
    from torchmetrics.functional.text import word_error_rate

    fitted = pad_or_cut(predicted, batch.target.shape[1], vocabulary.pad_id)
    correct = ((fitted == batch.target) | ~batch.target_mask).all(dim=1)
    outputs, targets = (
        [" ".join(map(str, vocabulary.strip(row))) for row in ids.tolist()]
        for ids in (predicted, batch.target)
    )
    cer = [float(word_error_rate(output, target)) for output, target in zip(outputs, targets, strict=True)]
    return {"id": batch.ids, "correct": correct, "cer": cer}
