"""The sequence classifier LightningModule: encoder, attention pooling, classification head.

Its parts (encoder, attention, optimizer, scheduler) arrive as partials from the config
groups under `configs/model/`, the same ones the seq2seq family uses, and are completed here
with the sizes only the model knows. `vocabulary` and `labels` come from the data's
`metadata` (the core hands each entry over as the keyword of the same name).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from plugboard.classifier.data.batch import ClassificationBatch
from plugboard.classifier.metadata import read_metadata
from plugboard.classifier.metrics import classification_metrics
from plugboard.classifier.pooling import AttentionPooling
from plugboard.data.vocabulary import Vocabulary
from plugboard.models import EvaluatedModule
from plugboard.modules.attention.base import Attention
from plugboard.modules.encoders.base import Encoder
from plugboard.modules.optimization import optimizers


class SequenceClassifier(EvaluatedModule):
    """logits = head(pool(encoder(tokens))); cross-entropy against one label per sequence."""

    progress_bar_metric = "acc"

    def __init__(
        self,
        encoder: Callable[..., Encoder],
        attention: Callable[..., Attention],
        optimizer: Callable[..., torch.optim.Optimizer],
        vocabulary: Sequence[str] | None = None,
        labels: Sequence[str] | None = None,
        scheduler: Callable[..., Any] | None = None,
        scheduler_monitor: str = "val/loss",
        head_hidden_size: int = 64,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        tokens, self.labels = read_metadata({"vocabulary": vocabulary, "labels": labels})
        self.vocabulary = Vocabulary(tokens)
        self.encoder = encoder(vocab_size=len(self.vocabulary), padding_idx=self.vocabulary.pad_id)
        self.pooling = AttentionPooling(self.encoder.output_size, attention)
        self.head = nn.Sequential(
            nn.Dropout(dropout),
            nn.Linear(self.pooling.output_size, head_hidden_size),
            nn.Tanh(),
            nn.Linear(head_hidden_size, len(self.labels)),
        )
        self.optimizer_factory, self.scheduler_factory = optimizer, scheduler
        self.scheduler_monitor = scheduler_monitor

    # ----- the model -----------------------------------------------------------------
    def forward(
        self, tokens: torch.Tensor, mask: torch.Tensor, need_weights: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """tokens [B, S], mask [B, S] -> logits [B, labels], pooling weights [B, S] (if asked)."""
        states = self.encoder(tokens, mask).states
        pooled, weights = self.pooling(states, mask, need_weights=need_weights)
        return self.head(pooled), weights

    # ----- Lightning hooks ----------------------------------------------------------------
    def training_step(self, batch: ClassificationBatch, batch_idx: int) -> torch.Tensor:
        logits, _ = self(batch.tokens, batch.mask)
        loss = F.cross_entropy(logits.float(), batch.labels)
        self.log("train/loss", loss, prog_bar=True, batch_size=batch.labels.shape[0])
        return loss

    def predict_step(self, batch: ClassificationBatch, batch_idx: int) -> list[str]:
        """The predicted label name of each sequence."""
        logits, _ = self(batch.tokens, batch.mask)
        return [self.labels[index] for index in logits.argmax(dim=-1).tolist()]

    # ----- evaluation: validation and test steps come from EvaluatedModule ---------------------
    def evaluation_metrics(self) -> nn.Module:
        return classification_metrics(len(self.labels))

    def evaluation_step(self, batch: ClassificationBatch, split: str) -> dict[str, torch.Tensor]:
        """Logs the loss, updates the metrics; returns whether each example was right (for paired
        comparisons between runs in compare.py)."""
        logits, _ = self(batch.tokens, batch.mask)
        self.log_loss(split, F.cross_entropy(logits.float(), batch.labels), batch.labels.shape[0])
        predicted = logits.argmax(dim=-1)
        self.metrics_of(split).update(predicted, batch.labels)
        return {"id": batch.ids, "correct": predicted == batch.labels}

    def configure_optimizers(self) -> Any:
        return optimizers(
            self.parameters(), self.optimizer_factory, self.scheduler_factory, self.scheduler_monitor
        )
