"""The README and the docs pages hold together: the README links every page, every link and
anchor leads somewhere, the project files they name exist, and the commands of the generated
results table compose (the docs-commands tests read code blocks, not tables)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from plugboard.core.paths import CONFIG_DIR, PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
PAGES = [README, *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]+\]\(([^)\s]+)\)")
PROJECT_PATH = re.compile(r"`((?:src|tests|configs|scripts|benchmarks|docs|notebooks|data)/[\w./-]*?)`")
# Files the docs tell a user to write, or that exist only after a run.
TO_BE_WRITTEN = ("cosine", "blobs", "blob_accuracy", "model/mlp.yaml", "my_project", "lab_notes", "<", "*")


def anchors(page: Path) -> set[str]:
    """GitHub's anchors of a page's headings: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#+ (.+)$", page.read_text(encoding="utf-8"), re.M)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}


def test_the_readme_links_every_docs_page():
    linked = {target.split("#")[0] for target in LINK.findall(README.read_text(encoding="utf-8"))}
    assert (
        sorted(
            p.relative_to(PROJECT_ROOT).as_posix()
            for p in PAGES[1:]
            if p.relative_to(PROJECT_ROOT).as_posix() not in linked
        )
        == []
    )


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_link_leads_to_a_file_and_heading_that_exist(page: Path):
    broken = []
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if target.startswith(("http://", "https://")):
            continue
        file, _, anchor = target.partition("#")
        linked = (page.parent / file).resolve() if file else page
        if not linked.exists() or (anchor and anchor not in anchors(linked)):
            broken.append(target)
    assert broken == []


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_project_file_a_page_names_exists(page: Path):
    named = PROJECT_PATH.findall(page.read_text(encoding="utf-8"))
    missing = [
        p for p in named if not any(part in p for part in TO_BE_WRITTEN) and not (PROJECT_ROOT / p).exists()
    ]
    assert missing == []


def test_the_commands_of_the_results_table_compose():
    runs = json.loads((PROJECT_ROOT / "docs" / "results" / "presets.json").read_text(encoding="utf-8"))[
        "runs"
    ]
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        for run in runs:
            words = shlex.split(run["command"])
            compose("train", overrides=words[words.index("train.py") + 1 :])
