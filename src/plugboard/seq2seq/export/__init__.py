"""Export of a trained seq2seq model to ONNX or TorchScript, for decoding without Plugboard.

`graphs` says what is exported (encoder, decoder step, teacher-forced forward), `formats`
how a graph is written, `exporter` writes the graphs and `manifest.json`, `runtime` decodes
with them (numpy + onnxruntime or torch only), `check` compares them with the model and
`run` is the `export.py` entry point.
"""

from plugboard.seq2seq.export.exporter import export_model
from plugboard.seq2seq.export.formats import ExportError
from plugboard.seq2seq.export.runtime import OnnxGraphs, TorchScriptGraphs, greedy_decode, load_graphs

__all__ = ["ExportError", "OnnxGraphs", "TorchScriptGraphs", "export_model", "greedy_decode", "load_graphs"]
