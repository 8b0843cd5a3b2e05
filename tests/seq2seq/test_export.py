"""Exported graphs (ONNX, torch.export, TorchScript) compute what the model computes, at any batch size
and length."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import compose_config, read_json, run_script, single_run_dir
from hydra.utils import instantiate

from plugboard.core.checkpoints.rebuild import rebuild
from plugboard.core.errors import PlugboardError
from plugboard.modules.attention import DotAttention
from plugboard.seq2seq.data.batch import Seq2SeqBatch, collate
from plugboard.seq2seq.export import ExportError, export_model, greedy_decode, load_graphs
from plugboard.seq2seq.export.check import ExportCheckError, check_export, compare_with_model, step_logits
from plugboard.seq2seq.export.graphs import EXPORT_SIZES

# TorchScript is deprecated but still exported and checked; its warning has a test of its own.
pytestmark = pytest.mark.filterwarnings("ignore:format=torchscript is deprecated:FutureWarning")
FORMATS = ["onnx", "torch_export", "torchscript"]
OTHER_FORMAT = {"onnx": "torch_export", "torch_export": "onnx", "torchscript": "onnx"}
SUFFIXES = {"onnx": ".onnx", "torch_export": ".pt2", "torchscript": ".pt"}
OPSET = 18


def load_model_and_batch(checkpoint_path: Path, batch_size: int = 7):
    """The checkpoint's model and a test batch of other sizes than the graphs were traced with."""
    rebuilt = rebuild(checkpoint_path)
    model, datamodule = rebuilt.model, rebuilt.datamodule
    datamodule.setup("test")
    batch = collate(datamodule.tensors["test"][:batch_size])
    assert batch.source.shape[0] != EXPORT_SIZES.batch and batch.source.shape[1] != EXPORT_SIZES.source_length
    return model.eval(), batch


def decoder_input(batch: Seq2SeqBatch) -> np.ndarray:
    bos = np.ones_like(batch.target[:, :1].numpy())
    return np.concatenate([bos, batch.target[:, :-1].numpy()], axis=1)


@pytest.fixture(scope="module", params=FORMATS)
def exported(request, dates_checkpoint: Path, tmp_path_factory):
    model, batch = load_model_and_batch(dates_checkpoint)
    directory = tmp_path_factory.mktemp(request.param)
    export_model(model, directory, request.param, OPSET, checkpoint=str(dates_checkpoint))
    return load_graphs(directory), model, batch


def test_the_encoder_graph_gives_the_encoder_states_and_the_initial_decoder_state(exported):
    graphs, model, batch = exported
    outputs = graphs.run(
        "encoder", {"source": batch.source.numpy(), "source_mask": batch.source_mask.numpy()}
    )
    with torch.no_grad():
        encoded = model.encoder(batch.source, batch.source_mask)
        state = model.decoder.init_state(encoded, batch.source_mask)
    np.testing.assert_allclose(outputs["encoder_states"], encoded.states.numpy(), atol=1e-5)
    for name, value in state.items():
        np.testing.assert_allclose(outputs[f"state.{name}"], value.numpy(), atol=1e-5)


def test_the_step_graph_scores_every_target_position_as_the_model_does(exported):
    graphs, model, batch = exported
    logits = step_logits(graphs, batch.source.numpy(), batch.source_mask.numpy(), decoder_input(batch))
    with torch.no_grad():
        expected = model.teacher_forced_logits(batch).numpy()
    np.testing.assert_allclose(logits, expected, atol=1e-4)


def test_greedy_decoding_with_the_graphs_gives_the_models_tokens(exported):
    graphs, model, batch = exported
    tokens = greedy_decode(graphs, batch.source.numpy(), batch.source_mask.numpy())
    with torch.no_grad():
        expected = model.generate(batch, beam_size=1).tokens.numpy()
    np.testing.assert_array_equal(tokens, expected)


