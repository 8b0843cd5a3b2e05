"""Writing one graph to a file, ONNX, torch.export or TorchScript, and proving it works at other sizes.

Every format records one path through the Python code at the sizes of the example inputs; a
size wrongly taken for a constant would only show at other sizes. So every written graph is run
at a second set of sizes (`Graph.probe`) and must give the model's outputs before it is kept.

torch_export: `torch.export.export` with every varying axis dynamic, saved as an ExportedProgram
(`.pt2`, read back by `torch.export.load`). The recurrent encoder runs its layers as a `scan`
while it is exported (`modules/encoders/recurrent_scan.py`), since torch.export follows neither
packed sequences nor the recurrent kernel's loop.

ONNX: torch's TorchScript-based exporter (`torch.onnx.export(dynamo=False)`) first, since it
follows the recurrent encoder's packed sequences. Where the traced graph fails the probe
(`nn.MultiheadAttention` inside the transformer encoder: that exporter fixes the source
length, pytorch/pytorch#122321), the graph is exported again with the `torch.export`-based
exporter (`dynamo=True`, needs onnxscript), which keeps it dynamic but takes longer.

TorchScript (`torch.jit.trace`) is deprecated in PyTorch (2.9+) and Lightning (2.6.1): choosing it
warns, and it goes when torch drops it. torch 2.9+ also marks the TorchScript-based ONNX exporter
deprecated; both still work in torch 2.13 and 2.14, and their own deprecation warnings are not shown.
"""

from __future__ import annotations

import importlib.util
import inspect
import logging
import re
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch

from plugboard.core.errors import PlugboardError
from plugboard.core.job.logs import get_logger
from plugboard.seq2seq.export.graphs import Graph

log = get_logger(__name__)

# Scaled dot-product attention (the transformer's self-attention) has an ONNX form from opset
# 14; 20 is the newest the TorchScript-based exporter writes.
MIN_OPSET, MAX_OPSET = 14, 20
FILE_SUFFIXES = {"onnx": ".onnx", "torch_export": ".pt2", "torchscript": ".pt"}
# Largest |difference| from the model at the probe sizes; float32 rounding is ~1e-6.
PROBE_TOLERANCE = 1e-4
# The torch.export-based exporter logs every rewrite it applies at INFO level.
CHATTY_LOGGERS = ("torch.onnx", "onnxscript", "onnx_ir")
ANSI_CODES = re.compile(r"\x1b\[[0-9;]*m")  # torch.export colours its messages


class ExportError(PlugboardError, RuntimeError):
    """A model or setting that cannot be exported as asked."""


class UntraceableGraph(RuntimeError):
    """A traced graph that fails, or differs from the model, at sizes other than its example's."""


def require_onnx_packages() -> None:
    missing = [
        name for name in ("onnx", "onnxscript", "onnxruntime") if importlib.util.find_spec(name) is None
    ]
    if missing:
        raise ExportError(
            f"format=onnx needs the {', '.join(missing)} package(s), which are not installed. "
            'Install the export extra with `pip install -e ".[export]"`, or export with format=torch_export.'
        )


def check_opset(opset: int) -> None:
    if not MIN_OPSET <= opset <= MAX_OPSET:
        raise ExportError(
            f"opset={opset} is outside what the exporter supports ({MIN_OPSET} to {MAX_OPSET}). "
            f"Pick an opset in that range that your ONNX runtime supports, e.g. opset=18."
        )


def write_graph(graph: Graph, path: Path, format: str, opset: int) -> list[str]:
    """Writes `graph` to `path` and checks it at the probe sizes; returns the names of the
    inputs the written graph takes.

    An ONNX graph leaves out inputs it never reads (e.g. the previous step's attention weights
    when the attention does not look at them); the other formats take all of them.
    """
    with _quiet_tracing(), torch.no_grad():
        if format == "onnx":
            return _write_onnx(graph, path, opset)
        if format == "torch_export":
            dynamic_shapes = _dynamic_shapes(graph)
            program = torch.export.export(
                graph.module, graph.example, dynamic_shapes=dynamic_shapes, strict=False
            )
            torch.export.save(program, str(path))
        else:
            torch.jit.trace(graph.module, graph.example, check_trace=False).save(str(path))
        try:
            outputs = load_torch_graph(path, format)(*graph.probe)
        except Exception as error:
            raise UntraceableGraph(
                f"the traced graph fails at other sizes ({describe_error(error)})"
            ) from error
        if problem := _probe_problem(graph, [output.numpy() for output in outputs]):
            raise UntraceableGraph(f"the traced graph differs from the model at other sizes ({problem})")
        return graph.input_names


