"""No train/serve skew: a model trained with a source transform reads raw input through it again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from helpers import compose_config
from hydra.utils import instantiate
from omegaconf import OmegaConf

from plugboard.core.checkpoints.trust import UntrustedCheckpointError
from plugboard.core.handoff import METADATA_KEY, data_metadata, instantiate_with_metadata
from plugboard.core.predict import predict
from plugboard.seq2seq.inference import InputError, load_predictor

LOWERCASE_FIRST = (
    "data.pipeline=[{_target_: plugboard.data.pipeline.lowercase.Lowercase, side: source},"
    "{_target_: plugboard.data.pipeline.strip.Strip},"
    "{_target_: plugboard.data.pipeline.tokenize.Tokenize, split: characters}]"
)
SMALL_MODEL = [
    "model.encoder.embedding_size=8",
    "model.encoder.hidden_size=8",
    "model.decoder.embedding_size=8",
]


def checkpoint_trained_on_lower_case(tmp_path: Path, pipeline: str = LOWERCASE_FIRST) -> Path:
    """A model whose every training source is lower-case (its weights are not what is tested)."""
    data = tmp_path / "words.tsv"
    words = [f"{a}{b}{c}" for a in "abc" for b in "abc" for c in "abc"]
    data.write_text("".join(f"{word}\t{word[::-1]}\n" for word in words), encoding="utf-8")
    cfg = compose_config(["data=tsv", f"data.path={data}", pipeline, *SMALL_MODEL], tmp_path)
    datamodule = instantiate(cfg.data)
    datamodule.setup("fit")
    metadata = data_metadata(datamodule)
    model = instantiate_with_metadata(cfg.model, metadata)
    path = tmp_path / "model.ckpt"
    config = OmegaConf.to_container(cfg, resolve=True)
    torch.save({"state_dict": model.state_dict(), "config": config, METADATA_KEY: metadata}, path)
    return path


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return checkpoint_trained_on_lower_case(tmp_path_factory.mktemp("skew"))


def test_predict_lower_cases_raw_input_as_training_did(checkpoint: Path, tmp_path: Path) -> None:
    overrides = [f"ckpt_path={checkpoint}", 'inputs=["ABC"," Cab "]', "extras.print_config=false"]
    assert predict(compose_config(overrides, tmp_path, config_name="predict"))["inputs"] == 2
    records = [json.loads(line) for line in (tmp_path / "predictions.jsonl").read_text().splitlines()]
    assert [record["input"] for record in records] == ["ABC", " Cab "]
    assert load_predictor(checkpoint).tokenize(["ABC"]) == [["a", "b", "c"]]


def test_serve_lower_cases_raw_input_as_training_did(checkpoint: Path) -> None:
    from fastapi.testclient import TestClient

    from plugboard.seq2seq.serving import create_app

    predictor = load_predictor(checkpoint)
    response = TestClient(create_app(predictor)).post("/predict", json={"inputs": ["ABC", "cab"]})
    assert response.status_code == 200, response.text
    expected = [prediction.output for prediction in predictor.predict(["abc", "cab"])]
    assert [item["output"] for item in response.json()["outputs"]] == expected


def test_without_the_transform_upper_case_input_is_unknown(tmp_path: Path) -> None:
    plain = "data.pipeline=[{_target_: plugboard.data.pipeline.tokenize.Tokenize, split: characters}]"
    with pytest.raises(InputError, match="'A'"):
        load_predictor(checkpoint_trained_on_lower_case(tmp_path, plain)).predict(["ABC"])


def test_a_crafted_step_in_the_saved_pipeline_is_refused_before_anything_runs(
    checkpoint: Path, tmp_path: Path
):
    saved = torch.load(checkpoint, weights_only=True)
    saved[METADATA_KEY]["pipeline"][0] = {"_target_": "plugboard.core.job.record.write_record", "path": "/x"}
    crafted = tmp_path / "crafted.ckpt"
    torch.save(saved, crafted)
    with pytest.raises(UntrustedCheckpointError, match=r"metadata.pipeline\[0\]._target_"):
        load_predictor(crafted)
