"""The bad-input catalogue: every kind of mistake a user makes, through the real entry points.

Each ends with exit status 1 and one paragraph (what is wrong, where, how to fix it), no
traceback, and leaves no `done` record and no checkpoint that a later `ckpt_path=last` or
`compare.py` would take for a result. All cases run in one process (tests/support/entry_point_runner.py),
so torch is imported once; the messages are also checked in-process next to the code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest
import torch
from helpers import TINY

from plugboard.core.paths import PROJECT_ROOT

MODEL_ONLY = [o for o in TINY if not o.startswith("data.")]
WITH_CONFIG_TREE = [o for o in TINY if not o.startswith("extras.print_config")]
PREDICT = ["predict.py", "ckpt_path={checkpoint}", "extras.print_config=false"]
TSV_RUN = ["train.py", *MODEL_ONLY, "data=tsv", "data.path={dir}/pairs.tsv"]


class Case(NamedTuple):
    command: list[str]  # `{dir}`: the case's own folder; `{checkpoint}`: a trained dates model
    phrases: list[str]  # each one is in the error
    files: dict[str, bytes] = {}  # written into the case's folder first
    writes_nothing: bool = False  # not even a run dir (a failed record is right for a run's own errors)


CASES = {
    "unknown option": Case(
        ["train.py", "model/attention=addtive"], ["addtive", "Available options", "additive"]
    ),
    "unknown key": Case(["train.py", "model.attention.temprature=2"], ["+model.attention.temprature=2"]),
    "three bad values at once": Case(
        ["train.py", *WITH_CONFIG_TREE, "model.optimizer.lr=fast", "seed=abc", "data.batch_size=0"],
        ["model.optimizer.lr='fast'", "float", "seed='abc'", "data.batch_size=0 must be", "command line"],
    ),
    "a negative learning rate": Case(["train.py", *TINY, "model.optimizer.lr=-0.001"], ["lr=-0.001", "> 0"]),
    "a bad value inside a preset": Case(
        ["train.py", *MODEL_ONLY, "hydra.searchpath=[file://{dir}/configs]", "experiment=bad_preset"],
        ["data.batch_size=0", "experiment=bad_preset"],
        {"configs/experiment/bad_preset.yaml": b"# @package _global_\ndata:\n  batch_size: 0\n"},
    ),
    "a sweep with one bad value": Case(
        ["train.py", "-m", *TINY, "model.optimizer.lr=0.001,-1", "seed=1,2"],
        [
            "2 of the 4 jobs",
            "no job was started",
            "`#2 model.optimizer.lr=-1 seed=1`, `#3 model.optimizer.lr=-1",
        ],
        writes_nothing=True,
    ),
    "a missing TSV file": Case(TSV_RUN, ["No parallel text file", "data.path"]),
    "an empty TSV file": Case(TSV_RUN, ["has no examples"], {"pairs.tsv": b""}),
    "a TSV line without a tab": Case(
        TSV_RUN, ["line 2", "expected exactly one tab"], {"pairs.tsv": b"one\t1\ntwo 2\n"}
    ),
    "a TSV file that is not UTF-8": Case(
        TSV_RUN, ["line 2", "iconv"], {"pairs.tsv": b"one\t1\ncaf\xe9\t2\n"}
    ),
    "a binary file as TSV": Case(
        TSV_RUN, ["pairs.tsv", "NUL byte"], {"pairs.tsv": b"\x89PNG\r\n\x1a\n\x00\x00\rIHDR"}
    ),
    "eval without a checkpoint": Case(["eval.py"], ["ckpt_path"]),
    "eval of a missing checkpoint": Case(
        ["eval.py", "ckpt_path={dir}/nowhere.ckpt"], ["Checkpoint not found"]
    ),
    "resuming a missing checkpoint": Case(
        ["train.py", *TINY, "ckpt_path={dir}/nowhere.ckpt"], ["nowhere.ckpt", "no such file"]
    ),
    "resuming last with no earlier run": Case(["train.py", *TINY, "ckpt_path=last"], ["no earlier run"]),
    "a truncated checkpoint": Case(
        ["eval.py", "ckpt_path={dir}/cut.ckpt"], ["the file is truncated", "cut.ckpt"]
    ),
    "fine-tuning from a missing checkpoint": Case(
        ["train.py", *TINY, "init_from={dir}/nowhere.ckpt"],
        ["init_from=", "Checkpoint not found", "nowhere.ckpt"],
    ),
    "fine-tuning from a checkpoint of another model": Case(
        ["train.py", "data=dates", *TINY, "model.encoder.hidden_size=24", "init_from={checkpoint}"],
        [
            "weights do not fit this model",
            "decoder.cells.0.weight_hh is [48, 16] there, [72, 24] here",
            "init_only=",
        ],
    ),
    "a checkpoint of another model": Case(
        ["train.py", "data=dates", *TINY, "model/attention=additive", "ckpt_path={checkpoint}"],
        ["another model", "model.attention._target_", "AdditiveAttention"],
    ),
    "predict: a symbol the model never saw": Case(
        [*PREDICT, 'inputs=["12 march 2021 #"]'], ["never saw", "'#'", "input 1"]
    ),
    "predict: an empty input": Case([*PREDICT, 'inputs=["12 march 2021",""]'], ["Input 2 is empty"]),
    "predict: inputs given twice": Case(
        [*PREDICT, 'inputs=["12 march 2021"]', "inputs_file={dir}/nowhere.txt"],
        ["Both inputs and inputs_file"],
    ),
    "predict: a missing inputs file": Case(
        [*PREDICT, "inputs_file={dir}/nowhere.txt"], ["inputs_file=", "nowhere.txt", "no such file"]
    ),
    "predict: a truncated checkpoint": Case(
        ["predict.py", "ckpt_path={dir}/cut.ckpt", 'inputs=["12 march 2021"]'], ["the file is truncated"]
    ),
    "predict: a family option out of range": Case(
        [*PREDICT, 'inputs=["12 march 2021"]', "text_predictor.beam_size=0", "text_predictor.heatmaps=maybe"],
        ["text_predictor.beam_size=0 must be an integer >= 1", "text_predictor.heatmaps='maybe'"],
    ),
    "serve: a port that cannot exist": Case(
        ["serve.py", "ckpt_path={checkpoint}", "port=70000"], ["port=70000 must be an integer in [0, 65535]"]
    ),
    "export: an unknown format": Case(
        ["export.py", "ckpt_path={checkpoint}", "format=tflite"],
        ["format='tflite' must be one of 'onnx', 'torch_export', 'torchscript'", "command line"],
    ),
    "a TSV line of only a tab, like an empty target": Case(
        TSV_RUN,
        [
            "line 2: the line holds only spaces and tabs",
            "lines with an empty side: 2, at lines 2 and 4",
            "bad_examples=drop",
        ],
        {"pairs.tsv": b"one\t1\n\t\ntwo\t2\nthree\t\n"},
    ),
    "a TSV line far longer than the data config admits": Case(
        [*TSV_RUN, "data.cache_dir={dir}/logs/cache"],
        ["line 2", "longer than the data config admits", "data.max_source_length=1024", "200000 source"],
        {"pairs.tsv": b"one\t1\n" + b"x" * 200_000 + b"\t2\n" + b"two\t2\n" * 20},
    ),
    "no devices": Case(["train.py", *TINY, "trainer.devices=0"], ["trainer.devices=0 must be a count >= 1"]),
    "more GPUs than the machine has": Case(
        ["train.py", *TINY, "trainer=gpu", "trainer.devices=64"],
        ["this machine"]
        + (["asks for 64 GPUs"] if torch.cuda.is_available() else ["sees none", "trainer=cpu"]),
    ),
    "eval: no devices": Case(
        ["eval.py", "ckpt_path={checkpoint}", "trainer.devices=0"], ["trainer.devices=0 must be a count >= 1"]
    ),
    "an infinite learning rate": Case(
        ["train.py", *TINY, "model.optimizer.lr=inf"], ["model.optimizer.lr=inf must be a finite float"]
    ),
    "a learning rate that is not a number": Case(
        ["train.py", *TINY, "model.optimizer.lr=nan"], ["model.optimizer.lr=nan must be a finite float"]
    ),
    "a pipeline step that does not exist": Case(
        ["train.py", *TINY, "data.pipeline.0._target_=plugboard.data.pipeline.strip.Strp"],
        ["data.pipeline[0]._target_", "Strp", "cannot be imported"],
    ),
}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory, dates_checkpoint: Path) -> dict[str, dict]:
    cases = []
    for case in CASES.values():
        folder = tmp_path_factory.mktemp("case")
        for relative, content in case.files.items():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_bytes(content)
        (folder / "cut.ckpt").write_bytes(dates_checkpoint.read_bytes()[:1000])
        script, *arguments = case.command
        arguments = [a.format(dir=folder, checkpoint=dates_checkpoint) for a in arguments]
        cases.append({"script": script, "arguments": arguments, "log_dir": str(folder / "logs")})
    done = subprocess.run(
        [sys.executable, "tests/support/entry_point_runner.py"],
        input=json.dumps(cases),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "WANDB_MODE": "offline", "PYTHONWARNINGS": "ignore"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(zip(CASES, json.loads(done.stdout), strict=True))


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_ends_in_one_paragraph_and_leaves_no_result(case: str, results: dict[str, dict]):
    result, phrases = results[case], CASES[case].phrases
    output = result["output"]
    assert result["status"] == 1, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    # Our errors are one line after "Error: "; Hydra's composition errors are its own few lines.
    paragraph = next((line for line in output.splitlines() if line.startswith("Error: ")), output)
    for phrase in phrases:
        assert phrase in paragraph, f"{phrase!r} not in:\n{paragraph[-3000:]}"
    assert result["done_records"] == [] and result["checkpoints"] == []
    if CASES[case].writes_nothing:
        assert result["written"] == [], result["written"]


def test_a_config_error_comes_after_nothing_else(results: dict[str, dict]):
    """The config tree is printed only for a valid config: the error is what the user sees last."""
    result = results["three bad values at once"]
    assert "CONFIG" not in result["output"]
    assert result["output"].rstrip().splitlines()[-2].startswith("Error: ")


@pytest.mark.parametrize(
    "case", ["no devices", "more GPUs than the machine has", "an infinite learning rate"]
)
def test_devices_and_numbers_are_refused_before_the_data_is_read(case: str, results: dict[str, dict]):
    """Found by the config check, not by Lightning or the first step once everything was built."""
    assert "Preparing data" not in results[case]["output"]


def test_a_refused_pipeline_writes_no_cache_entry(results: dict[str, dict]):
    written = results["a TSV line far longer than the data config admits"]["written"]
    assert [path for path in written if "/cache/" in path and path.endswith(".json")] == []
