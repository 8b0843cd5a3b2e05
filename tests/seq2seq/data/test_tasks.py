"""The generated tasks: deterministic, correct targets, and a long split that is longer."""

from __future__ import annotations

import datetime
import random
import re
from collections import Counter

import pytest

from plugboard.seq2seq.data.tasks import AdditionTask, CopyTask, DatesTask, ReverseTask, SortTask

TASKS = {
    "copy": CopyTask,
    "reverse": ReverseTask,
    "sort": SortTask,
    "addition": AdditionTask,
    "dates": DatesTask,
}


def draw(task, seed: int, count: int = 200, long: bool = False) -> list:
    rng = random.Random(seed)
    return [task.sample(rng, long=long) for _ in range(count)]


@pytest.mark.parametrize("name", TASKS)
def test_same_seed_same_examples_and_other_seed_other_examples(name: str) -> None:
    task = TASKS[name]()
    assert draw(task, seed=1) == draw(TASKS[name](), seed=1)
    assert draw(task, seed=1) != draw(task, seed=2)


@pytest.mark.parametrize("name", TASKS)
def test_examples_are_lists_of_nonempty_string_tokens(name: str) -> None:
    for source, target in draw(TASKS[name](), seed=0, count=50):
        assert source and target
        assert all(isinstance(token, str) and token for token in source + target)


@pytest.mark.parametrize("task_class", [CopyTask, SortTask])
def test_long_split_lengths_lie_beyond_the_training_lengths(task_class) -> None:
    task = task_class(num_symbols=10, min_length=2, max_length=6, long_max_length=9)
    train_lengths = {len(source) for source, _ in draw(task, seed=0)}
    long_lengths = {len(source) for source, _ in draw(task, seed=0, long=True)}
    assert train_lengths == set(range(2, 7))
    assert long_lengths == set(range(7, 10))


def test_copy_target_is_the_source() -> None:
    for source, target in draw(CopyTask(num_symbols=7), seed=3):
        assert target == source
        assert all(0 <= int(token) < 7 for token in source)


def test_sort_target_is_the_source_in_ascending_numeric_order() -> None:
    for source, target in draw(SortTask(num_symbols=50), seed=3):
        assert Counter(target) == Counter(source)
        assert all(int(a) <= int(b) for a, b in zip(target, target[1:], strict=False))
    # Numeric, not string order: "9" comes before "10".
    examples = draw(SortTask(num_symbols=50, min_length=20, max_length=25), seed=4)
    assert any(target[i : i + 2] == ["9", "10"] for _, target in examples for i in range(24))


def test_addition_target_is_the_sum_and_tokens_are_characters() -> None:
    for source, target in draw(AdditionTask(min_digits=1, max_digits=3), seed=5, count=500):
        assert all(len(token) == 1 for token in source + target)
        left, right = "".join(source).split("+")
        assert 1 <= len(left) <= 3 and 1 <= len(right) <= 3
        assert int("".join(target)) == int(left) + int(right)
        assert "".join(target) == str(int(left) + int(right))  # no leading zeros


def test_addition_long_split_has_more_digits_than_training() -> None:
    task = AdditionTask(min_digits=1, max_digits=3, long_max_digits=5)
    train_max = max(len(source) for source, _ in draw(task, seed=0))
    for source, target in draw(task, seed=0, long=True):
        left, right = "".join(source).split("+")
        assert 4 <= len(left) <= 5 and 4 <= len(right) <= 5
        assert int("".join(target)) == int(left) + int(right)
        assert len(source) > train_max


# ----- dates: an independent parser of the documented, day-first conventions -----------
MONTH_NUMBERS = {
    name: number
    for number, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
WEEKDAY_PREFIXES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def parse_date(text: str, century_start: int = 1950) -> datetime.date:
    text = text.lower()
    if match := re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)", text):
        return datetime.date(*map(int, match.groups()))
    if match := re.fullmatch(r"(\d{1,2})([/.])(\d{1,2})\2(\d{4}|\d{2})", text):
        day, _, month, year = match.groups()
        full_year = int(year)
        if len(year) == 2:
            full_year = century_start + (int(year) - century_start) % 100
        return datetime.date(full_year, int(month), int(day))
    words = re.sub(r"(\d+)(st|nd|rd|th)\b", r"\1", text.replace(",", " ")).split()
    weekdays = [w for w in words if w[:3] in WEEKDAY_PREFIXES and not w.startswith("mar")]
    months = [w for w in words if w[:3] in MONTH_NUMBERS and w not in weekdays]
    numbers = [w for w in words if w.isdigit()]
    assert len(months) == 1 and len(numbers) == 2, text
    year = next(int(n) for n in numbers if len(n) == 4)
    day = next(int(n) for n in numbers if len(n) <= 2)
    parsed = datetime.date(year, MONTH_NUMBERS[months[0][:3]], day)
    if weekdays:
        assert WEEKDAY_PREFIXES[parsed.weekday()] == weekdays[0][:3], text
    return parsed


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("12 march 2021", "2021-03-12"),
        ("March 12, 2021", "2021-03-12"),
        ("mar 12 2021", "2021-03-12"),
        ("12/03/2021", "2021-03-12"),
        ("3/4/99", "1999-04-03"),
        ("12.03.21", "2021-03-12"),
        ("2021-03-12", "2021-03-12"),
        ("Friday, 12 March 2021", "2021-03-12"),
        ("the 1st of JANUARY 1950", "1950-01-01"),
        ("FRI, DEC 31, 2049", "2049-12-31"),
    ],
)
def test_dates_task_writes_these_hand_written_inputs_for_their_iso_date(text, iso) -> None:
    day = datetime.date.fromisoformat(iso)
    task = DatesTask()
    renderings = {task.render(day, fmt, case) for fmt in task.formats for case in ("lower", "title", "upper")}
    assert text in renderings
    assert parse_date(text) == day


def test_dates_targets_are_iso_dates_of_the_rendered_source() -> None:
    task = DatesTask(min_year=1950, max_year=2049)
    examples = draw(task, seed=7, count=600)
    for source, target in examples:
        iso = "".join(target)
        day = datetime.date.fromisoformat(iso)
        assert day.isoformat() == iso and 1950 <= day.year <= 2049
        assert parse_date("".join(source)) == day
        assert all(len(token) == 1 for token in source + target)
    sources = ["".join(source) for source, _ in examples]
    assert any(s.islower() for s in sources) and any(s.isupper() for s in sources)
    assert any(re.search(r"\b[A-Z][a-z]+", s) for s in sources)  # Title case too
    assert len({re.sub(r"[A-Za-z]+", "W", re.sub(r"\d+", "0", s)) for s in sources}) >= 10


def test_dates_two_digit_years_follow_the_year_window() -> None:
    task = DatesTask(min_year=1990, max_year=2020, formats=["{d}/{m}/{yy}"])
    for source, target in draw(task, seed=8, count=300):
        assert parse_date("".join(source), century_start=1990).isoformat() == "".join(target)


def test_dates_task_rejects_ambiguous_or_unknown_formats() -> None:
    assert not DatesTask.has_long_split
    with pytest.raises(ValueError, match="Two-digit years"):
        DatesTask(min_year=1900, max_year=2049)
    DatesTask(min_year=1900, max_year=2049, formats=["{yyyy}-{mm}-{dd}", "{d} {month} {yyyy}"])
    with pytest.raises(ValueError, match="unknown field"):
        DatesTask(formats=["{day} {month}"])
