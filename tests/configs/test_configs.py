"""Every option of every config group composes, reads its data and builds its model.

Options are discovered from the files under configs/, so a new file is tested without
editing this one.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
import torch
from helpers import compose_config
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from plugboard.core.config.instantiate import instantiate_named
from plugboard.core.config.validation import find_problems
from plugboard.core.handoff import data_metadata, instantiate_with_metadata
from plugboard.core.paths import CONFIG_DIR

ROOT_CONFIGS = {"train.yaml", "eval.yaml", "predict.yaml", "export.yaml", "serve.yaml"}


def group_options() -> list[tuple[str, str]]:
    options = []
    for path in sorted(CONFIG_DIR.rglob("*.yaml")):
        relative = path.relative_to(CONFIG_DIR)
        # Pipeline steps are entries of data.pipeline, not options: tests/data/test_pipeline_steps.py.
        if str(relative) in ROOT_CONFIGS or relative.parent == Path("data/pipeline"):
            continue
        options.append((str(relative.parent), path.stem))
    return options


OPTIONS = group_options()


# Options that need a package from an extra (`pip install -e ".[sweep]"`, `.[slurm]`, `.[ray]`):
# the Optuna sweeper is ours (hydra_plugins/plugboard_optuna_sweeper) and needs optuna.
PLUGINS = {
    "hparams_search": "optuna",
    "launcher/joblib": "hydra_plugins.hydra_joblib_launcher",
    "launcher/slurm": "hydra_plugins.hydra_submitit_launcher",
    "launcher/ray": "hydra_plugins.hydra_ray_launcher",
}


def skip_without_plugin(group: str, option: str) -> None:
    plugin = PLUGINS.get(f"{group}/{option}") or PLUGINS.get(group)
    if plugin is not None and importlib.util.find_spec(plugin) is None:
        # CI installs the dev extra and the ray extra (`make env-ray`): nothing may be missing there.
        if os.environ.get("CI") == "true":
            pytest.fail(f"{plugin} is missing although CI installs every extra")
        pytest.skip(f"needs {plugin} (an optional extra)")


def needs_gpu(cfg) -> bool:
    return cfg.trainer.get("accelerator") == "gpu" and not torch.cuda.is_available()


def family(target: str) -> str:
    """`plugboard.seq2seq` for `plugboard.seq2seq.data.GeneratedDataModule`: the package of a family."""
    return ".".join(target.split(".")[:2])


def targets_of(group: str) -> dict[str, str]:
    """{option: its top-level `_target_`} for the options of `group` (model or data)."""
    found = {}
    for path in sorted((CONFIG_DIR / group).glob("*.yaml")):
        lines = [line for line in path.read_text().splitlines() if line.startswith("_target_:")]
        if lines:
            found[path.stem] = lines[0].split(":", 1)[1].strip()
    return found


def partner(group: str, option: str) -> list[str]:
    """A model or data option is composed with an option of the same family from the other group
    (a classifier with classification data); every other option with the defaults."""
    if group not in ("model", "data"):
        return []
    other = "data" if group == "model" else "model"
    mine = targets_of(group).get(option)
    defaults = compose_config([], Path("unused"))
    if mine is None or family(mine) == family(defaults[other]["_target_"]):
        return []
    matches = [name for name, target in targets_of(other).items() if family(target) == family(mine)]
    return [f"{other}={matches[0]}"] if matches else []


_metadata_by_data: dict[str, dict] = {}


def metadata_of(data: DictConfig) -> dict:
    """Reads the data (a bad path or file fails here) and returns its metadata; each distinct data
    config is read once per test process (most options leave the default data as it is)."""
    key = OmegaConf.to_yaml(data, resolve=True)
    if key not in _metadata_by_data:
        datamodule = instantiate(data)
        datamodule.setup("fit")
        assert len(datamodule.train_dataloader()) > 0
        _metadata_by_data[key] = data_metadata(datamodule)
    return _metadata_by_data[key]


@pytest.mark.parametrize(("group", "option"), OPTIONS, ids=[f"{g}/{o}" for g, o in OPTIONS])
def test_option_composes_and_builds(group: str, option: str, tmp_path: Path):
    """Composes, resolves, reads its data (a bad path or file fails here) and builds the model
    from the data's metadata, as train.py does."""
    skip_without_plugin(group, option)
    cfg = compose_config([*partner(group, option), f"{group}={option}"], tmp_path)
    OmegaConf.to_container(cfg, resolve=True)  # every interpolation resolves
    assert find_problems(cfg, "train") == []  # the whole-config check finds nothing to say

    model = instantiate_with_metadata(cfg.model, metadata_of(cfg.data))
    assert sum(parameter.numel() for parameter in model.parameters()) > 0
    model.configure_optimizers()
    callbacks = instantiate_named(cfg.get("callbacks"))
    loggers = instantiate_named(cfg.get("logger"))
    if needs_gpu(cfg):
        pytest.skip("this trainer option needs a GPU")
    trainer = instantiate(cfg.trainer, callbacks=callbacks, logger=loggers or False)
    assert trainer.max_epochs >= 1 or trainer.fast_dev_run


def test_all_groups_named_in_the_design_exist():
    groups = {group for group, _ in OPTIONS}
    for group in (
        "model",
        "model/attention",
        "model/optimizer",
        "model/scheduler",
        "data",
        "trainer",
        "callbacks",
        "logger",
        "debug",
        "experiment",
        "paths",
        "hydra",
        "extras",
    ):
        assert group in groups, group


def test_every_target_is_under_an_allowed_namespace():
    """Keeps every `_target_` easy to whitelist (Hydra 1.4 asks for it)."""
    for path in CONFIG_DIR.rglob("*.yaml"):
        for line in path.read_text().splitlines():
            if line.strip().startswith("_target_:"):
                target = line.split(":", 1)[1].strip()
                assert target.split(".")[0] in {"plugboard", "torch", "lightning"}, (path, target)
