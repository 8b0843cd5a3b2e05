"""The commands the README and the docs pages show, as a user would copy them.

A command is a line of a code block (indented, or fenced as `bash`, `sh`, `shell`, `console` or
with no language) that starts with a program a user runs (`python`, `make`, `pip`, ...), after
any `NAME=value` settings. Continuation lines are joined, comments dropped, `&&` splits a line
into its commands, and `<placeholders>` stay for the tests to fill. A block that follows
`<!-- not run here: <why> -->` holds commands this machine cannot run (a GPU, a cluster): the
tests compose and check them instead of running them, and name the reason.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from plugboard.core.paths import PROJECT_ROOT

ENTRY_POINTS = ("train.py", "eval.py", "predict.py", "compare.py", "export.py", "serve.py")
PROGRAMS = ("python", "make", "pip", "curl", "torchrun", "srun", "optuna-dashboard", "pre-commit", "iconv")
LAUNCHERS = ("srun", "torchrun")  # they start `python <script>` (srun) or `<script>` (torchrun)
NOT_SHELL = {"python", "py", "yaml", "yml", "json", "toml", "ini", "text", "txt", "markdown", "md"}
NOT_RUN_HERE = re.compile(r"^\s*<!--\s*not run here:\s*(.+?)\s*-->\s*$")
FENCE = re.compile(r"^ {0,3}(```|~~~)\s*([\w+-]*)")
SETTING = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=\S*$")  # OMP_NUM_THREADS=2 before a command
OPTIONAL_PART = re.compile(r"\s\[[a-z ]+\]")  # `[more sweep dirs]`: what a user may add


@dataclass(frozen=True)
class Command:
    page: str  # README.md or docs/<page>.md
    line: int  # where the command starts on its page
    words: tuple[str, ...]  # as the shell splits it, settings and launchers included
    not_run_here: str | None = None  # why this machine cannot run it, from the page's marker

    @property
    def program(self) -> str:
        """What runs first: `python`, `make`, ... (after any `NAME=value` settings)."""
        return next(word for word in self.words if not SETTING.match(word))

    @property
    def launcher(self) -> str | None:
        return self.program if self.program in LAUNCHERS else None

    @property
    def script(self) -> str | None:
        """The entry point it runs (`train.py`, ...), or None for any other command."""
        index = self._script_index()
        return None if index is None else self.words[index]

    @property
    def arguments(self) -> tuple[str, ...]:
        """The entry point's arguments, or the program's for any other command."""
        index = self._script_index()
        if index is None:
            return self.words[self.words.index(self.program) + 1 :]
        return self.words[index + 1 :]

    @property
    def multirun(self) -> bool:
        return "-m" in self.arguments or "--multirun" in self.arguments

    def _script_index(self) -> int | None:
        """Where the entry point stands: after `python` (also under srun), or among torchrun's words."""
        words, start = self.words, self.words.index(self.program)
        if self.program == "torchrun":
            return next((i for i in range(start + 1, len(words)) if words[i] in ENTRY_POINTS), None)
        python = next((i for i in range(start, len(words)) if words[i] == "python"), None)
        if python is not None and words[python + 1 : python + 2] and words[python + 1] in ENTRY_POINTS:
            return python + 1
        return None

    def __str__(self) -> str:
        marker = f" [not run here: {self.not_run_here}]" if self.not_run_here else ""
        return f"{self.page}:{self.line}: {' '.join(self.words)}{marker}"


def pages() -> list[Path]:
    """The README and every docs page (the leaderboards under docs/results/ hold no commands)."""
    return [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").rglob("*.md"))]


def documented_commands() -> list[Command]:
    """Every command of every page, in page order."""
    return [command for path in pages() for command in page_commands(path)]


def page_commands(path: Path) -> list[Command]:
    return text_commands(path.read_text(encoding="utf-8"), path.relative_to(PROJECT_ROOT).as_posix())


def text_commands(text: str, name: str) -> list[Command]:
    """The commands of one page's Markdown `text`; `name` says where they are."""
    commands = []
    for number, line, reason in _code_lines(text.splitlines(), name):
        for words in _commands_in(line, f"{name}:{number}"):
            commands.append(Command(name, number, words, reason))
    return commands


def _code_lines(lines: list[str], name: str):
    """(line number, the line with its continuations joined, the block's not-run-here reason)
    for each line of a shell code block, fenced or indented."""
    fence, shell, indented, reason, pending = None, False, False, None, None
    number = 0
    while number < len(lines):
        start, text = number, lines[number]
        number += 1
        blank = not text.strip()
        if fence is not None:  # inside a fenced block
            if text.strip().startswith(fence):
                fence, reason = None, None
            if fence is None or not shell:
                continue
        elif opened := FENCE.match(text):
            fence, shell = opened.group(1), opened.group(2).lower() not in NOT_SHELL
            reason, pending = pending, None
            continue
        else:
            previous_blank = start == 0 or not lines[start - 1].strip()
            code = text.startswith(("    ", "\t")) and (indented or previous_blank)
            if code and not indented:  # a block starts: it takes the marker above it
                reason, pending = pending, None
            indented = code or (indented and blank)
            if not code:
                if marker := NOT_RUN_HERE.match(text):
                    pending = marker.group(1)
                elif not blank:
                    if pending is not None:
                        raise ValueError(
                            f"{name}:{start + 1}: `not run here` must come right before a code block"
                        )
                    reason = None
                continue
        while text.rstrip().endswith("\\") and number < len(lines):
            text = text.rstrip()[:-1] + " " + lines[number].strip()
            number += 1
        yield start + 1, text.strip(), reason
    if pending is not None:
        raise ValueError(f"{name}: a `not run here` marker at the end of the page marks no code block")


def _commands_in(text: str, where: str) -> list[tuple[str, ...]]:
    """The commands of one code line: none for output, comments and file listings."""
    text = OPTIONAL_PART.sub("", text.removeprefix("$ "))
    first = next((word for word in text.split() if not SETTING.match(word)), "")
    if first not in PROGRAMS:
        return []
    lexer = shlex.shlex(text, posix=True, punctuation_chars=False)
    lexer.whitespace_split, lexer.commenters = True, "#"
    try:
        words = list(lexer)
    except ValueError as error:
        raise ValueError(f"{where}: the shell cannot split this command ({error}): {text}") from None
    commands, current = [], []
    for word in [*words, "&&"]:
        if word in ("&&", ";"):
            if current:
                commands.append(tuple(current))
            current = []
        else:
            current.append(word)
    return commands


def grid_jobs(arguments: list[str]) -> list[list[str]]:
    """Jobs of a grid sweep (`a=1,2 b=x,y`) in which every value appears: the first values
    together, then each other value with the others' first (1 + 1 + 1 jobs, not 2 x 2)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_overrides(arguments)
    choices = [
        [f"{override.get_key_element()}={value}" for value in override.sweep_string_iterator()]
        if override.is_sweep_override()
        else [override.input_line]
        for override in parsed
    ]
    first = [values[0] for values in choices]
    others = [
        [*first[:index], value, *first[index + 1 :]]
        for index, values in enumerate(choices)
        for value in values[1:]
    ]
    return [first, *others]
