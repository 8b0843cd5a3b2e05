"""Running exported graphs without Plugboard: a reference greedy decoder.

This file needs numpy, plus onnxruntime (ONNX) or torch (torch.export, TorchScript), and nothing from
Plugboard, so a deployment can copy it next to the exported files:

    graphs = load_graphs("exported/")           # reads manifest.json
    ids = encode(read_text("12 March 2021", graphs.manifest), graphs.manifest)
    tokens = greedy_decode(graphs, ids[None], ids[None] != graphs.manifest["special_ids"]["pad"])
    print(write_text(decode(tokens[0], graphs.manifest), graphs.manifest))

Raw text goes through the data pipeline's input steps the manifest lists (`read_text`), those
that need only the standard library; a manifest listing any other step makes `read_text`
refuse, rather than feed the model text prepared differently from its training data.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

MANIFEST = "manifest.json"


class OnnxGraphs:
    """The exported `.onnx` graphs of one model, run by onnxruntime on the CPU."""

    def __init__(self, directory: str | Path) -> None:
        import onnxruntime

        self.directory = Path(directory)
        self.manifest = read_manifest(self.directory)
        self.sessions = {
            name: onnxruntime.InferenceSession(
                str(self.directory / graph["file"]), providers=["CPUExecutionProvider"]
            )
            for name, graph in self.manifest["graphs"].items()
        }

    def run(self, graph: str, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Outputs by name; `inputs` may hold more than the graph reads (see the manifest)."""
        spec = self.manifest["graphs"][graph]
        feed = {item["name"]: inputs[item["name"]] for item in spec["inputs"]}
        outputs = self.sessions[graph].run([item["name"] for item in spec["outputs"]], feed)
        return {item["name"]: value for item, value in zip(spec["outputs"], outputs, strict=True)}


