"""`make docs`: the figures of the README and the docs pages come from the result files, and a
page whose generated block differs from them fails here. The attacks are made on a copy of the
pages and results: a figure typed over in a page, a result file changed, a marker left unpaired
or naming no figure, a block's markers deleted, a page that is a symbolic link."""

from __future__ import annotations

from pathlib import Path

import pytest
from project_copy import copy_project, run_python

from plugboard.core.paths import PROJECT_ROOT

SCRIPT = "scripts/make_docs.py"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The pages, the result files and the scripts that write one from the other."""
    return copy_project(tmp_path / "project", parts=("README.md", "docs", "benchmarks", "scripts"))


def make_docs(root: Path, *arguments: str):
    return run_python(root, [SCRIPT, *arguments], timeout=60)


def test_every_generated_block_matches_the_result_files():
    result = run_python(PROJECT_ROOT, [SCRIPT, "--check"], timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_block_whose_markers_were_deleted_is_named(copy: Path):
    """Without its markers a table would be typed by hand from then on: the check says which."""
    speed = copy / "docs" / "speed.md"
    before, block = speed.read_text(encoding="utf-8").split("<!-- generated: overhead (make docs) -->\n")
    table, after = block.split("<!-- /generated -->\n", 1)
    speed.write_text(before + table + after, encoding="utf-8")  # the figures stay, typed by hand now
    checked = make_docs(copy, "--check")
    assert checked.returncode == 1 and "shown on no page" in checked.stdout
    assert checked.stdout.rstrip().endswith("overhead")


def test_a_figure_typed_over_in_a_page_is_named_and_make_docs_writes_it_back(copy: Path):
    speed = copy / "docs" / "speed.md"
    original = speed.read_text(encoding="utf-8")
    speed.write_text(original.replace("| plain loop | 6.96 |", "| plain loop | 9.99 |"), encoding="utf-8")
    checked = make_docs(copy, "--check")
    assert checked.returncode == 1 and "docs/speed.md: overhead" in checked.stdout
    assert make_docs(copy).returncode == 0
    assert speed.read_text(encoding="utf-8") == original


def test_a_changed_result_file_makes_the_page_stale_until_make_docs(copy: Path):
    board = copy / "docs" / "results" / "attention_dates.md"
    board.write_text(board.read_text(encoding="utf-8").replace("99.8 ± 0.0", "97.1 ± 0.4"), encoding="utf-8")
    checked = make_docs(copy, "--check")
    assert checked.returncode == 1
    assert (
        "README.md: results-summary" in checked.stdout
        and "docs/results.md: attention-seq2seq" in checked.stdout
    )
    assert make_docs(copy).returncode == 0 and make_docs(copy, "--check").returncode == 0
    assert "`additive`: **97.1 ± 0.4**" in (copy / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (
            "<!-- generated: no-such-figure (make docs) -->\n<!-- /generated -->\n",
            "no figure is called no-such-figure",
        ),
        ("<!-- generated: overhead (make docs) -->\nno end\n", "without its pair"),
        (
            "<!-- generated: overhead (make docs) -->\n<!-- generated: startup (make docs) -->\n"
            "<!-- /generated -->\n<!-- /generated -->\n",
            "without its pair",
        ),
    ],
    ids=["unknown figure", "unpaired", "nested"],
)
def test_a_marker_the_script_cannot_place_stops_it_and_changes_nothing(copy: Path, block: str, message: str):
    page = copy / "docs" / "extra.md"
    page.write_text(f"# Extra\n\n{block}", encoding="utf-8")
    readme_before = (copy / "README.md").read_bytes()
    for arguments in (("--check",), ()):
        result = make_docs(copy, *arguments)
        assert result.returncode == 1 and message in result.stderr and "docs/extra.md" in result.stderr
    assert page.read_text(encoding="utf-8") == f"# Extra\n\n{block}"
    assert (copy / "README.md").read_bytes() == readme_before


def test_a_page_that_is_a_symbolic_link_is_not_written_through(copy: Path, tmp_path: Path):
    outside = tmp_path / "outside.md"
    outside.write_text(
        "<!-- generated: overhead (make docs) -->\nstale\n<!-- /generated -->\n", encoding="utf-8"
    )
    (copy / "docs" / "linked.md").symlink_to(outside)
    result = make_docs(copy)
    assert result.returncode == 1 and "symbolic link" in result.stderr
    assert "stale" in outside.read_text(encoding="utf-8")


def test_a_result_file_without_a_figure_stops_with_one_line(copy: Path):
    results = copy / "benchmarks" / "results" / "overhead.json"
    results.write_text(results.read_text(encoding="utf-8").replace('"median_paired_ratio"', '"renamed"'))
    result = make_docs(copy, "--check")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "lacks the key 'median_paired_ratio'" in result.stderr
