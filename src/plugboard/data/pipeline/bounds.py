"""The longest example a data config admits, checked on the pipeline's output before anything is
cached, counted into a vocabulary or padded into a batch.

Without a bound, one line of 50 million characters passes the pipeline, and padding the first
batch to it asks for tens of gigabytes. With one, every batch holds at most `batch_size` x the
bound of each side, so memory is known from the config. An example over a bound is refused
(one paragraph naming its line, the default) or, with `bad_examples: drop`, dropped and counted
like every example set aside (`plugboard.data.pipeline.set_aside`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from plugboard.core.errors import DataError
from plugboard.data.pipeline.base import Example
from plugboard.data.pipeline.set_aside import listed

#: Above the longest example of every shipped task (SCAN's 48 actions the longest) and room for
#: users' sentences; a data config sets its own (configs/data/*.yaml).
DEFAULT_MAX_LENGTH = 1024
BadExamples = Literal["refuse", "drop"]
#: A side of text with more characters than this times its bound is over the bound before any step
#: runs: no tokeniser makes tokens that long on average, and building its tokens would spend the
#: memory the bound is there to save (a line of 50 million characters: 400 MB of token list).
CHARACTERS_PER_TOKEN = 64


@dataclass(frozen=True)
class LengthBounds:
    """At most `max_source_length` and `max_target_length` units per side: tokens after `Tokenize`,
    characters of a side left as text (a classifier's label). `bad_examples`: what happens to an
    example over them (and to a defective line of a file): refused, or dropped and counted."""

    max_source_length: int = DEFAULT_MAX_LENGTH
    max_target_length: int = DEFAULT_MAX_LENGTH
    bad_examples: BadExamples = "refuse"

    def too_long(self, example: Example) -> bool:
        return len(example[0]) > self.max_source_length or len(example[1]) > self.max_target_length

    def too_long_to_tokenise(self, example: Example) -> bool:
        """Whether a side still text is over `CHARACTERS_PER_TOKEN` characters per unit of its bound."""
        bounds = (self.max_source_length, self.max_target_length)
        return any(
            isinstance(side, str) and len(side) > CHARACTERS_PER_TOKEN * bound
            for side, bound in zip(example, bounds, strict=True)
        )

    @property
    def reason(self) -> str:
        """The reason in the data report and the log."""
        source, target = self.max_source_length, self.max_target_length
        return f"longer than max_source_length={source} or max_target_length={target}"

    def record(self) -> dict[str, Any]:
        return {
            "max_source_length": self.max_source_length,
            "max_target_length": self.max_target_length,
            "bad_examples": self.bad_examples,
        }

    def refusal(self, where: str, unit: str, numbers: list[int], first: Example) -> DataError:
        """One paragraph for the over-long examples of `where`, with the sizes of the first."""
        count = len(numbers)
        sizes = f"{len(first[0])} source and {len(first[1])} target units"
        return DataError(
            f"{where}: {count} example{'s are' if count > 1 else ' is'} longer than the data config "
            f"admits (data.max_source_length={self.max_source_length}, data.max_target_length="
            f"{self.max_target_length}; tokens, or characters of text not tokenised): "
            f"{listed(numbers, unit)} ({unit} {numbers[0]}: {sizes}). Fix or delete "
            f"{'them' if count > 1 else 'it'}, raise the bound (data.max_source_length=..., "
            "data.max_target_length=...), or set data.bad_examples=drop to drop such examples "
            "(counted in data_report.json)."
        )

    def everything_over(self, where: str, count: int) -> DataError:
        """Dropping would leave nothing: an error, not an empty split."""
        return DataError(
            f"{where}: every one of the {count} examples is {self.reason} (data.max_source_length, "
            "data.max_target_length): raise the bounds to fit the data."
        )
