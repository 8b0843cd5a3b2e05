"""Outputs say when they were cut at the length cap, and inputs far longer than anything seen in
training are warned of: in predictions.jsonl and predict.py's log, the HTTP answer, and eval."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import torch
from fastapi.testclient import TestClient
from helpers import compose_config, read_json, run_entry_point, single_run_dir

from plugboard.core.eval import evaluate
from plugboard.core.handoff import METADATA_KEY
from plugboard.data.vocabulary import Vocabulary
from plugboard.seq2seq.inference import load_predictor
from plugboard.seq2seq.serving import create_app

DATE = "12 march 2021"


def altered_copy(checkpoint: Path, path: Path, change) -> Path:
    saved = torch.load(checkpoint, weights_only=True)
    change(saved)
    torch.save(saved, path)
    return path


@pytest.fixture(scope="module")
def endless_checkpoint(dates_checkpoint: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dates model with `<eos>` made unreachable: every output runs to the length cap."""

    def never_end(saved: dict) -> None:
        # The default decoder has no output bias: give it one that no hidden state can outweigh.
        saved["config"]["model"]["decoder"]["output_bias"] = True
        weight = saved["state_dict"]["decoder.output.weight"]
        bias = torch.zeros(weight.shape[0], dtype=weight.dtype)
        bias[Vocabulary.eos_id] = -1e4
        saved["state_dict"]["decoder.output.bias"] = bias

    return altered_copy(dates_checkpoint, tmp_path_factory.mktemp("endless") / "endless.ckpt", never_end)


def test_a_checkpoint_records_the_longest_training_example(dates_checkpoint: Path):
    saved = torch.load(dates_checkpoint, weights_only=True)[METADATA_KEY]["training_lengths"]
    report = read_json(dates_checkpoint.parent.parent / "data_report.json")["splits"]["train"]
    assert saved == {"source": report["source_length"]["max"], "target": report["target_length"]["max"]}


def test_predict_marks_outputs_cut_at_the_cap_and_says_so(endless_checkpoint: Path, tmp_path: Path):
    inputs = 'inputs=["12 march 2021","3/4/99"]'
    result = run_entry_point("predict.py", [f"ckpt_path={endless_checkpoint}", inputs], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    run_dir = single_run_dir(tmp_path, "predict")
    records = [json.loads(line) for line in (run_dir / "predictions.jsonl").read_text().splitlines()]
    assert [record["truncated"] for record in records] == [True, True]
    assert len(records[0]["tokens"]) == 2 * len(DATE) + 10  # the cap when max_output_length is unset
    assert (
        "2 of 2 outputs hit the length cap (twice the input plus 10 tokens" in result.stdout + result.stderr
    )
    assert read_json(run_dir / "metrics.json")["metrics"]["cut_outputs"] == 2


def test_an_input_far_longer_than_training_is_warned_of(dates_checkpoint: Path, caplog):
    predictor = load_predictor(dates_checkpoint)
    longest = predictor.longest_training_source
    long_input = " ".join([DATE] * (2 * longest // len(DATE) + 1))
    with caplog.at_level(logging.WARNING):
        short, long = predictor.predict([DATE, long_input])
    assert short.warning is None
    assert long.warning.startswith(f"the input has {len(long_input)} tokens, far more than the longest")
    assert f"({longest})" in long.warning
    said = [record.getMessage() for record in caplog.records if "far longer" in record.getMessage()]
    assert said == [
        f"1 of 2 inputs are far longer than the longest the model was trained on ({longest} tokens): "
        f"input 2, the longest {len(long_input)} tokens; their outputs are unreliable"
    ]


def test_the_http_answer_says_cut_and_warns(endless_checkpoint: Path):
    client = TestClient(create_app(load_predictor(endless_checkpoint), max_input_length=500))
    long_input = " ".join([DATE] * 8)
    response = client.post("/predict", json={"inputs": [DATE, long_input]})
    assert response.status_code == 200, response.text
    short, long = response.json()["outputs"]
    assert short["truncated"] is True and short["warning"] is None
    assert (
        long["truncated"] is True and "far more than the longest the model was trained on" in long["warning"]
    )


def test_eval_counts_the_outputs_cut_at_the_cap(endless_checkpoint: Path, tmp_path: Path, caplog):
    overrides = [f"ckpt_path={endless_checkpoint}", "trainer.enable_progress_bar=false"]
    with caplog.at_level(logging.WARNING):
        metrics = evaluate(compose_config(overrides, tmp_path, config_name="eval"))
    assert metrics["test/cut_outputs"] > 0 and metrics["test/exact_match"] == 0
    said = [record.getMessage() for record in caplog.records if "hit the length cap" in record.getMessage()]
    assert said == [
        f"test: {int(metrics['test/cut_outputs'])} decoded outputs hit the length cap (twice the input plus "
        "10 tokens, as model.max_output_length is not set) before <eos>, so they were cut, not finished "
        "(test/cut_outputs)."
    ]


def test_a_checkpoint_without_training_lengths_still_predicts(dates_checkpoint: Path, tmp_path: Path):
    """Written before the lengths were recorded: no length warnings, everything else as before."""

    def forget_lengths(saved: dict) -> None:
        del saved[METADATA_KEY]["training_lengths"]

    old = load_predictor(altered_copy(dates_checkpoint, tmp_path / "old.ckpt", forget_lengths))
    assert old.longest_training_source is None
    [prediction] = old.predict([" ".join([DATE] * 8)])
    assert prediction.warning is None
    assert prediction.output == load_predictor(dates_checkpoint).predict([" ".join([DATE] * 8)])[0].output
