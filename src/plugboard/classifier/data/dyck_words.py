"""Dyck words (well-nested brackets of several kinds) and negatives that differ only in nesting.

A negative is a Dyck word with two of its symbols swapped: it keeps exactly as many opening as
closing brackets of each kind, so counting symbols (what a mean of the encoder states can do)
does not tell the classes apart, and its length is drawn like a positive's. Negatives with a
cue visible in one or two symbols are rejected as too easy: a closing bracket first, an
opening bracket last, or an opening bracket directly followed by a closing one of another
kind (`[)`). What is left is only visible by tracking the nesting, which gets harder with
length; e.g. `(()[[]])` is positive, `(()[[])]` negative.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

#: Opening and closing bracket of each kind, in the order kinds are taken.
BRACKET_PAIRS = ("()", "[]", "{}", "<>")
POSITIVE, NEGATIVE = "balanced", "unbalanced"


def bracket_pairs(num_kinds: int) -> dict[str, str]:
    """closing -> opening for the first `num_kinds` kinds."""
    if not 2 <= num_kinds <= len(BRACKET_PAIRS):
        raise ValueError(f"num_kinds must be between 2 and {len(BRACKET_PAIRS)}, got {num_kinds}.")
    return {pair[1]: pair[0] for pair in BRACKET_PAIRS[:num_kinds]}


def is_dyck(word: Sequence[str]) -> bool:
    """True when every closing bracket closes the most recent unclosed one of its kind."""
    openings = {pair[1]: pair[0] for pair in BRACKET_PAIRS}
    stack: list[str] = []
    for symbol in word:
        if symbol in openings:
            if not stack or stack.pop() != openings[symbol]:
                return False
        else:
            stack.append(symbol)
    return not stack


def random_dyck_word(length: int, num_kinds: int, rng: random.Random) -> list[str]:
    """A Dyck word of exactly `length` symbols (even): open or close with equal chance
    whenever both still allow a complete word."""
    if length % 2:
        raise ValueError(f"A Dyck word has an even length, got {length}.")
    closing_of = {opening: closing for closing, opening in bracket_pairs(num_kinds).items()}
    openings = sorted(closing_of)
    word: list[str] = []
    stack: list[str] = []
    for position in range(length):
        remaining = length - position
        must_close = len(stack) == remaining
        if stack and (must_close or rng.random() < 0.5):
            word.append(closing_of[stack.pop()])
        else:
            stack.append(rng.choice(openings))
            word.append(stack[-1])
    return word


def has_local_cue(word: Sequence[str]) -> bool:
    """True when one or two adjacent symbols already show the word is not a Dyck word."""
    opening_of = {pair[1]: pair[0] for pair in BRACKET_PAIRS}
    if word[0] in opening_of or word[-1] not in opening_of:
        return True
    return any(
        second in opening_of and first not in opening_of and opening_of[second] != first
        for first, second in zip(word, word[1:], strict=False)
    )


def random_negative(word: Sequence[str], rng: random.Random, tries: int = 50) -> list[str] | None:
    """`word` with two different symbols swapped so that it is no Dyck word and shows no
    local cue; None when `tries` random swaps found none."""
    for _ in range(tries):
        first, second = sorted(rng.sample(range(len(word)), 2))
        if word[first] == word[second]:
            continue
        candidate = list(word)
        candidate[first], candidate[second] = candidate[second], candidate[first]
        if not is_dyck(candidate) and not has_local_cue(candidate):
            return candidate
    return None
