"""SequenceClassifier: shapes, attention pooling over real tokens, learning, metadata round-trip."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest
import torch
from helpers import compose_config
from hydra.utils import instantiate
from omegaconf import OmegaConf

from plugboard.classifier import SequenceClassifier
from plugboard.classifier.data import ClassificationBatch, collate
from plugboard.core.checkpoints.rebuild import rebuild
from plugboard.core.errors import DataError
from plugboard.core.handoff import METADATA_KEY, data_metadata, instantiate_with_metadata
from plugboard.core.paths import CONFIG_DIR

ATTENTIONS = sorted(path.stem for path in (CONFIG_DIR / "model" / "attention").glob("*.yaml"))
METADATA = {"vocabulary": ["a", "b", "c"], "labels": ["no", "yes"]}


def part(group: str, option: str, **overrides):
    config = OmegaConf.load(CONFIG_DIR / "model" / group / f"{option}.yaml")
    return instantiate(OmegaConf.merge(config, overrides))


def classifier(attention: str = "additive", encoder: str = "gru", metadata=METADATA) -> SequenceClassifier:
    sizes = {"hidden_size": 16, "embedding_size": 8} if encoder != "transformer" else {"hidden_size": 16}
    return SequenceClassifier(
        encoder=part("encoder", encoder, **sizes),
        attention=part("attention", attention),
        optimizer=partial(torch.optim.Adam, lr=0.01),
        **metadata,
        head_hidden_size=16,
    )


def batch_of(texts: list[str], labels: list[int], model: SequenceClassifier) -> ClassificationBatch:
    examples = [
        (torch.tensor(model.vocabulary.encode(list(text))), torch.tensor(label))
        for text, label in zip(texts, labels, strict=True)
    ]
    return collate(list(enumerate(examples)))


@pytest.mark.parametrize("attention", ATTENTIONS)
def test_pooling_weights_sum_to_one_over_real_tokens(attention: str) -> None:
    torch.manual_seed(0)
    model = classifier(attention).eval()
    batch = batch_of(["abcab", "ba", "c"], [0, 1, 0], model)
    logits, weights = model(batch.tokens, batch.mask, need_weights=True)
    assert logits.shape == (3, 2) and weights.shape == (3, 5)
    assert torch.allclose(weights.sum(dim=1), torch.ones(3))
    assert (weights[~batch.mask] == 0).all() and (weights[batch.mask] > 0).all()
    unweighted, _ = model(batch.tokens, batch.mask)  # the fused path where a variant has one
    assert torch.allclose(unweighted, logits, atol=1e-5)


def test_no_attention_pools_by_the_mean() -> None:
    model = classifier("none").eval()
    batch = batch_of(["abca", "ba"], [0, 1], model)
    _, weights = model(batch.tokens, batch.mask, need_weights=True)
    assert torch.allclose(weights, torch.tensor([[0.25] * 4, [0.5, 0.5, 0, 0]]))


@pytest.mark.parametrize("encoder", ["lstm", "transformer"])
def test_other_encoders_fit_the_same_pooling(encoder: str) -> None:
    model = classifier("dot", encoder)
    batch = batch_of(["abc", "b"], [0, 1], model)
    assert model(batch.tokens, batch.mask)[0].shape == (2, 2)


def test_learns_a_separable_toy_set_in_a_few_steps() -> None:
    torch.manual_seed(0)
    model = classifier("dot")
    texts = ["aab", "bca", "cab", "acb", "bbc", "cbc", "ccb", "bcc"]  # label: has an "a"
    batch = batch_of(texts, [1, 1, 1, 1, 0, 0, 0, 0], model)
    optimizer = model.configure_optimizers()
    for _ in range(40):
        loss = model.training_step(batch, 0)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.1
    assert model.predict_step(batch, 0) == ["yes"] * 4 + ["no"] * 4
    outcomes = model.test_step(batch, 0)  # what the core writes to test_examples.jsonl
    assert outcomes["split"] == "test"
    assert outcomes["examples"]["id"].tolist() == list(range(8)) and outcomes["examples"]["correct"].all()


def test_checkpoint_metadata_rebuilds_the_same_model_and_data(tmp_path: Path) -> None:
    """Through the core's hand-off: metadata to the model, into a checkpoint, back to both."""
    small = ["data.train_size=40", "data.val_size=10", "data.test_size=10", "model.encoder.hidden_size=16"]
    cfg = compose_config(["model=classifier", "data=dyck", *small], tmp_path)
    datamodule = instantiate(cfg.data)
    datamodule.setup("fit")
    metadata = data_metadata(datamodule)
    assert metadata == {
        "vocabulary": datamodule.vocabulary.tokens,
        "labels": ["unbalanced", "balanced"],
        "pipeline": [
            {"_target_": "plugboard.data.pipeline.tokenize.Tokenize", "side": "source", "split": "characters"}
        ],
    }
    model = instantiate_with_metadata(cfg.model, metadata).eval()
    config = OmegaConf.to_container(cfg, resolve=True)
    path = tmp_path / "model.ckpt"
    torch.save({"state_dict": model.state_dict(), "config": config, METADATA_KEY: metadata}, path)

    rebuilt = rebuild(path)
    rebuilt.datamodule.setup("test")
    batch = next(iter(rebuilt.datamodule.test_dataloader()[0]))
    assert torch.equal(batch.tokens, next(iter(datamodule.test_dataloader()[0])).tokens)
    assert rebuilt.model.predict_step(batch, 0) == model.predict_step(batch, 0)
    assert set(model.predict_step(batch, 0)) <= {"unbalanced", "balanced"}

    other = tmp_path / "other.tsv"
    other.write_text("(<>)\tbalanced\n<()>\tbalanced\n", encoding="utf-8")
    tsv = OmegaConf.create(
        {"_target_": "plugboard.classifier.data.LabelledTsvDataModule", "path": str(other)}
    )
    with pytest.raises(DataError, match=r"the test data has symbols the model never saw \('<', '>'"):
        rebuild(path, data=OmegaConf.merge(tsv, {"val_fraction": 0, "test_fraction": 0.5})).datamodule.setup(
            "test"
        )


def test_metadata_without_labels_is_one_paragraph() -> None:
    with pytest.raises(DataError, match="'labels' is missing") as error:
        classifier(metadata={"vocabulary": ["a"]})
    assert "\n" not in str(error.value)
