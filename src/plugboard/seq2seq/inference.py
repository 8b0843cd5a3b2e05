"""Using a trained model: raw strings in, output strings (with scores and attention) out.

Everything is rebuilt from the checkpoint alone, as `eval.py` does: the model from its saved
config, weights and vocabulary, and the tokenisation from its saved data config, so a user's
text is split exactly as the training examples were. `predict.py` and `serve.py` build on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch
from omegaconf import DictConfig, OmegaConf

from plugboard.core.checkpoints.rebuild import Rebuilt, rebuild
from plugboard.core.errors import ConfigError, PlugboardError
from plugboard.core.job.logs import get_logger
from plugboard.data.vocabulary import SPECIALS, Vocabulary
from plugboard.seq2seq.data.batch import Seq2SeqBatch, collate
from plugboard.seq2seq.data.datamodule import Seq2SeqDataModule
from plugboard.seq2seq.length_notes import length_warning, log_cut_and_long
from plugboard.seq2seq.model import Seq2SeqModule

log = get_logger(__name__)

MAX_LISTED_SYMBOLS = 80  # of the vocabulary, in the message about unknown symbols


class InputError(PlugboardError, ValueError):
    """An input the model cannot read: empty, or with symbols it never saw in training."""


@dataclass(frozen=True, eq=False)
class Prediction:
    """What the model makes of one input string."""

    input: str
    output: str
    tokens: list[str]  # the output tokens, without <eos>
    source_tokens: list[str]  # the input as the model read it
    score: float  # log-probability of the output (and its <eos>) under the model
    # [steps, len(source_tokens)]: a row per output token, plus a last row for the step that
    # chose <eos> when the model ended the output itself; None when the model has no attention.
    attention: torch.Tensor | None = field(repr=False)
    # The output hit the length cap before <eos>: it was cut, not finished.
    truncated: bool = False
    # Set when the input is far longer than anything the model saw in training.
    warning: str | None = None

    def as_dict(self) -> dict[str, object]:
        """The JSON-ready fields (attention is left out: see the heatmaps)."""
        return {
            "input": self.input,
            "output": self.output,
            "tokens": self.tokens,
            "score": self.score,
            "truncated": self.truncated,
            "warning": self.warning,
        }


class Predictor:
    """A model in eval mode, with the tokenisation of the data it was trained on."""

    def __init__(
        self,
        model: Seq2SeqModule,
        datamodule: Seq2SeqDataModule,
        checkpoint_path: str | Path,
        task: str,
        attention: str,
        batch_size: int = 64,
    ) -> None:
        self.model, self.datamodule = model.eval(), datamodule
        self.vocabulary: Vocabulary = model.vocabulary
        self.checkpoint_path, self.task, self.attention = str(checkpoint_path), task, attention
        self.batch_size = batch_size
        self.device = next(model.parameters()).device
        self.known_symbols = set(self.vocabulary.tokens) - set(SPECIALS)
        # From the checkpoint's metadata; None for a checkpoint written before it was recorded.
        lengths = getattr(datamodule, "training_lengths", None) or {}
        self.longest_training_source: int | None = lengths.get("source")

    def predict(self, texts: Sequence[str], beam_size: int | None = None) -> list[Prediction]:
        """Decodes every text (greedy, or beam search when `beam_size > 1`; None = the
        checkpoint's `model.beam_size`), `batch_size` texts at a time. Outputs cut at the length
        cap are marked `truncated`, inputs far longer than the training sources get a `warning`;
        the log says both once."""
        texts = list(texts)
        sources = self.tokenize(texts)
        predictions = []
        for start in range(0, len(texts), self.batch_size):
            chunk = slice(start, start + self.batch_size)
            predictions += self._predict_batch(texts[chunk], sources[chunk], beam_size)
        longest = self.longest_training_source
        predictions = [replace(p, warning=length_warning(p.source_tokens, longest)) for p in predictions]
        log_cut_and_long(predictions, self.model.max_output_length, longest)
        return predictions

    def tokenize(self, texts: Sequence[str]) -> list[list[str]]:
        """The source tokens of each text; an InputError names every empty input and unknown symbol."""
        sources = [self.datamodule.pipeline.source_tokens(text.strip()) for text in texts]
        empty = [str(number) for number, tokens in enumerate(sources, start=1) if not tokens]
        if empty:
            raise InputError(
                f"Input {', '.join(empty)} {'is' if len(empty) == 1 else 'are'} empty: give every "
                f"input some text for the model to read (this model was trained on {self.task})."
            )
        unknown = {
            number: sorted(set(tokens) - self.known_symbols)
            for number, tokens in enumerate(sources, start=1)
            if not set(tokens) <= self.known_symbols
        }
        if unknown:
            raise InputError(self._unknown_symbols_message(texts, unknown))
        return sources

    def batch(self, sources: Sequence[Sequence[str]]) -> Seq2SeqBatch:
        """Source tokens as a padded batch on the model's device (the targets are placeholders)."""
        examples = [(torch.tensor(self.vocabulary.encode(tokens)), torch.tensor([0])) for tokens in sources]
        batch = collate(examples, Vocabulary.pad_id)
        return Seq2SeqBatch(*(None if part is None else part.to(self.device) for part in batch))

    def _predict_batch(
        self, texts: Sequence[str], sources: Sequence[list[str]], beam_size: int | None
    ) -> list[Prediction]:
        with torch.inference_mode():
            hypotheses = self.model.generate(self.batch(sources), beam_size)
        weights = hypotheses.weights.float().cpu() if hypotheses.weights is not None else None
        predictions = []
        for row, (text, source) in enumerate(zip(texts, sources, strict=True)):
            ids = hypotheses.tokens[row].tolist()
            end = ids.index(Vocabulary.eos_id) if Vocabulary.eos_id in ids else len(ids)
            kept = [step for step in range(end) if ids[step] not in (Vocabulary.pad_id, Vocabulary.bos_id)]
            tokens = [self.vocabulary.tokens[ids[step]] for step in kept]
            steps = kept + ([end] if end < len(ids) else [])  # the <eos> step attended too
            attention = weights[row, steps, : len(source)] if weights is not None else None
            output = self.datamodule.pipeline.target_text(tokens)
            score = float(hypotheses.scores[row])
            cut = Vocabulary.eos_id not in ids
            predictions.append(Prediction(text, output, tokens, source, score, attention, truncated=cut))
        return predictions

    def _unknown_symbols_message(self, texts: Sequence[str], unknown: dict[int, list[str]]) -> str:
        problems = "; ".join(
            f"input {number} ({texts[number - 1]!r}) has {', '.join(map(repr, symbols))}"
            for number, symbols in list(unknown.items())[:5]
        )
        more = f" (and {len(unknown) - 5} more inputs)" if len(unknown) > 5 else ""
        known = [token for token in self.vocabulary.tokens if token in self.known_symbols]
        listed = " ".join(map(repr, known[:MAX_LISTED_SYMBOLS])) + (
            " ..." if len(known) > MAX_LISTED_SYMBOLS else ""
        )
        return (
            f"Symbols the model never saw in training: {problems}{more}. A model trained on "
            f"{self.task} can only read the {len(known)} symbols of its vocabulary: {listed}. "
            "Remove or replace the others."
        )


def load_predictor(
    ckpt_path: str | Path, device: str = "cpu", batch_size: int = 64, paths: DictConfig | None = None
) -> Predictor:
    """The model of a checkpoint written by train.py, ready to decode raw strings on `device`
    (`paths`: the current run's, see `plugboard.core.checkpoints.rebuild`)."""
    rebuilt = rebuild(ckpt_path, paths=paths)
    model, datamodule, run_cfg = (
        require_seq2seq(rebuilt, "predict.py and serve.py"),
        rebuilt.datamodule,
        rebuilt.config,
    )
    model.to(_checked_device(device))
    predictor = Predictor(
        model,
        datamodule,
        ckpt_path,
        task=_task_name(run_cfg.data),
        attention=_short_name(OmegaConf.select(run_cfg, "model.attention._target_", default="none")),
        batch_size=batch_size,
    )
    log.info(
        f"Loaded {ckpt_path} (epoch {rebuilt.checkpoint.get('epoch')}): a model of {predictor.task} with "
        f"{predictor.attention}, {len(model.vocabulary)} tokens in its vocabulary, on {device}"
    )
    return predictor


def require_seq2seq(rebuilt: Rebuilt, products: str) -> Seq2SeqModule:
    """The rebuilt model, when it is a seq2seq model: the products of this family need one."""
    if not isinstance(rebuilt.model, Seq2SeqModule):
        raise ConfigError(
            f"{rebuilt.path} holds a {type(rebuilt.model).__name__}, not a seq2seq model: {products} "
            "are products of the seq2seq family and cannot use it. For any model, eval.py tests "
            "a checkpoint and predict.py without inputs writes its predict_step outputs."
        )
    return rebuilt.model


def _checked_device(device: str) -> torch.device:
    try:
        chosen = torch.device(device)
    except RuntimeError as error:
        raise ConfigError(
            f"device={device!r} is not a device torch knows ({error}); use cpu or cuda."
        ) from None
    if chosen.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device={device} but torch sees no CUDA GPU here: use device=cpu.")
    return chosen


def _task_name(data_cfg: DictConfig) -> str:
    """ "dates" for GeneratedDataModule(task=DatesTask), "tsv" for TsvDataModule: for messages."""
    name = _short_name(OmegaConf.select(data_cfg, "task._target_") or data_cfg.get("_target_", "unknown"))
    return name.removesuffix("Task").removesuffix("DataModule").lower() or name


def _short_name(target: str) -> str:
    """The class name of a `_target_`: "plugboard.modules.attention.DotAttention" -> "DotAttention"."""
    return str(target).rsplit(".", 1)[-1]
