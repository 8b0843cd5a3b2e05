"""The seq2seq LightningModule learns, decodes and keeps its vocabulary with its weights."""

from __future__ import annotations

from pathlib import Path

import lightning as L
import pytest
import torch
from helpers import compose_config
from hydra.utils import instantiate

from plugboard.core.callbacks import RunConfigInCheckpoint
from plugboard.core.handoff import data_metadata
from plugboard.seq2seq.data.batch import collate


def build(tmp_path: Path, *overrides: str):
    cfg = compose_config(
        [
            "data=copy",
            "data.task.max_length=6",
            "data.task.long_max_length=8",
            "data.train_size=512",
            "data.val_size=32",
            "data.test_size=32",
            "data.batch_size=32",
            "model.encoder.hidden_size=32",
            "model.encoder.embedding_size=16",
            "model.decoder.embedding_size=16",
            *overrides,
        ],
        tmp_path,
    )
    L.seed_everything(0)
    datamodule = instantiate(cfg.data)
    datamodule.setup()
    model = instantiate(cfg.model, vocabulary=datamodule.vocabulary.tokens)
    return model, datamodule


def test_teacher_forced_logits_cover_every_target_position(tmp_path):
    model, datamodule = build(tmp_path)
    batch = next(iter(datamodule.train_dataloader()))
    logits = model.teacher_forced_logits(batch)
    assert logits.shape == (*batch.target.shape, len(datamodule.vocabulary))
    assert torch.isfinite(model.loss(logits, batch.target))


@pytest.mark.parametrize("ratio", [1.0, 0.5])
def test_a_training_step_lowers_the_loss_on_its_batch(tmp_path, ratio):
    model, datamodule = build(tmp_path, f"model.teacher_forcing_ratio={ratio}", "model.label_smoothing=0.1")
    batch = next(iter(datamodule.train_dataloader()))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(5):
        loss = model.loss(model.teacher_forced_logits(batch, ratio), batch.target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_the_vocabulary_travels_in_the_checkpoint_as_plain_metadata(tmp_path):
    model, datamodule = build(tmp_path)
    checkpoint: dict = {}
    RunConfigInCheckpoint({}, data_metadata(datamodule)).on_save_checkpoint(None, model, checkpoint)
    train = datamodule.examples["train"]
    assert checkpoint["metadata"] == {
        "vocabulary": datamodule.vocabulary.tokens,
        "pipeline": datamodule.pipeline.records(),
        "training_lengths": {
            "source": max(len(e[0]) for e in train),
            "target": max(len(e[1]) for e in train),
        },
    }
    assert all(isinstance(token, str) for token in checkpoint["metadata"]["vocabulary"])
    assert model.vocabulary.tokens == datamodule.vocabulary.tokens


@pytest.mark.slow
def test_the_model_learns_to_copy(tmp_path):
    """End to end on a task a working seq2seq model must solve: copying short sequences."""
    model, datamodule = build(tmp_path, "data.train_size=2000", "model.optimizer.lr=0.005")
    trainer = L.Trainer(
        max_epochs=12,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=tmp_path,
    )
    trainer.fit(model, datamodule=datamodule)
    model.eval()
    examples = datamodule.tensors["test"]
    batch = collate(examples)
    with torch.no_grad():
        predicted = model.generate(batch).tokens
    exact = [
        datamodule.vocabulary.decode(p) == datamodule.vocabulary.decode(t)
        for p, t in zip(predicted.tolist(), batch.target.tolist(), strict=True)
    ]
    assert sum(exact) / len(exact) > 0.9


@pytest.mark.parametrize("beam_size", [1, 3])
def test_trainer_predict_returns_the_decoded_tokens(tmp_path, beam_size):
    model, datamodule = build(tmp_path, f"model.beam_size={beam_size}")
    trainer = L.Trainer(logger=False, enable_progress_bar=False, enable_model_summary=False)
    batches = trainer.predict(model, datamodule=datamodule)
    outputs = [tokens for batch in batches for tokens in batch]
    assert len(outputs) == len(datamodule.tensors["test"])
    vocabulary = set(datamodule.vocabulary.tokens)
    assert all(isinstance(tokens, list) and set(tokens) <= vocabulary for tokens in outputs)
    assert not any({"<pad>", "<bos>", "<eos>"} & set(tokens) for tokens in outputs)