def test_the_manifest_says_how_to_decode(exported, dates_checkpoint: Path):
    graphs, model, _ = exported
    manifest = graphs.manifest
    assert manifest["vocabulary"] == list(model.vocabulary.tokens)
    assert manifest["special_ids"] == {"pad": 0, "bos": 1, "eos": 2, "unk": 3}
    assert manifest["checkpoint"] == str(dates_checkpoint)
    assert manifest["model"] == {
        "encoder": "RecurrentEncoder",
        "decoder": "RecurrentDecoder",
        "attention": "DotAttention",
    }
    encoder = manifest["graphs"]["encoder"]
    assert encoder["inputs"][0] == {"name": "source", "dtype": "int64", "shape": ["batch", "source_length"]}
    # The recurrent decoder scores a target step by step: no teacher-forced graph, and the reason why.
    assert set(manifest["graphs"]) == {"encoder", "decoder_step"}
    assert "one step at a time" in manifest["not_exported"]["teacher_forced"]


def test_onnx_graphs_decode_with_only_numpy_and_onnxruntime(dates_checkpoint: Path, tmp_path: Path):
    """runtime.py copied next to the graphs decodes a date without Plugboard or torch."""
    model, _ = load_model_and_batch(dates_checkpoint)
    export_model(model, tmp_path, "onnx", OPSET, pipeline=rebuild(dates_checkpoint).datamodule.pipeline)
    shutil.copy(Path(sys.modules[greedy_decode.__module__].__file__), tmp_path / "runtime.py")
    script = (
        "import sys, numpy as np, runtime\n"
        "graphs = runtime.load_graphs('.')\n"
        "ids = runtime.encode(runtime.read_text('12 march 2021', graphs.manifest), graphs.manifest)[None]\n"
        "tokens = runtime.greedy_decode(graphs, ids, ids != 0)\n"
        "print(runtime.write_text(runtime.decode(tokens[0], graphs.manifest), graphs.manifest))\n"
        "print(sorted(name for name in ('torch', 'plugboard') if name in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    decoded, modules = result.stdout.splitlines()
    source = collate([(torch.tensor(model.vocabulary.encode(list("12 march 2021"))), torch.tensor([2]))])
    assert decoded == "".join(model.predict_step(source, 0)[0])
    assert modules == "[]"


def test_a_graph_that_disagrees_with_the_model_fails_the_check(dates_checkpoint: Path, tmp_path: Path):
    model, batch = load_model_and_batch(dates_checkpoint)
    export_model(model, tmp_path, "torch_export", OPSET)
    graphs = load_graphs(tmp_path)
    assert check_export(graphs, model, batch, tolerance=1e-4)["check/greedy_tokens_equal"] == 1.0
    with torch.no_grad():
        model.decoder.output.weight.add_(0.01)  # the model moves on; the exported files do not
    with pytest.raises(ExportCheckError, match="do not reproduce the model"):
        check_export(graphs, model, batch, tolerance=1e-4)


def test_missing_onnx_packages_say_how_to_install_them(dates_checkpoint: Path, tmp_path: Path, monkeypatch):
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: None if name == "onnxruntime" else find_spec(name)
    )
    model, _ = load_model_and_batch(dates_checkpoint)
    with pytest.raises(ExportError, match=r'onnxruntime.*pip install -e "\.\[export\]"'):
        export_model(model, tmp_path, "onnx", OPSET)


def test_an_opset_the_exporter_cannot_write(dates_checkpoint: Path, tmp_path: Path):
    model, _ = load_model_and_batch(dates_checkpoint)
    with pytest.raises(ExportError, match="opset=9 is outside"):
        export_model(model, tmp_path, "onnx", 9)


def test_the_entry_point_writes_the_graphs_and_the_manifest_and_checks_them(
    dates_checkpoint: Path, tmp_path: Path
):
    output_dir = tmp_path / "exported"
    arguments = [f"ckpt_path={dates_checkpoint}", "format=onnx", f"output_dir={output_dir}"]
    result = run_script("export.py", [*arguments, f"paths.log_dir={tmp_path}", "extras.print_config=false"])
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(path.name for path in output_dir.iterdir()) == [
        "decoder_step.onnx",
        "encoder.onnx",
        "manifest.json",
    ]
    assert read_json(output_dir / "manifest.json")["format"] == "onnx"
    record = read_json(single_run_dir(tmp_path, "export") / "metrics.json")
    assert record["status"] == "done"
    assert record["metrics"]["check/greedy_tokens_equal"] == 1.0
    assert record["metrics"]["check/max_logit_difference/decoder_step"] < 1e-4
    assert "greedy output tokens identical" in result.stderr + result.stdout


