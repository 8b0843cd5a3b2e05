"""Examples set aside before training, and why: counted and said the same way wherever it happens.

An example is set aside while its file is read (a blank line, an empty side, not one tab), by a
filter step of the data pipeline, or by the length bounds (`plugboard.data.pipeline.bounds`).
Every reason keeps the numbers of what it set aside: the lines of a file, or, for a source that
is no file (a task generator), each example's position in its part as read. A reason is then
reported as its count and its first few numbers: in `data_report.json` (`set_aside` of each
part of the source), in one log line per part, and, where it refuses rather than drops, in the
error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from plugboard.core.job.logs import get_logger
from plugboard.data.pipeline.base import Example, Filter, Step

log = get_logger(__name__)

SHOWN_NUMBERS = 5
#: Reasons that are a choice of the data config (blank lines, a filter's drops), not a defect of the data.
EXPECTED_PREFIXES = ("blank lines", "step ")


@dataclass
class NumberedExamples:
    """Examples and the number of each (`unit` "line": its line in `where`, a file), with what was
    set aside while reading them, by reason."""

    examples: list[Example]
    numbers: list[int]
    unit: str = "line"
    where: str = ""
    set_aside: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, examples: Sequence[Example] | NumberedExamples, where: str) -> NumberedExamples:
        """`examples` as they are, or numbered by their position ("example 3 of the train part")."""
        if isinstance(examples, NumberedExamples):
            return examples
        return cls(list(examples), list(range(1, len(examples) + 1)), "example", where)


def summary(numbers: Sequence[int] | None, unit: str, count: int | None = None) -> dict[str, Any]:
    """A reason in the data report: `{"count": 3, "first_lines": [4, 9, 12]}`."""
    if numbers is None:  # a step that changed the examples' count lost their numbers
        return {"count": count}
    return {"count": len(numbers), f"first_{unit}s": list(numbers[:SHOWN_NUMBERS])}


def listed(numbers: Sequence[int], unit: str) -> str:
    """ "line 4", "lines 4, 9 and 12", "lines 4, 9, 12, 30, 41 and 7 more"."""
    shown = [str(number) for number in numbers[:SHOWN_NUMBERS]]
    if len(numbers) == 1:
        return f"{unit} {shown[0]}"
    if len(numbers) <= SHOWN_NUMBERS:
        return f"{unit}s {', '.join(shown[:-1])} and {shown[-1]}"
    return f"{unit}s {', '.join(shown)} and {len(numbers) - SHOWN_NUMBERS} more"


def log_line(part: str, record: Mapping[str, Any]) -> tuple[str, bool] | None:
    """The one line that says what a part of the source lost, and whether it is a warning (data
    that was defective, rather than dropped by the config's own choice); None when nothing was."""
    reasons = record.get("set_aside") or {}
    if not reasons:
        return None
    said = []
    for reason, found in reasons.items():
        numbers = next((value for key, value in found.items() if key.startswith("first_")), None)
        unit = next((key[len("first_") : -1] for key in found if key.startswith("first_")), "example")
        where = f" ({_first(numbers, found['count'], unit)})" if numbers else ""
        said.append(f"{reason}: {found['count']}{where}")
    total = sum(found["count"] for found in reasons.values())
    warning = any(not reason.startswith(EXPECTED_PREFIXES) for reason in reasons)
    return f"Data pipeline, {part}: {total} set aside; {'; '.join(said)}. See data_report.json", warning


def kept_numbers(
    before: Sequence[Example], after: Sequence[Example], numbers: Sequence[int]
) -> list[int] | None:
    """The numbers of the examples of `before` that a filter kept in `after` (it keeps order and
    returns the same objects); None when `after` is not such a subsequence."""
    kept, following = [], iter(after)
    wanted = next(following, None)
    for example, number in zip(before, numbers, strict=True):
        if example is wanted:
            kept.append(number)
            wanted = next(following, None)
    return kept if len(kept) == len(after) else None


def log_set_aside(part: str, record: Mapping[str, Any]) -> None:
    """One log line for what a part of the source lost (a warning when data was defective)."""
    said = log_line(part, record)
    if said is not None:
        (log.warning if said[1] else log.info)(said[0])


def numbers_after(
    step: Step, before: list[Example], after: list[Example], numbers: list[int] | None
) -> list[int] | None:
    """Each example's number after `step`: a transform keeps them, a filter keeps those of what it
    kept; a step that changed the count otherwise loses them (None)."""
    if numbers is None:
        return None
    if isinstance(step, Filter):
        return kept_numbers(before, after, numbers)
    return numbers if len(after) == len(before) else None


def dropped_numbers(before: list[int] | None, after: list[int] | None, count: int) -> list[int] | int:
    """The numbers a filter dropped, or their count when the numbers are not known."""
    if before is None or after is None:
        return count
    kept = set(after)
    return [number for number in before if number not in kept]


def _first(numbers: Sequence[int], count: int, unit: str) -> str:
    shown = ", ".join(str(number) for number in numbers)
    more = f" and {count - len(numbers)} more" if count > len(numbers) else ""
    return f"{unit}{'s' if count > 1 else ''} {shown}{more}"
