"""The whole config is checked before anything is built: every bad value at once, each with what it
must be and where it was set (the command line, or the config file whose value stands)."""

from __future__ import annotations

import logging
import sys
import time
import typing
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from plugboard.core.config.preflight import check_job
from plugboard.core.config.provenance import Provenance
from plugboard.core.config.validation import find_problems
from plugboard.core.paths import CONFIG_DIR

BAD_PRESET = """\
# @package _global_
data:
  batch_size: 0
monitor:
  mode: maximise
"""

WIDGET = """\
from typing import Annotated

from annotated_types import Ge, Interval


class Widget:
    def __init__(
        self,
        size: Annotated[int, Ge(1)],
        share: Annotated[float, Interval(ge=0, le=1)] = 0.5,
        dropout: Annotated[float, Interval(ge=0, le=1)] = 0.0,
        lr: float = 0.1,
    ):
        pass
"""


def problems_of(overrides: list[str], tmp_path: Path) -> list[str]:
    """The problems `python train.py <overrides> validate=true` would list, as sentences."""
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        config = compose("train", [*overrides, f"paths.log_dir={tmp_path}"], return_hydra_config=True)
        return check_job(config, "train", list(config.hydra.overrides.task))


def test_every_bad_value_is_listed_at_once_with_the_override_that_set_it(tmp_path: Path):
    bad = ["seed=abc", "data.batch_size=0", "model.optimizer.lr=-0.001", "+model.attention.temprature=2"]
    problems = problems_of(bad, tmp_path)
    assert problems == [
        "seed='abc' must be an integer in [0, 4294967295], set by the command line (seed=abc)",
        "data.batch_size=0 must be an integer >= 1, set by the command line (data.batch_size=0)",
        "model.attention.temprature=2 is no parameter of plugboard.modules.attention.DotAttention (it takes "
        "key_size, query_size, value_size), set by the command line (+model.attention.temprature=2)",
        "model.optimizer.lr=-0.001 must be a float > 0, set by the command line (model.optimizer.lr=-0.001)",
    ]


@pytest.mark.parametrize("data", ["reverse", "scan"])
def test_folds_on_a_generated_or_fixed_split_are_refused_naming_the_datamodules_with_folds(
    data: str, tmp_path: Path
):
    """A generated task's DataModule takes **kwargs, yet `folds` is refused before anything is built."""
    folds, fold = problems_of([f"data={data}", "+data.folds=5", "+data.fold=0"], tmp_path)
    assert folds.startswith("data.folds=5 is no parameter of plugboard.seq2seq.data.")
    assert "data=tsv, tsv_cleaned, labelled_tsv, cmudict" in folds and fold.startswith("data.fold=0 is no")


def test_fold_counts_are_judged_before_anything_is_built(tmp_path: Path):
    overrides = ["model=classifier", "data=labelled_tsv", "data.folds=1", "data.fold=-1"]
    problems = problems_of(overrides, tmp_path)
    assert problems == [
        "data.folds=1 must be an integer >= 2 or null, set by the command line (data.folds=1)",
        "data.fold=-1 must be an integer >= 0, set by the command line (data.fold=-1)",
    ]


def test_a_bad_value_from_an_experiment_preset_names_the_preset(tmp_path: Path):
    (tmp_path / "experiment").mkdir()
    (tmp_path / "experiment" / "bad_preset.yaml").write_text(BAD_PRESET)
    search_path = f"hydra.searchpath=[file://{tmp_path}]"
    problems = problems_of([search_path, "experiment=bad_preset"], tmp_path)
    assert problems == [
        "data.batch_size=0 must be an integer >= 1, set by experiment=bad_preset "
        "(experiment/bad_preset.yaml)",
        "monitor.mode='maximise' must be one of 'min', 'max', set by experiment=bad_preset "
        "(experiment/bad_preset.yaml)",
    ]
    # The command line comes after every file.
    fixed = problems_of([search_path, "experiment=bad_preset", "data.batch_size=-3"], tmp_path)
    assert fixed[0].endswith("set by the command line (data.batch_size=-3)")


