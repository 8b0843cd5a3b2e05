"""Bad input ends in one clear paragraph (what is wrong, how to fix it), no traceback, non-zero exit."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import TINY, read_json, run_entry_point, single_run_dir


def assert_clear_error(result, *phrases: str) -> str:
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    for phrase in phrases:
        assert phrase in output, f"{phrase!r} not in:\n{output[-3000:]}"
    return output


@pytest.fixture
def checkpoint(dates_checkpoint: Path) -> Path:
    """The tiny dot-attention model trained on data=dates, shared by the whole test process."""
    return dates_checkpoint


def test_an_unknown_option_lists_the_available_ones(tmp_path: Path):
    result = run_entry_point("train.py", ["model/attention=addtive"], tmp_path)
    assert_clear_error(result, "addtive", "Available options", "additive")


def test_an_unknown_key_says_how_to_add_one(tmp_path: Path):
    result = run_entry_point("train.py", ["model.attention.temprature=2"], tmp_path)
    assert_clear_error(result, "model.attention.temprature", "+model.attention.temprature=2")


def test_a_value_of_the_wrong_type_names_the_key_and_the_expected_type(tmp_path: Path):
    with_config_tree = [o for o in TINY if not o.startswith("extras.print_config")]
    bad = ["model.optimizer.lr=fast", "seed=abc", "data.batch_size=0"]  # every one, in one paragraph
    result = run_entry_point("train.py", [*with_config_tree, *bad], tmp_path)
    assert_clear_error(
        result, "model.optimizer.lr='fast'", "float", "seed='abc'", "data.batch_size=0 must be"
    )
    assert read_json(single_run_dir(tmp_path) / "metrics.json")["status"] == "failed"
    # The error is what the user sees last: the config tree is printed only for a valid config.
    assert "CONFIG" not in result.stdout


@pytest.mark.parametrize(
    ("content", "phrases"),
    [
        # Each message is also checked in-process by tests/data/test_tsv.py.
        pytest.param(None, ["No parallel text file", "data.path"], marks=pytest.mark.slow),
        pytest.param("", ["has no examples", "source<TAB>target"], marks=pytest.mark.slow),
        ("one\t1\ntwo 2\n", ["line 2", "expected exactly one tab"]),
    ],
    ids=["missing", "empty", "malformed-line"],
)
def test_a_bad_data_file_names_the_file_and_the_line(tmp_path: Path, content: str | None, phrases):
    path = tmp_path / "pairs.tsv"
    if content is not None:
        path.write_text(content)
    model_only = [o for o in TINY if not o.startswith("data.")]
    result = run_entry_point("train.py", [*model_only, "data=tsv", f"data.path={path}"], tmp_path)
    assert_clear_error(result, str(path), *phrases)


def test_a_checkpoint_path_that_does_not_exist(tmp_path: Path):
    missing = tmp_path / "nowhere.ckpt"
    evaluated = run_entry_point("eval.py", [f"ckpt_path={missing}"], tmp_path)
    assert_clear_error(evaluated, "Checkpoint not found", str(missing))
    resumed = run_entry_point("train.py", [*TINY, f"ckpt_path={missing}"], tmp_path)
    assert_clear_error(resumed, str(missing), "no such file")


def test_a_corrupt_checkpoint(tmp_path: Path, checkpoint: Path):
    corrupt = tmp_path / "corrupt.ckpt"
    corrupt.write_bytes(checkpoint.read_bytes()[:1000])  # a file cut short, as by a full disk
    result = run_entry_point("eval.py", [f"ckpt_path={corrupt}"], tmp_path)
    assert_clear_error(result, "the file is truncated", str(corrupt))


def test_a_checkpoint_of_another_model_is_refused_before_training(tmp_path: Path, checkpoint: Path):
    result = run_entry_point(
        "train.py", ["data=dates", *TINY, "model/attention=additive", f"ckpt_path={checkpoint}"], tmp_path
    )
    assert_clear_error(result, "another model", "model.attention._target_", "AdditiveAttention")


def test_resuming_last_with_no_earlier_run(tmp_path: Path):
    result = run_entry_point("train.py", [*TINY, "ckpt_path=last"], tmp_path)
    assert_clear_error(result, "ckpt_path=last", "no earlier run")


def test_eval_without_a_checkpoint(tmp_path: Path):
    assert_clear_error(run_entry_point("eval.py", [], tmp_path), "ckpt_path")
