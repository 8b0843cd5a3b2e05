"""Copy a sequence of integers: the easiest sanity check for a seq2seq model."""

from __future__ import annotations

from plugboard.seq2seq.data.tasks.integer_sequence import IntegerSequenceTask


class CopyTask(IntegerSequenceTask):
    """Target: the source unchanged. A model that cannot copy has a bug."""

    def target(self, source: list[str]) -> list[str]:
        return list(source)