def test_the_source_of_a_value_is_the_last_file_that_sets_it():
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        plain = Provenance("train", [])
        g2p = Provenance("train", ["experiment=g2p"])
        assert plain.of("seed") == "train.yaml"
        assert plain.of("data.batch_size") == "data=reverse (data/reverse.yaml)"
        assert g2p.of("data.batch_size") == "experiment=g2p (experiment/g2p.yaml)"
        assert g2p.of("data.max_words") == "data=cmudict (data/cmudict.yaml)"  # chosen by the preset
        # A `# @package _global_` group file (the model's monitor) sets a top-level key.
        assert g2p.of("monitor.mode") == "model/monitor=wer (model/monitor/wer.yaml)"


def test_a_provenance_is_freed_with_its_job():
    """Its config files are computed once per instance and dropped with it (a cache on the method
    would keep every job's Provenance alive for the life of the process)."""
    import gc
    import weakref

    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        provenance = Provenance("train", ["experiment=g2p"])
        assert provenance.of("data.batch_size") == provenance.of("data.batch_size") != ""
        freed = weakref.ref(provenance)
        del provenance
        gc.collect()
    assert freed() is None


class _Shape(typing.Protocol):
    def area(self) -> float: ...


def _take_shape(shape: _Shape = None, size: int = 1) -> None:  # a target for the test below
    return None


def test_an_annotation_the_check_cannot_judge_is_named_once(caplog):
    """pydantic cannot judge a protocol: its values go unchecked, and the check says so, once."""
    config = OmegaConf.create({"thing": {"_target_": f"{__name__}._take_shape", "shape": "round", "size": 2}})
    with caplog.at_level(logging.WARNING):
        assert find_problems(config) == []
        assert find_problems(config) == []
    said = [record.getMessage() for record in caplog.records if "_take_shape.shape" in record.getMessage()]
    assert len(said) == 1, said
    assert "cannot judge" in said[0]


def test_constructors_of_your_own_declare_ranges_in_their_signature(tmp_path: Path, monkeypatch):
    (tmp_path / "widget_module.py").write_text(WIDGET)
    monkeypatch.syspath_prepend(str(tmp_path))
    from omegaconf import OmegaConf

    config = {"_target_": "widget_module.Widget", "size": 0, "share": 2.0, "dropout": 1.0, "lr": -1, "hue": 3}
    try:
        problems = find_problems(OmegaConf.create({"widget": config}))
    finally:
        sys.modules.pop("widget_module", None)
    assert [(problem.key, problem.what) for problem in problems] == [
        ("widget.size", "must be an integer >= 1"),
        ("widget.share", "must be a float in [0, 1]"),
        # dropout=1.0 passes: the signature's own range replaces the table's [0, 1).
        ("widget.lr", "must be a float > 0"),  # the table's range for any `lr`
        ("widget.hue", "is no parameter of widget_module.Widget (it takes dropout, lr, share, size)"),
    ]


def test_checking_a_config_takes_well_under_a_second(tmp_path: Path):
    """tests/configs/test_configs.py checks every option of every group; here the other entry points."""
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        config = compose("train", ["experiment=g2p", f"paths.output_dir={tmp_path}"])
        find_problems(config, "train")  # imports the classes it checks
        started = time.perf_counter()
        assert find_problems(config, "train") == []
        assert time.perf_counter() - started < 0.5
        for entry_point in ("eval", "predict"):
            config = compose(entry_point, ["ckpt_path=run.ckpt", f"paths.output_dir={tmp_path}"])
            assert find_problems(config, entry_point) == []
            config = compose(entry_point, [f"paths.output_dir={tmp_path}", "+data.batch_size=0"])
            assert [problem.key for problem in find_problems(config, entry_point)] == [
                "ckpt_path",  # ??? in the config: required
                "data.batch_size",  # keys changed in the checkpoint's data config are checked by name
            ]


def test_a_run_stops_before_building_the_data_or_printing_the_config(tmp_path: Path, monkeypatch, capsys):
    import hydra.utils

    from plugboard.core.job import run_job
    from plugboard.core.train import train

    def instantiate(*args, **kwargs):
        raise AssertionError("something was built before the config was checked")

    monkeypatch.setattr(hydra.utils, "instantiate", instantiate)
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        config = compose("train", ["seed=1.5", "trainer.max_epochs=-2", f"paths.output_dir={tmp_path}"])
    with pytest.raises(SystemExit) as stopped:
        run_job(config, train, "train")
    assert stopped.value.code == 1
    output = capsys.readouterr()
    assert "seed=1.5 must be an integer" in output.err
    assert "trainer.max_epochs=-2 must be an integer >= -1" in output.err
    assert "CONFIG" not in output.out + output.err  # the tree is printed for a valid config only
