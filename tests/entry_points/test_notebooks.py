"""notebooks/quick_start.ipynb runs top to bottom: it trains, predicts and draws the attention.

(notebooks/compare_sweeps.ipynb is run by tests/entry_points/test_compare.py, on a sweep written there.)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from plugboard.core.paths import PROJECT_ROOT

QUICK_START = PROJECT_ROOT / "notebooks" / "quick_start.ipynb"
EXACT_MATCH = re.compile(r"Validation exact match after \d+ epochs: ([0-9.]+)")


def run_quick_start(tmp_path: Path, monkeypatch, **parameters: int) -> list[dict]:
    """Executes the notebook (with `parameters` set after its "parameters" cell, as papermill
    does) and returns every output of every cell."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(QUICK_START, as_version=4)
    nbformat.validate(notebook)
    assert all(not cell.get("outputs") for cell in notebook.cells), "the notebook is stored without outputs"
    if parameters:
        tagged = [i for i, cell in enumerate(notebook.cells) if "parameters" in cell.metadata.get("tags", [])]
        assert len(tagged) == 1, "one cell tagged 'parameters' holds the sizes a test may change"
        values = "\n".join(f"{name} = {value!r}" for name, value in parameters.items())
        notebook.cells.insert(tagged[0] + 1, nbformat.v4.new_code_cell(values))

    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    nbclient.NotebookClient(notebook, timeout=60, resources={"metadata": {"path": str(tmp_path)}}).execute()
    return [output for cell in notebook.cells for output in cell.get("outputs", [])]


def printed(outputs: list[dict]) -> str:
    return "".join(output.get("text", "") for output in outputs if output.get("name") == "stdout")


def test_the_quick_start_trains_predicts_and_draws_the_attention(tmp_path: Path, monkeypatch):
    outputs = run_quick_start(tmp_path, monkeypatch, TRAIN_SIZE=200, MAX_EPOCHS=1)
    text = printed(outputs)
    assert EXACT_MATCH.search(text), text[-3000:]
    for date in ("12 march 2021 -> ", "friday, 3 july 1987 -> ", "25/12/99 -> "):
        assert date in text, text[-3000:]
    assert any("image/png" in output.get("data", {}) for output in outputs)


@pytest.mark.slow
def test_the_quick_start_model_gets_most_dates_right(tmp_path: Path, monkeypatch):
    """As stored: the promise of its first cell, a useful model in seconds."""
    outputs = run_quick_start(tmp_path, monkeypatch)
    exact_match = float(EXACT_MATCH.search(printed(outputs)).group(1))
    assert exact_match >= 0.5
    assert any("image/png" in output.get("data", {}) for output in outputs)
