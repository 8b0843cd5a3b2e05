"""Generated seq2seq tasks: each draws one (source tokens, target tokens) example at a time."""

from plugboard.data.tasks.reverse import ReverseTask

__all__ = ["ReverseTask"]