# An unknown format through export.py (one paragraph, exit 1): tests/entry_points/test_bad_input.py.


# ----- other encoders, decoders and attention variants: small untrained models -------------------
SMALL = ["model.encoder.hidden_size=16", "model.attention.hidden_size=16"]
RECURRENT = [*SMALL, "model.encoder.embedding_size=8", "model.decoder.embedding_size=8"]
TRANSFORMER = [
    *SMALL,
    *(
        f"model.{part}.{size}"
        for part in ("encoder", "decoder")
        for size in ("num_heads=2", "feedforward_size=32")
    ),
]


def small_model(tmp_path: Path, model: str, attention: str, *overrides: str):
    sizes = TRANSFORMER if model == "transformer_seq2seq" else RECURRENT
    if attention not in ("additive", "location"):
        sizes = [size for size in sizes if not size.startswith("model.attention.")]
    if attention == "multihead":
        sizes = [*sizes, "model.attention.num_heads=2"]
    cfg = compose_config([f"model={model}", f"model/attention={attention}", *sizes, *overrides], tmp_path)
    torch.manual_seed(0)
    return instantiate(cfg.model, vocabulary=[str(digit) for digit in range(10)]).eval()


def random_batch(batch_size: int = 5, max_length: int = 9) -> Seq2SeqBatch:
    generator = torch.Generator().manual_seed(1)
    lengths = torch.randint(1, max_length + 1, (batch_size,), generator=generator).tolist()
    lengths[0] = max_length
    return collate(
        [
            (torch.randint(4, 14, (n,), generator=generator), torch.randint(4, 14, (6,), generator=generator))
            for n in lengths
        ]
    )


def export_and_compare(model, directory: Path, format: str) -> dict[str, float]:
    export_model(model, directory, format, OPSET)
    return compare_with_model(load_graphs(directory), model, random_batch())


# dot, the default, is covered by the trained checkpoint above; location (previous weights in
# the state) and multihead run in the fast suite, the rest with the slow tests.
RECURRENT_VARIANTS = [
    *(pytest.param(name, marks=pytest.mark.slow) for name in ("none", "general", "additive", "scaled_dot")),
    "multihead",
    "location",
]
TRANSFORMER_VARIANTS = ["none", "dot", "general", "additive", "scaled_dot", "multihead"]


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("attention", RECURRENT_VARIANTS)
def test_every_attention_exports_with_the_recurrent_decoder(tmp_path: Path, attention: str, format: str):
    metrics = export_and_compare(small_model(tmp_path, "rnn_seq2seq", attention), tmp_path / "out", format)
    # The keys as the attention prepared them once: an output of the encoder graph, an input of each step.
    manifest = read_json(tmp_path / "out" / "manifest.json")
    assert manifest["prepared"] == ["keys", "values"]
    assert "prepared.keys" in {output["name"] for output in manifest["graphs"]["encoder"]["outputs"]}
    assert "prepared.keys" in {tensor["name"] for tensor in manifest["graphs"]["decoder_step"]["inputs"]}
    assert metrics["check/max_logit_difference/decoder_step"] < 1e-4
    assert metrics["check/greedy_tokens_equal"] == 1.0


@pytest.mark.parametrize("format", FORMATS)
def test_lstm_encoder_and_two_layer_lstm_decoder_export(tmp_path: Path, format: str):
    model = small_model(
        tmp_path,
        "seq2seq",
        "location",
        "model/encoder=lstm",
        "model.decoder.cell._target_=torch.nn.LSTMCell",
        "model.decoder.num_layers=2",
    )
    metrics = export_and_compare(model, tmp_path / "out", format)
    assert metrics["check/max_logit_difference/decoder_step"] < 1e-4
    assert metrics["check/greedy_tokens_equal"] == 1.0