def load_torch_graph(path: Path, format: str) -> torch.nn.Module:
    """A `.pt2` (torch_export) or `.pt` (torchscript) graph, ready to call on CPU tensors."""
    if format == "torch_export":
        return torch.export.load(str(path)).module()
    return torch.jit.load(str(path), map_location="cpu")


def _write_onnx(graph: Graph, path: Path, opset: int) -> list[str]:
    import onnx

    arguments = dict(
        input_names=graph.input_names, output_names=graph.output_names, opset_version=opset, verbose=False
    )
    try:
        torch.onnx.export(
            graph.module, graph.example, str(path), dynamo=False, dynamic_axes=graph.dynamic_axes, **arguments
        )
        problem = _probe_problem(graph, _run_onnx(path, graph))
    except Exception as error:  # any failure here is a reason to try the other exporter
        problem = describe_error(error)
    if problem:
        log.info(
            f"The {graph.name} graph traced for ONNX does not work at other sizes ({problem[:100]}...); "
            "exporting it again with torch.export, which takes longer"
        )
        try:
            torch.onnx.export(
                graph.module,
                graph.example,
                str(path),
                dynamo=True,
                dynamic_shapes=_dynamic_shapes(graph),
                external_data=False,  # one file per graph, as the other exporter writes
                **arguments,
            )
        except Exception as error:
            raise UntraceableGraph(
                f"the traced graph fails at other sizes ({problem[:200]}), and torch.export cannot "
                f"capture it either ({describe_error(error)})"
            ) from error
        if second_problem := _probe_problem(graph, _run_onnx(path, graph)):
            raise UntraceableGraph(
                f"neither ONNX exporter gives a graph that works at other sizes ({second_problem})"
            )
    onnx.checker.check_model(str(path), full_check=True)
    return [tensor.name for tensor in onnx.load(str(path), load_external_data=False).graph.input]


def _run_onnx(path: Path, graph: Graph) -> list[np.ndarray]:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 4  # a graph failing the probe is expected, and reported by us
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    taken = {tensor.name for tensor in session.get_inputs()}
    feed = {
        name: value.numpy()
        for name, value in zip(graph.input_names, graph.probe, strict=True)
        if name in taken
    }
    return session.run(graph.output_names, feed)


def _probe_problem(graph: Graph, outputs: Sequence[np.ndarray]) -> str | None:
    """What differs from the model at the probe sizes, or None."""
    for name, output, expected in zip(graph.output_names, outputs, graph.probe_outputs, strict=True):
        if tuple(output.shape) != tuple(expected.shape):
            return f"{name} has shape {list(output.shape)}, the model gives {list(expected.shape)}"
        if output.size and (difference := float(np.abs(output - expected.numpy()).max())) > PROBE_TOLERANCE:
            return f"{name} differs from the model's by up to {difference:.1e}"
    return None


def _dynamic_shapes(graph: Graph) -> tuple:
    """`dynamic_shapes` for torch.export, nested as the module's forward takes its arguments."""
    specs = [
        {axis: torch.export.Dim.DYNAMIC for axis in graph.dynamic_axes.get(name, {})} or None
        for name in graph.input_names
    ]
    parameters = inspect.signature(graph.module.forward).parameters.values()
    if any(parameter.kind is parameter.VAR_POSITIONAL for parameter in parameters):
        fixed = len(parameters) - 1
        return (*specs[:fixed], tuple(specs[fixed:]))
    return tuple(specs)


def describe_error(error: BaseException) -> str:
    """One line for the user: our own message, or the innermost cause's `SomeError: ...` line."""
    if isinstance(error, UntraceableGraph):
        return str(error)
    while error.__cause__ is not None:
        error = error.__cause__
    lines = [ANSI_CODES.sub("", line).strip() for line in str(error).splitlines() if line.strip()]
    raised = [line for line in lines if re.match(r"[\w.]*(Error|Exception): ", line)]
    text = raised[-1] if raised else " ".join(lines[:2])
    return text[:300] or type(error).__name__


@contextmanager
def _quiet_tracing() -> Iterator[None]:
    """Tracer warnings, deprecation notices and the exporters' progress logs off; PyTorch's
    fused transformer fast path off.

    The tracer warns wherever a Python value is read off a tensor; the probe is what proves
    the graph, so the warnings would only alarm. The fast path
    (`torch._transformer_encoder_layer_fwd`) has no ONNX form; the ordinary path computes
    the same thing.
    """
    fast_path = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)
    loggers = [logging.getLogger(name) for name in CHATTY_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        torch.backends.mha.set_fastpath_enabled(fast_path)
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