class TorchGraphs:
    """The exported graphs of one model as torch modules, run on the CPU (`load` says how)."""

    def __init__(self, directory: str | Path) -> None:
        import torch

        self.torch = torch
        self.directory = Path(directory)
        self.manifest = read_manifest(self.directory)
        self.modules = {
            name: self.load(self.directory / graph["file"]) for name, graph in self.manifest["graphs"].items()
        }

    def load(self, path: Path) -> Callable[..., Any]:
        raise NotImplementedError

    def run(self, graph: str, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        spec = self.manifest["graphs"][graph]
        arguments = [
            self.torch.from_numpy(np.ascontiguousarray(inputs[item["name"]])) for item in spec["inputs"]
        ]
        with self.torch.no_grad():
            outputs = self.modules[graph](*arguments)
        return {item["name"]: value.numpy() for item, value in zip(spec["outputs"], outputs, strict=True)}


class ExportedProgramGraphs(TorchGraphs):
    """The exported `.pt2` graphs of one model (torch.export ExportedPrograms)."""

    def load(self, path: Path) -> Callable[..., Any]:
        return self.torch.export.load(str(path)).module()


class TorchScriptGraphs(TorchGraphs):
    """The exported `.pt` graphs of one model, `torch.jit.load`ed (TorchScript: deprecated)."""

    def load(self, path: Path) -> Callable[..., Any]:
        return self.torch.jit.load(str(path), map_location="cpu")


def read_manifest(directory: str | Path) -> dict[str, Any]:
    return json.loads((Path(directory) / MANIFEST).read_text())


def load_graphs(directory: str | Path) -> OnnxGraphs | TorchGraphs:
    """The graphs in `directory`, loaded for the format its manifest names."""
    readers = {"onnx": OnnxGraphs, "torch_export": ExportedProgramGraphs, "torchscript": TorchScriptGraphs}
    return readers[read_manifest(directory)["format"]](directory)


def greedy_decode(
    graphs: OnnxGraphs | TorchGraphs,
    source: np.ndarray,
    source_mask: np.ndarray,
    max_length: int | None = None,
) -> np.ndarray:
    """Token ids [B, L]: the most likely token at every step, `<pad>` after each row's `<eos>`.

    The same algorithm as the model's own greedy decoding, so the tokens are the same.
    `max_length` defaults to the model's `max_output_length`, or 2 * source length + 10.
    """
    manifest = graphs.manifest
    ids = manifest["special_ids"]
    max_length = max_length or manifest["max_output_length"] or 2 * source.shape[1] + 10
    source, source_mask = source.astype(np.int64), source_mask.astype(bool)
    encoded = graphs.run("encoder", {"source": source, "source_mask": source_mask})
    # Computed once per sequence from the encoder states (e.g. an attention's projected keys).
    prepared = {f"prepared.{name}": encoded[f"prepared.{name}"] for name in manifest.get("prepared", [])}
    state_names = manifest["state"]
    state = {name: encoded[f"state.{name}"] for name in state_names}
    tokens = np.full(source.shape[0], ids["bos"], dtype=np.int64)
    finished = np.zeros(source.shape[0], dtype=bool)
    outputs = []
    for _ in range(max_length):
        inputs = {"tokens": tokens, "encoder_states": encoded["encoder_states"], "source_mask": source_mask}
        inputs |= prepared
        step = graphs.run("decoder_step", inputs | {f"state.{name}": state[name] for name in state_names})
        state = {name: step[f"next_state.{name}"] for name in state_names}
        tokens = step["logits"].argmax(axis=-1).astype(np.int64)
        outputs.append(np.where(finished, ids["pad"], tokens))
        finished |= tokens == ids["eos"]
        if finished.all():
            break
    return np.stack(outputs, axis=1)


def encode(tokens: list[str], manifest: dict[str, Any]) -> np.ndarray:
    """Token strings -> ids [S] (unknown tokens -> `<unk>`)."""
    index = {token: i for i, token in enumerate(manifest["vocabulary"])}
    return np.array([index.get(token, manifest["special_ids"]["unk"]) for token in tokens], dtype=np.int64)


def decode(ids: np.ndarray, manifest: dict[str, Any]) -> list[str]:
    """Ids -> token strings, up to the first `<eos>`, without `<pad>` and `<bos>`."""
    special = manifest["special_ids"]
    tokens = []
    for index in ids.tolist():
        if index == special["eos"]:
            break
        if index not in (special["pad"], special["bos"]):
            tokens.append(manifest["vocabulary"][index])
    return tokens


Value = str | list[str]
PACKAGE = "plugboard.data.pipeline."


def _text_step(function: Callable[[dict[str, Any], str], str]) -> Callable[[dict[str, Any], Value], Value]:
    """A text transform applies to the text, or to each token once the text is tokenised."""
    return lambda step, value: (
        function(step, value) if isinstance(value, str) else [function(step, t) for t in value]
    )


def _tokenize(step: dict[str, Any], value: Value) -> Value:
    return list(value) if step["split"] == "characters" else value.split()


STEPS: dict[str, Callable[[dict[str, Any], Value], Value]] = {
    PACKAGE + "lowercase.Lowercase": _text_step(lambda step, text: text.lower()),
    PACKAGE + "normalize.Normalize": _text_step(lambda step, text: unicodedata.normalize(step["form"], text)),
    PACKAGE + "strip.Strip": _text_step(
        lambda step, text: " ".join(text.split()) if step["collapse"] else text.strip()
    ),
    PACKAGE + "map_characters.MapCharacters": _text_step(
        lambda step, text: text.translate(str.maketrans(step["mapping"]))
    ),
    PACKAGE + "tokenize.Tokenize": _tokenize,
}


def read_text(text: str, manifest: dict[str, Any]) -> list[str]:
    """Raw input as source tokens, through the manifest's input steps (then `runtime.encode`)."""
    unknown = [step["_target_"] for step in manifest.get("input_steps", []) if step["_target_"] not in STEPS]
    if unknown:
        raise ValueError(
            f"The model's data pipeline prepares its input with {', '.join(unknown)}, which this runtime "
            "cannot apply with the standard library; prepare the tokens yourself as that step does "
            "and pass them to encode()."
        )
    value: Value = text
    for step in manifest.get("input_steps", []):
        value = STEPS[step["_target_"]](step, value)
    if isinstance(value, str):
        raise ValueError("The manifest's input steps never tokenise the text: pass tokens to encode().")
    return value


def write_text(tokens: list[str], manifest: dict[str, Any]) -> str:
    """Output tokens as text, joined as the model's target tokenizer split them."""
    return manifest.get("output_separator", " ").join(tokens)