def transformer_cases():
    """torch.export and TorchScript are quick; ONNX goes through torch.export for the transformer
    encoder (~40 s each)."""
    for attention in TRANSFORMER_VARIANTS:
        for format in ("torch_export", "torchscript"):
            yield pytest.param(attention, format, marks=[] if attention == "multihead" else pytest.mark.slow)
        yield pytest.param(attention, "onnx", marks=pytest.mark.slow)


@pytest.mark.parametrize(("attention", "format"), transformer_cases())
def test_every_attention_exports_with_the_transformer(tmp_path: Path, attention: str, format: str):
    metrics = export_and_compare(
        small_model(tmp_path, "transformer_seq2seq", attention), tmp_path / "out", format
    )
    suffix = SUFFIXES[format]
    graphs = sorted(path.name for path in (tmp_path / "out").iterdir() if path.name != "manifest.json")
    assert graphs == [f"decoder_step{suffix}", f"encoder{suffix}", f"teacher_forced{suffix}"]  # one file each
    assert metrics["check/max_logit_difference/decoder_step"] < 1e-4
    assert metrics["check/max_logit_difference/teacher_forced"] < 1e-4
    assert metrics["check/greedy_tokens_equal"] == 1.0


class ScoresReadIntoPython(DotAttention):
    """Dot attention that reads its scores back into Python: no tracer can follow the data."""

    def score(self, query, keys, previous_weights):
        return torch.tensor(super().score(query, keys, previous_weights).tolist())


@pytest.mark.parametrize(
    "format", [pytest.param("onnx", marks=pytest.mark.slow), "torch_export", "torchscript"]
)
def test_a_model_that_cannot_be_exported_says_which_part_and_why(tmp_path: Path, format: str):
    model = small_model(tmp_path, "rnn_seq2seq", "dot")
    model.decoder.attention = ScoresReadIntoPython(query_size=16, key_size=16)
    with pytest.raises(ExportError) as raised:
        export_model(model, tmp_path / "out", format, OPSET)
    assert isinstance(raised.value, PlugboardError)
    message = str(raised.value)
    assert "Cannot export the decoder_step graph" in message and "attention ScoresReadIntoPython" in message
    assert f"Try format={OTHER_FORMAT[format]}" in message and "\n" not in message
    if format != "torch_export":  # torch.export refuses the .tolist() itself; the tracers follow it once
        assert "the traced graph fails at other sizes" in message


def test_torchscript_still_exports_but_warns_that_it_is_deprecated(tmp_path: Path):
    model = small_model(tmp_path, "rnn_seq2seq", "dot")
    with pytest.warns(FutureWarning, match="format=torchscript is deprecated.*format=torch_export"):
        export_model(model, tmp_path / "out", "torchscript", OPSET)
    assert compare_with_model(load_graphs(tmp_path / "out"), model, random_batch())[
        "check/greedy_tokens_equal"
    ]


def test_the_entry_point_exports_with_torch_export(dates_checkpoint: Path, tmp_path: Path):
    """The .pt2 files load with torch.export.load alone, and the check runs them against PyTorch."""
    output_dir = tmp_path / "exported"
    arguments = [f"ckpt_path={dates_checkpoint}", "format=torch_export", f"output_dir={output_dir}"]
    result = run_script("export.py", [*arguments, f"paths.log_dir={tmp_path}", "extras.print_config=false"])
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(path.name for path in output_dir.iterdir()) == [
        "decoder_step.pt2",
        "encoder.pt2",
        "manifest.json",
    ]
    program = torch.export.load(str(output_dir / "encoder.pt2"))
    assert isinstance(program, torch.export.ExportedProgram)
    record = read_json(single_run_dir(tmp_path, "export") / "metrics.json")
    assert record["metrics"]["check/greedy_tokens_equal"] == 1.0
    assert record["metrics"]["check/max_logit_difference/decoder_step"] < 1e-4
