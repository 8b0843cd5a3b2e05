"""An ordered list of steps run over a source's examples, recording what each step did."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from plugboard.core.errors import ConfigError, DataError, PlugboardError
from plugboard.core.job.logs import get_logger
from plugboard.data.collection_paused import collection_paused
from plugboard.data.pipeline.base import Example, Filter, Step
from plugboard.data.pipeline.bounds import LengthBounds
from plugboard.data.pipeline.build import build_step
from plugboard.data.pipeline.report import dropped, shown
from plugboard.data.pipeline.set_aside import (
    NumberedExamples,
    dropped_numbers,
    log_set_aside,
    numbers_after,
    summary,
)
from plugboard.data.pipeline.tokenize import Tokenize

log = get_logger(__name__)


class Pipeline:
    """Steps in order, as configured (`data.pipeline`), then the length `bounds`; built once, run
    once per split in `setup`. What each step and the bounds set aside is counted in `report`
    (`plugboard.data.pipeline.set_aside`).

    `records()` is the pipeline as plain data (saved with the model). At predict and serve time
    `source_tokens(text)` applies the steps that act on the source, filters excepted, so a model
    reads raw input exactly as it read its training sources; `target_text(tokens)` joins its
    outputs as the target's tokenizer split them.
    """

    def __init__(
        self, steps: Sequence[Step | Mapping[str, Any] | None], bounds: LengthBounds | None = None
    ) -> None:
        # A null entry is a step switched off (`data.pipeline.4=null` on the command line); the
        # others keep their position in the list, which messages name.
        kept = [(position, step) for position, step in enumerate(steps, start=1) if step is not None]
        self.positions = [position for position, _ in kept]
        self.steps = [build_step(step, position) for position, step in kept]
        self.bounds = bounds or LengthBounds()
        self._check_order()
        self.report: dict[str, Any] = {}

    def records(self) -> list[dict[str, Any]]:
        return [step.record() for step in self.steps]

    def describe(self, position: int) -> str:
        """The step at `position` in messages: "step 2 (<its _target_>, side='both', max_length=30)"."""
        record = self.steps[self.positions.index(position)].record()
        arguments = ", ".join(f"{key}={value!r}" for key, value in record.items() if key != "_target_")
        return f"step {position} ({record['_target_']}, {arguments})"

    def run(self, examples: list[Example] | NumberedExamples, split: str) -> list[Example]:
        """`examples` through every step, then the length bounds; the split's record goes to
        `report[split]`. Numbered examples (the lines of a file) are named by their numbers."""
        with collection_paused():  # the steps make many small lists: see plugboard.data.collection_paused
            return self._run(NumberedExamples.of(examples, f"the {split} examples"), split)

    def _run(self, numbered: NumberedExamples, split: str) -> list[Example]:
        examples, numbers, unit = numbered.examples, numbered.numbers, numbered.unit
        set_aside: dict[str, list[int] | int] = dict(numbered.set_aside)
        record: dict[str, Any] = {"examples_in": len(examples), "steps": []}
        # Text far over the bounds is set aside before any step builds its tokens.
        bounds = self.bounds
        examples, numbers = self._bounded(examples, numbers, numbered, set_aside, bounds.too_long_to_tokenise)
        for position, step in zip(self.positions, self.steps, strict=True):
            before, before_numbers = examples, numbers
            examples = self._apply(step, position, examples)
            numbers = numbers_after(step, before, examples, before_numbers)
            entry = {"step": self.describe(position), "examples_out": len(examples)}
            if isinstance(step, Filter):
                entry["dropped"] = len(before) - len(examples)
                entry["dropped_examples"] = dropped(before, examples)
                log.info(
                    f"Data pipeline, {split}: {self.describe(position)} dropped {entry['dropped']} "
                    f"of {len(before)} examples"
                )
                if before and not examples:
                    raise DataError(
                        f"Data pipeline, {split} split: {self.describe(position)} dropped all "
                        f"{len(before)} examples (e.g. {shown(before[0])}). Loosen its arguments or "
                        "remove it from data.pipeline."
                    )
                if entry["dropped"]:
                    set_aside[f"step {position} ({type(step).__name__})"] = dropped_numbers(
                        before_numbers, numbers, entry["dropped"]
                    )
            else:
                log.info(f"Data pipeline, {split}: {self.describe(position)} on {len(examples)} examples")
            record["steps"].append(entry)
        examples, _ = self._bounded(examples, numbers, numbered, set_aside, bounds.too_long)
        record["set_aside"] = {
            reason: summary(None, unit, gone) if isinstance(gone, int) else summary(gone, unit)
            for reason, gone in set_aside.items()
        }
        self.report[split] = record
        log_set_aside(split, record)
        return examples

    def _bounded(
        self,
        examples: list[Example],
        numbers: list[int] | None,
        numbered: NumberedExamples,
        set_aside: dict[str, list[int] | int],
        over_bound: Callable[[Example], bool],
    ) -> tuple[list[Example], list[int] | None]:
        """The examples `over_bound` lets through (and their numbers); the others refused, or
        dropped into `set_aside` under the bounds' reason."""
        over = [index for index, example in enumerate(examples) if over_bound(example)]
        if not over:
            return examples, numbers
        over_numbers = [numbers[index] for index in over] if numbers is not None else None
        if self.bounds.bad_examples == "refuse":
            unit = numbered.unit if over_numbers is not None else "example"
            named = over_numbers or [index + 1 for index in over]
            raise self.bounds.refusal(numbered.where, unit, named, examples[over[0]])
        if len(over) == len(examples):
            raise self.bounds.everything_over(numbered.where, len(examples))
        earlier = set_aside.get(self.bounds.reason, [])
        if over_numbers is None or isinstance(earlier, int):
            set_aside[self.bounds.reason] = (earlier if isinstance(earlier, int) else len(earlier)) + len(
                over
            )
        else:
            set_aside[self.bounds.reason] = sorted([*earlier, *over_numbers])
        gone = set(over)
        kept = [index for index in range(len(examples)) if index not in gone]
        return [examples[index] for index in kept], [numbers[index] for index in kept] if numbers else numbers

    def source_tokens(self, text: str) -> list[str]:
        """Raw input as source tokens, through the pipeline's source-side transforms."""
        example: Example = (text, "")
        for position, step in zip(self.positions, self.steps, strict=True):
            if step.applies_to_inputs and step.reads("source"):
                example = self._apply(step, position, [example])[0]
        if isinstance(example[0], str):
            raise ConfigError(
                "The data pipeline has no Tokenize step acting on the source, so raw text cannot be "
                "read as tokens: add {_target_: plugboard.data.pipeline.Tokenize, side: source} to it."
            )
        return example[0]

    def target_text(self, tokens: Sequence[str]) -> str:
        """Output tokens as text: joined the way the target's tokenizer split them (spaces if none)."""
        tokenizers = [step for step in self.steps if isinstance(step, Tokenize) and step.reads("target")]
        return tokenizers[-1].join(tokens) if tokenizers else " ".join(tokens)

    def _apply(self, step: Step, position: int, examples: list[Example]) -> list[Example]:
        try:
            result = step(examples)
        except PlugboardError:
            raise
        except Exception as error:
            raise DataError(
                f"Data pipeline {self.describe(position)} failed: {type(error).__name__}: {error}. "
                "Check its place in data.pipeline (text steps before Tokenize) and its arguments."
            ) from None
        if not step.output_checked:
            _check_output(result, lambda: self.describe(position))
        return result

    def _check_order(self) -> None:
        """A side is tokenised once; a Tokenize on an already tokenised side is a config mistake."""
        tokenised: dict[str, int] = {}
        for position, step in zip(self.positions, self.steps, strict=True):
            if not isinstance(step, Tokenize):
                continue
            for part in ("source", "target"):
                if step.reads(part) and part in tokenised:
                    raise ConfigError(
                        f"Data pipeline {self.describe(position)} tokenises the {part}, which step "
                        f"{tokenised[part]} already tokenised: keep one Tokenize per side."
                    )
                if step.reads(part):
                    tokenised[part] = position


def _check_output(examples: Any, where: Any) -> None:
    """Each example must stay a (source, target) pair of text or token lists."""
    if not isinstance(examples, list):
        raise DataError(
            f"Data pipeline {where()} returned {type(examples).__name__}, not a list of examples."
        )
    for number, example in enumerate(examples, start=1):
        if isinstance(example, tuple) and len(example) == 2 and all(map(_is_value, example)):
            continue
        raise DataError(
            f"Data pipeline {where()} returned {example!r} as example {number}: a step must return "
            "(source, target) pairs whose parts are text (str) or tokens (a list of str)."
        )


def _is_value(value: Any) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, list) and all(isinstance(token, str) for token in value)
