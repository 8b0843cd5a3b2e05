"""Using a trained model: every task reads raw text, the predictor gives the model's own outputs,
and `predict.py` prints them, writes predictions.jsonl (and heatmaps) or fails in one paragraph."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from helpers import compose_config, read_json, run_entry_point, single_run_dir
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate

from plugboard.core.errors import ConfigError, MissingFileError
from plugboard.core.paths import CONFIG_DIR
from plugboard.core.predict import predict, read_inputs
from plugboard.data import Vocabulary
from plugboard.data.pipeline import Lowercase, Pipeline
from plugboard.seq2seq.data import Seq2SeqDataModule, collate
from plugboard.seq2seq.inference import InputError, Predictor, load_predictor

INPUTS = ["12 march 2021", "3/4/99", "2021-03-12"]  # every symbol is in the tiny model's vocabulary
WIDE_TERMINAL = {"COLUMNS": "200"}  # rich folds table cells to the terminal width


@pytest.fixture(scope="module")
def predictor(dates_checkpoint: Path) -> Predictor:
    return load_predictor(dates_checkpoint)


# ----- every task reads raw text ----------------------------------------------------------
TEXT_CASES = {
    # data config and overrides: (raw source, its tokens, output tokens, output text)
    "copy": ([], "3 14  7", ["3", "14", "7"], ["7", "14"], "7 14"),
    "reverse": ([], "3 14 7", ["3", "14", "7"], ["7", "14", "3"], "7 14 3"),
    "sort": ([], "3 14 7", ["3", "14", "7"], ["3", "7", "14"], "3 7 14"),
    "addition": ([], "357+42", ["3", "5", "7", "+", "4", "2"], ["3", "9", "9"], "399"),
    "dates": ([], "3/4/99", ["3", "/", "4", "/", "9", "9"], list("1999-04-03"), "1999-04-03"),
    "tsv": ([], "six one", ["s", "i", "x", " ", "o", "n", "e"], ["6", "1"], "61"),
    "tsv-whitespace": (["data.pipeline.1.split=whitespace"], "six  one", ["six", "one"], ["61"], "61"),
}


def datamodule_of(name: str, overrides: list[str]) -> Seq2SeqDataModule:
    sizes = [] if name.startswith("tsv") else ["data.train_size=50", "data.val_size=10", "data.test_size=10"]
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("train", overrides=[f"data={name.split('-')[0]}", *sizes, *overrides])
    return instantiate(cfg.data)


@pytest.mark.parametrize("name", TEXT_CASES)
def test_each_task_tokenizes_text_as_its_examples_and_detokenizes_outputs(name: str) -> None:
    overrides, text, tokens, output_tokens, output_text = TEXT_CASES[name]
    datamodule = datamodule_of(name, overrides)
    pipeline = datamodule.pipeline
    assert pipeline.source_tokens(text) == tokens
    assert pipeline.target_text(output_tokens) == output_text

    datamodule.setup("fit")  # the training examples themselves survive a round trip through text
    for source, target in datamodule.examples["train"][:50]:
        assert pipeline.source_tokens(pipeline.target_text(source)) == source
        assert pipeline.source_tokens(pipeline.target_text(target)) == target


def test_a_pipeline_that_never_tokenizes_the_source_says_what_to_add() -> None:
    with pytest.raises(
        ConfigError, match=r"add \{_target_: plugboard.data.pipeline.Tokenize, side: source\}"
    ):
        Pipeline([Lowercase()]).source_tokens("12 march 2021")


# ----- the predictor ----------------------------------------------------------------------
@pytest.mark.parametrize("beam_size", [1, 3])
def test_outputs_are_what_model_generate_gives_for_the_same_tensors(predictor: Predictor, beam_size: int):
    vocabulary = predictor.vocabulary
    examples = [(torch.tensor(vocabulary.encode(list(text))), torch.tensor([0])) for text in INPUTS]
    with torch.no_grad():
        expected = predictor.model.generate(collate(examples, Vocabulary.pad_id), beam_size=beam_size)

    predictions = predictor.predict(INPUTS, beam_size=beam_size)

    assert [p.tokens for p in predictions] == [vocabulary.decode(row) for row in expected.tokens.tolist()]
    assert [p.output for p in predictions] == ["".join(p.tokens) for p in predictions]
    assert [p.source_tokens for p in predictions] == [list(text) for text in INPUTS]
    torch.testing.assert_close(torch.tensor([p.score for p in predictions]), expected.scores)
    for prediction in predictions:  # a row per output token (+ the <eos> step), a column per source token
        steps, source_length = prediction.attention.shape
        assert steps in (len(prediction.tokens), len(prediction.tokens) + 1)
        assert source_length == len(prediction.source_tokens)
        torch.testing.assert_close(prediction.attention.sum(dim=1), torch.ones(steps))


def test_inputs_are_decoded_in_batches_and_come_back_in_order(predictor: Predictor) -> None:
    # Each batch decodes up to 2 * its longest source + 10 tokens, so compare batch by batch.
    one_batch_each = predictor.predict(INPUTS[:2]) + predictor.predict(INPUTS[2:])
    predictor.batch_size = 2
    try:
        in_batches_of_two = predictor.predict(INPUTS)
    finally:
        predictor.batch_size = 64
    assert [p.input for p in in_batches_of_two] == INPUTS
    assert [p.output for p in in_batches_of_two] == [p.output for p in one_batch_each]


def test_surrounding_spaces_are_ignored(predictor: Predictor) -> None:
    spaced = predictor.predict([f"  {text} " for text in INPUTS])
    assert [p.output for p in spaced] == [p.output for p in predictor.predict(INPUTS)]
    assert [p.source_tokens for p in spaced] == [list(text) for text in INPUTS]


def test_symbols_outside_the_vocabulary_are_named(predictor: Predictor) -> None:
    with pytest.raises(InputError) as raised:
        predictor.predict(["12 march 2021", "12 march 2021 #☃", "3/4/99"])
    message = str(raised.value)
    assert "input 2 ('12 march 2021 #☃') has '#', '☃'" in message
    assert "input 1" not in message and "input 3" not in message
    assert "'m' 'n'" in message  # the symbols it can read, so the user can fix the input


def test_an_empty_input_is_refused(predictor: Predictor) -> None:
    with pytest.raises(InputError, match="Input 2 is empty"):
        predictor.predict(["12 march 2021", "   "])


# ----- predict.py -------------------------------------------------------------------------
def test_predict_prints_a_table_and_writes_predictions_jsonl(
    dates_checkpoint: Path, predictor: Predictor, tmp_path: Path
) -> None:
    arguments = [
        f"ckpt_path={dates_checkpoint}",
        'inputs=["12 march 2021","3/4/99"]',
        "extras.print_config=false",
    ]
    result = run_entry_point("predict.py", arguments, tmp_path, **WIDE_TERMINAL)
    assert result.returncode == 0, result.stderr[-3000:]

    expected = predictor.predict(["12 march 2021", "3/4/99"])
    run_dir = single_run_dir(tmp_path, "predict")
    records = [json.loads(line) for line in (run_dir / "predictions.jsonl").read_text().splitlines()]
    assert [(r["input"], r["output"]) for r in records] == [(p.input, p.output) for p in expected]
    assert [r["score"] for r in records] == pytest.approx([p.score for p in expected], abs=1e-4)
    for prediction in expected:
        assert prediction.input in result.stdout and prediction.output in result.stdout
    assert not (run_dir / "attention").exists()
    assert read_json(run_dir / "metrics.json")["status"] == "done"


def test_predict_without_inputs_writes_predict_step_outputs_for_the_test_split(
    dates_checkpoint: Path, tmp_path: Path
) -> None:
    """The path every family has: Lightning's predict_step over the data's predict_dataloader."""
    overrides = [f"ckpt_path={dates_checkpoint}", "+data.test_size=5", "trainer.enable_progress_bar=false"]
    assert predict(compose_config(overrides, tmp_path, config_name="predict")) == {"predictions": 5}
    lines = (tmp_path / "predictions.jsonl").read_text().splitlines()
    assert len(lines) == 5
    assert all(isinstance(json.loads(line)["prediction"], list) for line in lines)


def test_predict_reads_an_inputs_file_and_draws_heatmaps(dates_checkpoint: Path, tmp_path: Path) -> None:
    lines = tmp_path / "dates.txt"
    lines.write_text("12 march 2021\n\n3/4/99\n2021-03-12\n", encoding="utf-8")  # blank lines are skipped
    arguments = [
        f"ckpt_path={dates_checkpoint}",
        f"inputs_file={lines}",
        "text_predictor.heatmaps=true",
        "extras.print_config=false",
    ]
    result = run_entry_point("predict.py", arguments, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]

    run_dir = single_run_dir(tmp_path, "predict")
    records = [json.loads(line) for line in (run_dir / "predictions.jsonl").read_text().splitlines()]
    assert [r["input"] for r in records] == INPUTS
    pngs = sorted((run_dir / "attention").glob("*.png"))
    assert [png.name for png in pngs] == ["input_001.png", "input_002.png", "input_003.png"]
    assert [r["heatmap"] for r in records] == [str(png) for png in pngs]
    assert all(png.stat().st_size > 5_000 for png in pngs)


def test_inputs_come_from_the_list_or_the_file_but_not_both(tmp_path: Path) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_text("12 march 2021\n\n3/4/99\n", encoding="utf-8")
    assert read_inputs(["12 march 2021", "3/4/99"], None) == read_inputs(None, str(lines))
    assert read_inputs("12 march 2021", None) == ["12 march 2021"]
    with pytest.raises(ConfigError, match="Both inputs and inputs_file"):
        read_inputs(["12 march 2021"], str(lines))
    with pytest.raises(ConfigError, match="is an empty list"):
        read_inputs([], None)
    with pytest.raises(MissingFileError, match="nowhere.txt: no such file"):
        read_inputs(None, str(tmp_path / "nowhere.txt"))
    (tmp_path / "blank.txt").write_text("\n  \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="has no inputs"):
        read_inputs(None, str(tmp_path / "blank.txt"))


# Bad input through predict.py itself (one paragraph, exit 1): tests/entry_points/test_bad_input.py.
