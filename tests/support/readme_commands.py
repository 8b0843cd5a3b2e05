"""The commands the README shows, as a user would copy them: indented code lines that call one of
the entry points, continuation lines joined, comments dropped, `<placeholders>` kept for the
test to fill."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from plugboard.core.paths import PROJECT_ROOT

SCRIPTS = ("train.py", "eval.py", "predict.py", "compare.py")
COMMAND = re.compile(r"(?:^|\s)python ((?:train|eval|predict|compare)\.py(?: .*)?)$")
OPTIONAL_PART = re.compile(r"\s\[[a-z ]+\]")  # `[more sweep dirs]`: what a user may add


@dataclass(frozen=True)
class Command:
    line: int  # where it starts in README.md
    script: str
    arguments: tuple[str, ...]

    @property
    def multirun(self) -> bool:
        return "-m" in self.arguments or "--multirun" in self.arguments

    def __str__(self) -> str:
        return f"README.md:{self.line}: python {self.script} {' '.join(self.arguments)}"


def readme_commands() -> list[Command]:
    lines = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    commands, number = [], 0
    while number < len(lines):
        start, text = number, lines[number]
        number += 1
        if not text.startswith("    "):  # only code blocks (indented), not prose
            continue
        while text.rstrip().endswith("\\") and number < len(lines):
            text = text.rstrip()[:-1] + " " + lines[number].strip()
            number += 1
        match = COMMAND.search(_without_comment(OPTIONAL_PART.sub("", text.strip())))
        if match:
            script, *arguments = shlex.split(match.group(1))
            commands.append(Command(start + 1, script, tuple(arguments)))
    return commands


def _without_comment(text: str) -> str:
    """The command before a `#` comment (a `#` inside quotes stays)."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=False)
    lexer.whitespace_split, lexer.commenters = True, "#"
    try:
        return " ".join(shlex.quote(token) for token in lexer)
    except ValueError:
        return text
