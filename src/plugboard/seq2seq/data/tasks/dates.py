"""Normalise dates written in many human formats to ISO 8601 ("YYYY-MM-DD")."""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence

from plugboard.seq2seq.data.tasks.base import Example

# English names are hard-coded so the data never depends on the machine's locale.
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")  # fmt: skip
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CASES = ("lower", "title", "upper")

# Numeric formats put the day before the month ("/" and "." alike); only "-" is year-first
# ISO. Two-digit years ({yy}) are read as the one year in [min_year, min_year + 99].
FORMATS = (
    "{d} {month} {yyyy}",  # 12 march 2021
    "{d} {mon} {yyyy}",  # 12 mar 2021
    "{ordinal} {month} {yyyy}",  # 12th march 2021
    "the {ordinal} of {month} {yyyy}",  # the 12th of march 2021
    "{month} {d}, {yyyy}",  # march 12, 2021
    "{mon} {d} {yyyy}",  # mar 12 2021
    "{weekday}, {d} {month} {yyyy}",  # friday, 12 march 2021
    "{wkd}, {mon} {d}, {yyyy}",  # fri, mar 12, 2021
    "{dd}/{mm}/{yyyy}",  # 12/03/2021 = 12 March 2021
    "{d}/{m}/{yy}",  # 3/4/99 = 3 April 1999
    "{dd}.{mm}.{yyyy}",  # 12.03.2021
    "{dd}.{mm}.{yy}",  # 12.03.21
    "{yyyy}-{mm}-{dd}",  # 2021-03-12
)


class DatesTask:
    """Source: a random date in one of `formats`, as characters; target: "YYYY-MM-DD".

    A small, realistic normalisation task (the classic attention demo): the model must
    find the day, month and year wherever the format puts them. Names come in lower, Title
    or UPPER case. It has no length axis, so there is no long split.
    """

    has_long_split = False
    separator = ""

    def __init__(
        self, min_year: int = 1950, max_year: int = 2049, formats: Sequence[str] | None = None
    ) -> None:
        if not 1 <= min_year <= max_year <= 9999:
            raise ValueError("Need 1 <= min_year <= max_year <= 9999.")
        self.formats = tuple(FORMATS if formats is None else formats)
        if max_year - min_year >= 100 and any("{yy}" in fmt for fmt in self.formats):
            raise ValueError(
                "Two-digit years are ambiguous over more than 100 years: narrow "
                "min_year..max_year or pass `formats` without {yy}."
            )
        self.min_year, self.max_year = min_year, max_year
        self.first_day = datetime.date(min_year, 1, 1).toordinal()
        self.last_day = datetime.date(max_year, 12, 31).toordinal()
        for fmt in self.formats:  # fail at construction, not in the middle of a run
            self.render(datetime.date(min_year, 1, 1), fmt)

    def sample(self, rng: random.Random, long: bool = False) -> Example:
        day = datetime.date.fromordinal(rng.randint(self.first_day, self.last_day))
        text = self.render(day, rng.choice(self.formats), rng.choice(CASES))
        return list(text), list(day.isoformat())

    def render(self, day: datetime.date, fmt: str, case: str = "lower") -> str:
        """Writes `day` in `fmt` (see FORMATS), with names in `case` (lower/title/upper)."""
        month, weekday = MONTHS[day.month - 1], WEEKDAYS[day.weekday()]
        names = {"month": month, "mon": month[:3], "weekday": weekday, "wkd": weekday[:3]}
        names = {key: _apply_case(value, case) for key, value in names.items()}
        try:
            return fmt.format(
                d=day.day,
                dd=f"{day.day:02d}",
                m=day.month,
                mm=f"{day.month:02d}",
                yyyy=day.year,
                yy=f"{day.year % 100:02d}",
                ordinal=_ordinal(day.day),
                **names,
            )
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(
                f"Date format {fmt!r} uses an unknown field ({error}); the fields are d dd m mm "
                "yy yyyy month mon weekday wkd ordinal."
            ) from None


def _apply_case(name: str, case: str) -> str:
    return {"lower": name.lower, "title": name.title, "upper": name.upper}[case]()


def _ordinal(day: int) -> str:
    """1st 2nd 3rd 4th ... 11th 12th 13th ... 21st 22nd 23rd ... 31st."""
    suffix = "th" if 11 <= day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"
