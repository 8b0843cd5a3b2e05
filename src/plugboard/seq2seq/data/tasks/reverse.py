"""Reverse a sequence of integers (Joey NMT's toy task)."""

from __future__ import annotations

from plugboard.seq2seq.data.tasks.integer_sequence import IntegerSequenceTask


class ReverseTask(IntegerSequenceTask):
    """Target: the source reversed. Needs attention to look far back: a good first test."""

    def target(self, source: list[str]) -> list[str]:
        return source[::-1]
