"""A search's params that the job has no place for are left out, so one preset serves every family.

In-process: the multirun config composed as Hydra composes it, as the sweeper and the pre-flight
check receive it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.types import RunMode
from omegaconf import DictConfig

from plugboard.core.config.sweep_jobs import search_params, sweep_jobs
from plugboard.core.paths import CONFIG_DIR

# A family of its own, as a user adds it: no encoder, no dropout, no attention slot.
PLAIN_MODEL = """
_target_: torch.nn.Linear
in_features: 4
out_features: 3
optimizer:
  _target_: torch.optim.SGD
  _partial_: true
  lr: 0.1
"""


@pytest.fixture
def multirun(tmp_path: Path) -> Iterator:
    """Composes `python train.py -m <overrides>` (with a `model=plain` on the search path)."""
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "plain.yaml").write_text(PLAIN_MODEL)
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):

        def compose(*overrides: str) -> DictConfig:
            given = [f"hydra.searchpath=[file://{tmp_path}]", *overrides, f"paths.log_dir={tmp_path}"]
            return GlobalHydra.instance().hydra.compose_config(
                "train", given, run_mode=RunMode.MULTIRUN, with_log_configuration=False
            )

        yield compose


PARAMS = {
    "model/attention": "choice(dot, additive)",
    "model.optimizer.lr": "tag(log, interval(1e-4, 1e-2))",
    "model.optimizer.weight_decay": "choice(0.0, 0.01)",
    "model.encoder.dropout": "interval(0.0, 0.3)",
    "model.dropout": "interval(0.0, 0.3)",
    "data.batch_size": "choice(16, 32)",
    "+model.note": "choice(a, b)",  # adds its key: always has a place
    "model.decoder.hidden_size": None,  # null: no param
}


def test_keys_a_family_lacks_are_left_out_and_the_rest_kept(multirun):
    searched, left_out = search_params(multirun(), PARAMS)  # seq2seq: no model-wide dropout
    assert left_out == ["model.dropout"]
    assert list(searched) == [key for key, value in PARAMS.items() if value and key != "model.dropout"]

    searched, left_out = search_params(multirun("model=classifier", "data=dyck"), PARAMS)
    assert left_out == []  # the classifier has every one, its attention slot too

    searched, left_out = search_params(multirun("model=plain"), PARAMS)
    assert left_out == [
        "model/attention",  # a config group this model's defaults do not have
        "model.optimizer.weight_decay",  # the parent is there, the key is not
        "model.encoder.dropout",  # no parent
        "model.dropout",
    ]
    assert searched == {
        "model.optimizer.lr": PARAMS["model.optimizer.lr"],
        "data.batch_size": PARAMS["data.batch_size"],
        "+model.note": PARAMS["+model.note"],
    }


def test_the_command_line_decides_what_the_job_has(multirun):
    """The job is composed with the command line: a key or a group it adds has a place."""
    config = multirun("model=plain", "+model.dropout=0.1", "+model/attention=dot")
    assert search_params(config, PARAMS)[1] == [
        "model.optimizer.weight_decay",
        "model.encoder.dropout",
    ]


def test_the_pre_flight_check_composes_only_the_kept_keys(multirun):
    """The candidates checked before the search starts are those of the keys it searches."""
    config = multirun("hparams_search=optuna", "model=plain")
    jobs, is_grid = sweep_jobs(config)
    assert not is_grid
    swept = {line.split("=", 1)[0] for job in jobs for line in job.overrides}
    assert "model.optimizer.lr" in swept and "data.batch_size" in swept
    assert not swept & {"model.dropout", "model.encoder.dropout", "model.optimizer.weight_decay"}
