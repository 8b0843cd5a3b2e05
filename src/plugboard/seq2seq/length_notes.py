"""What predict, serve and eval say about lengths: an output cut at the length cap, an input far
longer than the model's training sources.

Decoding stops at a cap (`model.max_output_length`, or twice the input plus 10 tokens) whether or
not the model has ended its output; an output stopped there is cut, not finished, and is marked
so (`truncated` in predictions.jsonl and in the HTTP answer, `<split>/cut_outputs` in eval). The
longest training source comes from the checkpoint (the data's `training_lengths` metadata); a
checkpoint written before it was recorded gets no length warnings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from plugboard.core.job.logs import get_logger

log = get_logger(__name__)

# An input more than this many times the longest training source is far outside what the model
# learned (inputs a little longer, as in test_long, are what length generalisation measures).
FAR_LONGER = 2
SHOWN_INPUTS = 10


def length_cap_in_words(max_output_length: int | None) -> str:
    """The length cap, for messages."""
    if max_output_length:
        return f"model.max_output_length={max_output_length} tokens"
    return "twice the input plus 10 tokens, as model.max_output_length is not set"


def length_warning(source: Sequence[str], longest_training_source: int | None) -> str | None:
    """The warning for an input far longer than the training sources, or None."""
    longest = longest_training_source
    if longest is None or len(source) <= FAR_LONGER * longest:
        return None
    return (
        f"the input has {len(source)} tokens, far more than the longest the model was trained on "
        f"({longest}): expect an output it never learned to make"
    )


def log_cut_and_long(
    predictions: Sequence[Any], max_output_length: int | None, longest_training_source: int | None
) -> None:
    """One warning line for the outputs cut at the cap, one for the inputs far too long (each a
    `Prediction` with `truncated`, `warning` and `source_tokens`)."""
    cut = [number for number, p in enumerate(predictions, start=1) if p.truncated]
    if cut:
        log.warning(
            f"{len(cut)} of {len(predictions)} outputs hit the length cap "
            f"({length_cap_in_words(max_output_length)}) before <eos>, so they were cut, not "
            f"finished: {_inputs(cut)} (truncated: true in the output)"
        )
    long = [number for number, p in enumerate(predictions, start=1) if p.warning]
    if long:
        longest = max(len(predictions[number - 1].source_tokens) for number in long)
        log.warning(
            f"{len(long)} of {len(predictions)} inputs are far longer than the longest the model was "
            f"trained on ({longest_training_source} tokens): {_inputs(long)}, the longest {longest} "
            "tokens; their outputs are unreliable"
        )


def _inputs(numbers: list[int]) -> str:
    shown = ", ".join(str(number) for number in numbers[:SHOWN_INPUTS])
    return f"input{'s' if len(numbers) > 1 else ''} {shown}{' ...' if len(numbers) > SHOWN_INPUTS else ''}"
