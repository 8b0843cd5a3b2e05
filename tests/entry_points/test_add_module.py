"""docs/extending.md, "Add your own module in three steps", done to a copy of the project.

Step 1 writes a class file, step 2 a YAML file; step 3 is nothing: the tests that discover
variants from configs/model/attention/ pick the new one up. No other file is edited.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import TINY, read_json, single_run_dir
from project_copy import copy_project, run_python, run_tests

PACKAGE = "plugboard"
NAME = "cosine"

# Step 1: src/plugboard/modules/attention/cosine.py (docs/extending.md shows this file).
CLASS_FILE = '''"""Cosine attention: scores are cosine similarities times a learned scale."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from plugboard.modules.attention.base import Attention, require_equal_sizes


class CosineAttention(Attention):
    """score(q, k_s) = scale * cos(q, k_s): the scale sets how sharp the weights can get."""

    needs_equal_sizes = True  # compares q and k directly: a recurrent encoder projects to q's size

    def __init__(
        self, query_size: int, key_size: int, value_size: int | None = None, initial_scale: float = 5.0
    ) -> None:
        super().__init__(query_size, key_size, value_size)
        require_equal_sizes(query_size, key_size, "Cosine")
        self.scale = nn.Parameter(torch.tensor(initial_scale))

    def score(
        self, query: torch.Tensor, keys: torch.Tensor, previous_weights: torch.Tensor | None
    ) -> torch.Tensor:
        return self.scale * F.normalize(query, dim=-1) @ F.normalize(keys, dim=-1).transpose(1, 2)
'''

# Step 2: configs/model/attention/cosine.yaml. The target names the module file, so the
# package's __init__.py needs no new export.
CONFIG_FILE = """# Cosine similarity times a learned scale
_target_: plugboard.modules.attention.cosine.CosineAttention
_partial_: true
initial_scale: 5.0
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the project with the two new files, and nothing else changed."""
    copy = copy_project(
        tmp_path_factory.mktemp("add_module") / "project",
        parts=("src", "configs", "tests", "train.py", "pyproject.toml"),
    )
    (copy / "src" / PACKAGE / "modules" / "attention" / f"{NAME}.py").write_text(CLASS_FILE)
    (copy / "configs" / "model" / "attention" / f"{NAME}.yaml").write_text(CONFIG_FILE)
    imported = run_python(copy, ["-c", f"import {PACKAGE}; print({PACKAGE}.__file__)"])
    assert Path(imported.stdout.strip()).is_relative_to(copy / "src"), imported.stderr[-3000:]
    return copy


@pytest.mark.slow  # a whole fast dev run in the copy; the next test runs in the fast suite
def test_train_py_trains_with_the_new_variant(project: Path, tmp_path: Path):
    result = run_python(
        project, ["train.py", f"model/attention={NAME}", "debug=fdr", *TINY, f"paths.log_dir={tmp_path}"]
    )
    assert result.returncode == 0, result.stderr[-3000:]
    run_dir = single_run_dir(tmp_path, "debug")
    assert read_json(run_dir / "metrics.json")["status"] == "done"
    config = (run_dir / ".hydra" / "config.yaml").read_text()
    assert f"_target_: {PACKAGE}.modules.attention.{NAME}.CosineAttention" in config


def test_the_existing_tests_pick_up_the_new_variant(project: Path):
    config_test = f"tests/configs/test_configs.py::test_option_composes_and_builds[model/attention/{NAME}]"
    result = run_tests(project, ["tests/modules/test_attention.py", config_test, "-k", NAME])
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    passed = [line for line in result.stdout.splitlines() if line.startswith("PASSED")]
    contract = [
        "test_shapes",
        "test_masked_positions_get_zero_weight_and_rows_sum_to_one",
        "test_appending_padding_leaves_the_context_unchanged",
        "test_gradients_reach_every_parameter_and_input",
        "test_batched_queries_agree_with_one_step_at_a_time",
        "test_a_fully_masked_row_gives_no_nan",
    ]
    for test in contract:
        assert any(f"::{test}[{NAME}" in line for line in passed), f"{test}[{NAME}] did not pass:\n{passed}"
    assert any(config_test in line for line in passed)
