"""Generated seq2seq tasks: each draws one (source tokens, target tokens) example at a time."""

from plugboard.data.tasks import scan  # the SCAN grammar: scan.interpret, scan.all_examples
from plugboard.data.tasks.addition import AdditionTask
from plugboard.data.tasks.copy import CopyTask
from plugboard.data.tasks.dates import DatesTask
from plugboard.data.tasks.reverse import ReverseTask
from plugboard.data.tasks.sort import SortTask

__all__ = ["AdditionTask", "CopyTask", "DatesTask", "ReverseTask", "SortTask", "scan"]
