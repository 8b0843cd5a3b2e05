"""Exports a seq2seq model's graphs and writes the manifest a consumer decodes with."""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path
from typing import Any

import torch

from plugboard.core.job.logs import get_logger
from plugboard.core.job.run_files import write_bytes, write_text
from plugboard.data.vocabulary import Vocabulary
from plugboard.modules.attention.base import Attention
from plugboard.seq2seq.export.formats import (
    FILE_SUFFIXES,
    ExportError,
    check_opset,
    describe_error,
    require_onnx_packages,
    write_graph,
)
from plugboard.seq2seq.export.graphs import Graph, deployment_graphs, scores_all_positions_at_once
from plugboard.seq2seq.export.runtime import MANIFEST
from plugboard.seq2seq.model import Seq2SeqModule

log = get_logger(__name__)

TORCHSCRIPT_DEPRECATED = (
    "format=torchscript is deprecated, as TorchScript is in PyTorch and Lightning, and will be removed "
    "when torch drops torch.jit.trace: export with format=torch_export (torch.export.load) or format=onnx."
)
WHAT_EACH_GRAPH_RUNS = {
    "encoder": "the encoder and the decoder's prepare and init_state",
    "decoder_step": "one decoder step, attention included",
    "teacher_forced": "the encoder and the decoder over a whole target (teacher forcing)",
}


def export_model(
    model: Seq2SeqModule,
    output_dir: Path,
    format: str,
    opset: int,
    checkpoint: str | None = None,
    pipeline: Any = None,
) -> dict[str, Any]:
    """Writes each graph and `manifest.json` into `output_dir`; returns the manifest.

    `pipeline` (the model's data pipeline) is listed in the manifest: every step, the ones raw
    input goes through, and how output tokens are joined, so a consumer reads text as training did.
    """
    if format not in FILE_SUFFIXES:
        raise ExportError(
            f"format={format!r} is not an export format. Use format=onnx (for onnxruntime and other "
            "ONNX runtimes) or format=torch_export (a torch.export ExportedProgram for torch.export.load, "
            "or AOTInductor); format=torchscript is deprecated."
        )
    if format == "torchscript":
        warnings.warn(TORCHSCRIPT_DEPRECATED, FutureWarning, stacklevel=2)
    if format == "onnx":
        require_onnx_packages()
        check_opset(opset)
    model.eval()
    graphs = deployment_graphs(model.encoder, model.decoder, len(model.vocabulary))
    # Exporters write wherever a path leads, links included: each graph is written to a scratch
    # folder, then moved into output_dir by the run-dir write helper (no link followed).
    with tempfile.TemporaryDirectory(prefix="plugboard-export-") as scratch:
        for graph in graphs:
            path = Path(scratch) / f"{graph.name}{FILE_SUFFIXES[format]}"
            try:
                graph.input_names = write_graph(graph, path, format, opset)
            except Exception as error:
                raise ExportError(_cannot_export(model, graph, format, error)) from error
        for written in sorted(Path(scratch).iterdir()):
            write_bytes(output_dir, written.name, written.read_bytes())
    for graph in graphs:
        log.info(
            f"Exported {WHAT_EACH_GRAPH_RUNS[graph.name]} to {output_dir / graph.name}{FILE_SUFFIXES[format]}"
        )
    manifest = _manifest(model, graphs, format, opset, checkpoint) | _pipeline_entries(pipeline)
    write_text(output_dir, MANIFEST, json.dumps(manifest, indent=2) + "\n")
    log.info(f"Wrote {output_dir / MANIFEST}: vocabulary, special ids and the graphs' inputs and outputs")
    return manifest


def model_parts(model: Seq2SeqModule) -> dict[str, str]:
    attention = next((module for module in model.decoder.modules() if isinstance(module, Attention)), None)
    return {
        "encoder": type(model.encoder).__name__,
        "decoder": type(model.decoder).__name__,
        "attention": type(attention).__name__,
    }


def _cannot_export(model: Seq2SeqModule, graph: Graph, format: str, error: Exception) -> str:
    parts = ", ".join(f"{slot} {name}" for slot, name in model_parts(model).items())
    other = "torch_export" if format == "onnx" else "onnx"
    return (
        f"Cannot export the {graph.name} graph ({WHAT_EACH_GRAPH_RUNS[graph.name]}) of this model "
        f"({parts}) to {format}: {describe_error(error)}. Export records the operations run on one "
        "example; code that reads tensor values into Python (.item(), .tolist(), an if on a tensor) "
        f"or an operation the exporter does not know stops it. Try format={other}, or deploy a model "
        "trained with another encoder, decoder or attention. HYDRA_FULL_ERROR=1 shows where it failed."
    )


def _manifest(
    model: Seq2SeqModule, graphs: list[Graph], format: str, opset: int, checkpoint: str | None
) -> dict[str, Any]:
    """What a consumer needs to decode with the graphs alone (see `runtime.greedy_decode`)."""
    step = next(graph for graph in graphs if graph.name == "decoder_step")
    encoder = next(graph for graph in graphs if graph.name == "encoder")
    skipped = {}
    if not scores_all_positions_at_once(model.decoder):
        skipped["teacher_forced"] = (
            f"{type(model.decoder).__name__} scores a target one step at a time in a Python loop, "
            "which tracing would fix to one target length; run decoder_step over the target instead."
        )
    return {
        "format": format,
        "opset": opset if format == "onnx" else None,
        "checkpoint": checkpoint,
        "torch_version": torch.__version__,
        "model": model_parts(model),
        "vocabulary": list(model.vocabulary.tokens),
        "special_ids": {
            "pad": Vocabulary.pad_id,
            "bos": Vocabulary.bos_id,
            "eos": Vocabulary.eos_id,
            "unk": Vocabulary.unk_id,
        },
        # null: 2 * source length + 10, as the model decodes.
        "max_output_length": model.max_output_length,
        # The encoder graph's outputs prepared.<name>, fed to every decoder_step as they are.
        "prepared": [
            name.removeprefix("prepared.") for name in encoder.output_names if name.startswith("prepared.")
        ],
        "state": [name.removeprefix("next_state.") for name in step.output_names if name.startswith("next_")],
        "graphs": {graph.name: _describe(graph, format) for graph in graphs},
        "not_exported": skipped,
    }


def _pipeline_entries(pipeline: Any) -> dict[str, Any]:
    """The data pipeline as plain data: all steps, the input steps (source side, no filters) in
    order, and the separator that joins output tokens (see `runtime.read_text` / `write_text`)."""
    if pipeline is None:
        return {"pipeline": [], "input_steps": [], "output_separator": " "}
    inputs = [step.record() for step in pipeline.steps if step.applies_to_inputs and step.reads("source")]
    return {
        "pipeline": pipeline.records(),
        "input_steps": inputs,
        "output_separator": pipeline.target_text(["", ""]),
    }


def _describe(graph: Graph, format: str) -> dict[str, Any]:
    def tensors(names: list[str]) -> list[dict[str, Any]]:
        return [{"name": name, "dtype": graph.dtypes[name], "shape": graph.shapes[name]} for name in names]

    return {
        "file": f"{graph.name}{FILE_SUFFIXES[format]}",
        "inputs": tensors(graph.input_names),
        "outputs": tensors(graph.output_names),
    }
