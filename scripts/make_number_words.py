"""Writes the sample parallel-text file for `data=tsv`: English number words -> digits.

    python scripts/make_number_words.py data/samples/number_words.tsv

500 distinct numbers (0-20, then 479 drawn from 21-9999 with a fixed seed), written
without "and" or hyphens: "four thousand two hundred sixty three<TAB>4263".
"""

from __future__ import annotations

import random
import sys

ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def words(number: int) -> str:
    if number < 20:
        return ONES[number]
    if number < 100:
        return TENS[number // 10] + ("" if number % 10 == 0 else " " + ONES[number % 10])
    if number < 1000:
        rest = number % 100
        return ONES[number // 100] + " hundred" + ("" if rest == 0 else " " + words(rest))
    rest = number % 1000
    return words(number // 1000) + " thousand" + ("" if rest == 0 else " " + words(rest))


def main(path: str) -> None:
    rng = random.Random(0)
    numbers = list(range(21)) + rng.sample(range(21, 10000), 479)
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for number in numbers:
            out.write(f"{words(number)}\t{number}\n")


if __name__ == "__main__":
    main(sys.argv[1])
