"""Generated seq2seq tasks: each draws one (source tokens, target tokens) example at a time."""

from plugboard.seq2seq.data.tasks.addition import AdditionTask
from plugboard.seq2seq.data.tasks.copy import CopyTask
from plugboard.seq2seq.data.tasks.dates import DatesTask
from plugboard.seq2seq.data.tasks.reverse import ReverseTask
from plugboard.seq2seq.data.tasks.sort import SortTask

__all__ = ["AdditionTask", "CopyTask", "DatesTask", "ReverseTask", "SortTask"]
