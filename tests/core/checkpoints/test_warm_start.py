"""Warm start (`init_from`): which weights are taken, which are refused, what is frozen, and what a
checkpoint must be before anything from it reaches the new run."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from omegaconf import OmegaConf
from torch import nn

from plugboard.core.checkpoints.load import CheckpointError
from plugboard.core.checkpoints.trust import UntrustedCheckpointError
from plugboard.core.checkpoints.warm_start import (
    Source,
    check_kept_first,
    check_same_metadata,
    freeze,
    load_weights,
    read_source,
)
from plugboard.core.errors import ConfigError


class Tagger(nn.Module):
    def __init__(self, vocabulary: int = 10, labels: int = 3, hidden: int = 4) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Embedding(vocabulary, hidden), nn.Linear(hidden, hidden))
        self.head = nn.Linear(hidden, labels)


def source_of(model: nn.Module, **metadata) -> Source:
    state = {name: tensor.clone() for name, tensor in model.state_dict().items()}
    return Source("trained.ckpt", state, metadata)


def same(a: torch.Tensor, b: torch.Tensor) -> bool:
    return torch.equal(a, b)


def test_every_weight_is_taken_and_the_report_says_so():
    trained, fresh = Tagger(), Tagger()
    report = load_weights(fresh, source_of(trained))
    assert all(same(fresh.state_dict()[name], trained.state_dict()[name]) for name in trained.state_dict())
    assert len(report.taken) == 5 and not report.missing and not report.unexpected
    assert report.paragraph() == "Starting from the weights of trained.ckpt: took 5 weights."


def test_init_only_takes_the_named_parts_and_counts_the_rest():
    trained, fresh = Tagger(), Tagger()
    head_before = fresh.head.weight.detach().clone()
    report = load_weights(fresh, source_of(trained), only=["encoder"])
    assert same(fresh.encoder[0].weight, trained.encoder[0].weight)
    assert same(fresh.head.weight, head_before)
    assert report.left_out == 2 and report.taken == ["encoder.0.weight", "encoder.1.bias", "encoder.1.weight"]
    # A prefix is made of whole name parts: `enc` names no weight of `encoder`.
    with pytest.raises(ConfigError, match="no weight of the checkpoint under enc is in this model"):
        load_weights(Tagger(), source_of(trained), only=["enc"])


def test_missing_and_unexpected_weights_are_reported_not_refused():
    trained = Tagger()
    state = {name: tensor for name, tensor in trained.state_dict().items() if not name.startswith("head.")}
    state["old_head.weight"] = torch.zeros(3, 4)
    report = load_weights(Tagger(), Source("trained.ckpt", state, {}))
    assert report.missing == ["head.bias", "head.weight"] and report.unexpected == ["old_head.weight"]
    paragraph = report.paragraph()
    assert "not in the checkpoint, so untrained: head.bias, head.weight" in paragraph
    assert "in the checkpoint but not in this model, so unused: old_head.weight" in paragraph


def test_weights_of_another_shape_are_refused_naming_each_and_the_way_out():
    with pytest.raises(ConfigError) as refused:
        load_weights(Tagger(hidden=8), source_of(Tagger(hidden=4)))
    message = str(refused.value)
    assert "4 weights do not fit this model" in message
    assert "encoder.0.weight is [10, 4] there, [10, 8] here" in message
    assert "init_only=" in message


def test_nothing_taken_is_refused():
    with pytest.raises(ConfigError, match="no weight of the checkpoint under decoder is in this model"):
        load_weights(Tagger(), source_of(Tagger()), only=["decoder"])


def test_extended_data_grow_rows_keeping_the_trained_ones():
    trained, fresh = Tagger(vocabulary=10, labels=3), Tagger(vocabulary=12, labels=4)
    new_rows = fresh.encoder[0].weight[10:].detach().clone()
    report = load_weights(fresh, source_of(trained), allow_grown=True)
    assert same(fresh.encoder[0].weight[:10], trained.encoder[0].weight)
    assert same(fresh.encoder[0].weight[10:], new_rows)  # new symbols keep their fresh values
    assert same(fresh.head.weight[:3], trained.head.weight) and same(fresh.head.bias[:3], trained.head.bias)
    assert report.grown == {
        "encoder.0.weight": [[10, 4], [12, 4]],
        "head.bias": [[3], [4]],
        "head.weight": [[3, 4], [4, 4]],
    }
    # Without `extend`, the same sizes are refused.
    with pytest.raises(ConfigError, match="3 weights do not fit"):
        load_weights(Tagger(vocabulary=12, labels=4), source_of(trained))


def test_only_the_first_dimension_may_grow():
    """A wider hidden size is another model, even with `extend`: its weights are not rows to add."""
    with pytest.raises(ConfigError, match="do not fit"):
        load_weights(Tagger(hidden=8), source_of(Tagger(hidden=4)), allow_grown=True)
    with pytest.raises(ConfigError, match=r"is \[12, 4\] there, \[10, 4\] here"):  # shrinking neither
        load_weights(Tagger(vocabulary=10), source_of(Tagger(vocabulary=12)), allow_grown=True)


def test_freeze_stops_training_of_the_named_modules():
    model = Tagger()
    assert freeze(model, ["encoder.1"]) == ["encoder.1"]
    assert [name for name, p in model.named_parameters() if not p.requires_grad] == [
        "encoder.1.weight",
        "encoder.1.bias",
    ]
    with pytest.raises(ConfigError, match="Tagger has no submodule 'decoder'; its modules are encoder, head"):
        freeze(model, ["decoder"])


def test_other_vocabularies_and_labels_are_refused_by_default_naming_what_differs():
    source = Source("trained.ckpt", {}, {})
    saved = {"vocabulary": ["a", "b", "c"], "labels": ["x", "y"]}
    with pytest.raises(ConfigError) as refused:
        check_same_metadata(source, saved, {"vocabulary": ["a", "b", "d"], "labels": ["x", "y"]})
    assert "vocabulary: 1 new here ('d'), 1 absent here ('c')" in str(refused.value)
    assert "init_metadata=extend" in str(refused.value)
    # Equal sizes are not equal meanings: the same entries in another order are refused too.
    with pytest.raises(ConfigError, match="the same 3 entries in another order"):
        check_same_metadata(source, saved, {"vocabulary": ["c", "b", "a"], "labels": ["x", "y"]})
    check_same_metadata(source, saved, dict(saved))


def test_extend_needs_the_data_to_keep_the_saved_entries_first():
    source = Source("trained.ckpt", {}, {})
    check_kept_first(source, {"vocabulary": ["a", "b"]}, {"vocabulary": ["a", "b", "c"]})
    with pytest.raises(ConfigError, match="does not start with the checkpoint's 2 entries"):
        check_kept_first(source, {"vocabulary": ["a", "b"]}, {"vocabulary": ["a", "c", "b"]})
    with pytest.raises(ConfigError, match="only lists"):
        check_kept_first(source, {"num_classes": 3}, {"num_classes": 4})


def test_the_model_metadata_is_what_its_constructor_takes():
    config = OmegaConf.create({"_target_": "plugboard.classifier.model.SequenceClassifier"})
    source = Source("trained.ckpt", {}, {"vocabulary": ["a"], "labels": ["x", "y"], "pipeline": []})
    assert source.model_metadata(config) == {"vocabulary": ["a"], "labels": ["x", "y"]}


def crafted(dates_checkpoint: Path, tmp_path: Path, change) -> str:
    checkpoint = torch.load(dates_checkpoint, map_location="cpu", weights_only=True)
    change(checkpoint)
    path = tmp_path / "crafted.ckpt"
    torch.save(checkpoint, path)
    return str(path)


def test_a_checkpoint_is_read_as_eval_reads_one(dates_checkpoint: Path, tmp_path: Path):
    source = read_source(str(dates_checkpoint))
    assert "vocabulary" in source.metadata and source.state_dict
    # Metadata is handed to the DataModule's constructor: a target in it is judged, never built.
    planted = crafted(
        dates_checkpoint,
        tmp_path,
        lambda c: c["metadata"].update(vocabulary={"_target_": "os.system", "_args_": ["touch /tmp/x"]}),
    )
    with pytest.raises(UntrustedCheckpointError):
        read_source(planted)
    # Weights must be tensors.
    not_tensors = crafted(dates_checkpoint, tmp_path, lambda c: c["state_dict"].update(extra=[1, 2]))
    with pytest.raises(CheckpointError, match="not a mapping of names to tensors"):
        read_source(not_tensors)
    (tmp_path / "text.ckpt").write_text("not a checkpoint")
    with pytest.raises(CheckpointError):
        read_source(str(tmp_path / "text.ckpt"))
