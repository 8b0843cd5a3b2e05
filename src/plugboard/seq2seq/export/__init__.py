"""Export of a trained seq2seq model to ONNX or torch.export (TorchScript: deprecated), for decoding
without Plugboard.

`graphs` says what is exported (encoder, decoder step, teacher-forced forward), `formats`
how a graph is written, `exporter` writes the graphs and `manifest.json`, `runtime` decodes
with them (numpy + onnxruntime or torch only), `check` compares them with the model and
`run` is the `export.py` entry point.
"""

from importlib import import_module
from typing import Any

# Loaded on first use, so `export.py --help` does not wait for torch (PEP 562).
_HOMES = {
    "export_model": "exporter",
    "ExportError": "formats",
    "ExportedProgramGraphs": "runtime",
    "OnnxGraphs": "runtime",
    "TorchScriptGraphs": "runtime",
    "greedy_decode": "runtime",
    "load_graphs": "runtime",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)
