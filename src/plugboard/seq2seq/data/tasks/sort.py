"""Sort a sequence of integers."""

from __future__ import annotations

from plugboard.seq2seq.data.tasks.integer_sequence import IntegerSequenceTask


class SortTask(IntegerSequenceTask):
    """Target: the source sorted ascending by value ("2" before "10"); needs the whole input first."""

    def target(self, source: list[str]) -> list[str]:
        return sorted(source, key=int)
