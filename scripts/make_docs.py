"""Writes the figures of the README and the docs pages from the result files (`make docs`).

A generated block sits between two markers, named after the figure it shows:

    <!-- generated: overhead (make docs) -->
    ...
    <!-- /generated -->

`python scripts/make_docs.py` rewrites every block of README.md and docs/*.md from
benchmarks/results/ and docs/results/; `--check` changes nothing and exits 1 naming each block
that differs from what it would write, and each figure no page shows any more (the fast test
suite runs it). A figure is changed in its
result file (or, for how it is shown, in docs_figures.py / docs_speed.py), never in a page.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from docs_figures import FIGURES as RESULT_FIGURES
from docs_speed import FIGURES as SPEED_FIGURES

ROOT = Path(__file__).resolve().parents[1]
FIGURES = {**RESULT_FIGURES, **SPEED_FIGURES}
# Markers stand on lines of their own (a page may quote them in prose).
START = re.compile(r"^<!-- generated: ([\w-]+) \(make docs\) -->$", re.M)
END = re.compile(r"^<!-- /generated -->$", re.M)
BLOCK = re.compile(
    r"^(<!-- generated: ([\w-]+) \(make docs\) -->\n)(.*?)^(<!-- /generated -->)$", re.S | re.M
)


class DocsError(Exception):
    """A page whose markers cannot be read: said in one line, with the page."""


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def rendered(text: str, page: str) -> str:
    """The page with every generated block written afresh."""
    starts, blocks = START.findall(text), BLOCK.findall(text)
    if len(starts) != len(blocks) or len(END.findall(text)) != len(blocks):
        raise DocsError(f"{page}: a `generated` marker without its pair (blocks cannot nest)")
    unknown = sorted({name for _, name, _, _ in blocks} - set(FIGURES))
    if unknown:
        raise DocsError(f"{page}: no figure is called {', '.join(unknown)} (known: {', '.join(FIGURES)})")
    return BLOCK.sub(lambda match: f"{match[1]}\n{FIGURES[match[2]]().strip()}\n\n{match[4]}", text)


def stale_blocks(text: str, page: str) -> list[str]:
    """The names of the page's blocks that differ from what would be written."""
    fresh = {match[2]: match[3] for match in BLOCK.finditer(rendered(text, page))}
    return [f"{page}: {match[2]}" for match in BLOCK.finditer(text) if fresh[match[2]] != match[3]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a block is stale")
    args = parser.parse_args(argv)
    try:
        return check() if args.check else write()
    except KeyError as error:
        print(f"Error: a result file lacks the key {error} that a figure reads", file=sys.stderr)
        return 1
    except (DocsError, OSError, ValueError) as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1


def check() -> int:
    texts = {_name(path): path.read_text(encoding="utf-8") for path in pages()}
    stale = [name for page, text in texts.items() for name in stale_blocks(text, page)]
    shown = {name for text in texts.values() for name in START.findall(text)}
    unshown = [name for name in FIGURES if name not in shown]  # markers deleted: typed by hand now?
    if stale or unshown:
        if stale:
            print("Generated blocks differ from the result files (run `make docs`):", *stale, sep="\n  ")
        if unshown:
            print("Figures shown on no page (put their markers back):", *unshown, sep="\n  ")
        return 1
    print(f"Every generated block matches the result files ({len(texts)} pages).")
    return 0


def write() -> int:
    for path in pages():
        text = path.read_text(encoding="utf-8")
        new = rendered(text, _name(path))
        if new != text:
            if path.is_symlink():  # whatever it points at is not this project's page
                raise DocsError(f"{_name(path)} is a symbolic link; nothing is written through one")
            path.write_text(new, encoding="utf-8")
            print(f"Written: {_name(path)}")
    return 0


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


if __name__ == "__main__":
    sys.exit(main())
