"""Do the exported graphs compute what the model computes? Compared on one batch of real data."""

from __future__ import annotations

import numpy as np
import torch

from plugboard.core.job.logs import get_logger
from plugboard.data.vocabulary import Vocabulary
from plugboard.seq2seq.data.batch import Seq2SeqBatch
from plugboard.seq2seq.export.formats import ExportError
from plugboard.seq2seq.export.runtime import OnnxGraphs, TorchGraphs, greedy_decode
from plugboard.seq2seq.model import Seq2SeqModule

log = get_logger(__name__)

Graphs = OnnxGraphs | TorchGraphs


class ExportCheckError(ExportError):
    """Exported graphs whose outputs differ from the model's."""


def step_logits(
    graphs: Graphs, source: np.ndarray, source_mask: np.ndarray, decoder_input: np.ndarray
) -> np.ndarray:
    """Logits [B, T, V] of `decoder_step` fed the given inputs one step at a time (teacher forcing)."""
    encoded = graphs.run("encoder", {"source": source, "source_mask": source_mask})
    prepared = {f"prepared.{name}": encoded[f"prepared.{name}"] for name in graphs.manifest["prepared"]}
    state = {name: encoded[f"state.{name}"] for name in graphs.manifest["state"]}
    logits = []
    for position in range(decoder_input.shape[1]):
        inputs = {"tokens": decoder_input[:, position], "encoder_states": encoded["encoder_states"]}
        inputs |= (
            {"source_mask": source_mask}
            | prepared
            | {f"state.{name}": value for name, value in state.items()}
        )
        step = graphs.run("decoder_step", inputs)
        state = {name: step[f"next_state.{name}"] for name in state}
        logits.append(step["logits"])
    return np.stack(logits, axis=1)


def compare_with_model(graphs: Graphs, model: Seq2SeqModule, batch: Seq2SeqBatch) -> dict[str, float]:
    """Largest |logit difference| per graph under teacher forcing, and whether greedy tokens agree."""
    model.eval()
    with torch.no_grad():
        expected_logits = model.teacher_forced_logits(batch).numpy()
        expected_tokens = model.generate(batch, beam_size=1).tokens.numpy()
    source, source_mask = batch.source.numpy(), batch.source_mask.numpy()
    bos = np.full_like(batch.target[:, :1].numpy(), Vocabulary.bos_id)
    decoder_input = np.concatenate([bos, batch.target[:, :-1].numpy()], axis=1)
    differences = {"decoder_step": step_logits(graphs, source, source_mask, decoder_input)}
    if "teacher_forced" in graphs.manifest["graphs"]:
        inputs = {"source": source, "source_mask": source_mask, "decoder_input": decoder_input}
        differences["teacher_forced"] = graphs.run("teacher_forced", inputs)["logits"]
    tokens = greedy_decode(graphs, source, source_mask)
    same_tokens = tokens.shape == expected_tokens.shape and bool((tokens == expected_tokens).all())
    metrics = {
        f"check/max_logit_difference/{name}": float(np.abs(logits - expected_logits).max())
        for name, logits in differences.items()
    }
    return metrics | {"check/greedy_tokens_equal": float(same_tokens)}


def check_export(
    graphs: Graphs, model: Seq2SeqModule, batch: Seq2SeqBatch, tolerance: float
) -> dict[str, float]:
    """`compare_with_model`, logged; raises `ExportCheckError` when the graphs disagree with the model."""
    metrics = compare_with_model(graphs, model, batch)
    largest = max(value for name, value in metrics.items() if "logit_difference" in name)
    same_tokens = metrics["check/greedy_tokens_equal"] == 1.0
    examples = batch.source.shape[0]
    log.info(
        f"Checked the exported graphs against PyTorch on {examples} test examples: largest logit "
        f"difference {largest:.2e} (tolerance {tolerance:.0e}); greedy output tokens "
        f"{'identical' if same_tokens else 'DIFFERENT'}"
    )
    if largest > tolerance or not same_tokens:
        raise ExportCheckError(
            f"The exported graphs in {graphs.directory} do not reproduce the model: largest logit "
            f"difference {largest:.2e} (tolerance {tolerance:.0e}), greedy tokens "
            f"{'identical' if same_tokens else 'different'}. Tracing may have fixed a size or a branch "
            "of this model to the example it was traced with; try the other format, or raise "
            "check_tolerance if the difference is only rounding."
        )
    return metrics
