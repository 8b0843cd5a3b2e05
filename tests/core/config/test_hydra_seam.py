"""Hydra's private API is used in one file, and each use gives what Hydra itself gives.

`plugboard.core.config._hydra` is the only file that may import `hydra._internal` or touch a
`_`-prefixed attribute of a Hydra (or OmegaConf) object; a scan of the source says so. Each of its
helpers is compared here with Hydra's public answer to the same question, so a Hydra release
that changes an internal fails these tests, in one place.
"""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
import textwrap
from pathlib import Path

import hydra
import omegaconf
import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from plugboard.core.config import _hydra
from plugboard.core.paths import CONFIG_DIR, PROJECT_ROOT

SEAM = PROJECT_ROOT / "src" / "plugboard" / "core" / "config" / "_hydra.py"
SOURCES = sorted((PROJECT_ROOT / "src").rglob("*.py"))


def _private_names_of(*packages) -> set[str]:
    """Every `_name` (not dunder) defined on a class or module of these packages."""
    names: set[str] = set()
    for package in packages:
        root = Path(package.__file__).parent
        for path in root.rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    name = node.name
                elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                    name = node.attr
                else:
                    continue
                if name.startswith("_") and not name.startswith("__"):
                    names.add(name)
    return names


HYDRA_PRIVATE = _private_names_of(hydra, omegaconf)


def _offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("hydra._internal"):
            found.append(f"line {node.lineno}: from {node.module} import ...")
        elif isinstance(node, ast.Import):
            found += [
                f"line {node.lineno}: import {a.name}" for a in node.names if "hydra._internal" in a.name
            ]
        elif isinstance(node, ast.Attribute) and node.attr in HYDRA_PRIVATE:
            owner = node.value
            if not (isinstance(owner, ast.Name) and owner.id in ("self", "cls")):
                found.append(f"line {node.lineno}: .{node.attr}")
        elif (
            isinstance(node, ast.Constant) and isinstance(node.value, str) and "hydra._internal" in node.value
        ):
            found.append(f"line {node.lineno}: {node.value!r}")
    return found


def test_only_the_seam_touches_hydras_private_api():
    offences = {
        str(path.relative_to(PROJECT_ROOT)): found
        for path in SOURCES
        if path != SEAM and (found := _offences(path))
    }
    assert offences == {}


def test_the_scan_finds_each_kind_of_private_use(tmp_path: Path):
    """The scan itself can fail: each way of reaching Hydra's internals is caught."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        textwrap.dedent(
            """
            from hydra._internal.config_loader_impl import ConfigLoaderImpl
            import hydra._internal.utils
            ConfigLoaderImpl._apply_overrides_to_config([], None)
            node._get_node("x")._is_interpolation()
            target = "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"
            self._private_of_our_own = 1
            """
        )
    )
    found = _offences(sample)
    assert len(found) == 6, found  # the last line is ours: not an offence


# ----- each helper against Hydra's own answer -----------------------------------------------------
@pytest.fixture
def hydra_on_configs():
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        yield _hydra.config_loader()


def test_the_seam_names_the_hydra_line_it_was_written_for():
    assert hydra.__version__.startswith(_hydra.HYDRA_VERSION + ".")


def test_one_repository_per_question_answers_as_a_fresh_repository_does(hydra_on_configs):
    loader = hydra_on_configs
    fresh = loader.get_group_options("model/attention")
    with _hydra.one_repository_per_question():
        first = loader.get_group_options("model/attention")
        again = loader.get_group_options("model/attention")
        built = [_hydra.config_repository(loader, "train", []) for _ in range(2)]
    assert first == again == fresh
    assert built[0] is built[1]  # built once, reused
    assert _hydra.config_repository(loader, "train", [])[1] is not built[0][1]  # restored after


def test_group_exists_agrees_with_hydras_group_options(hydra_on_configs):
    _, repository = _hydra.config_repository(hydra_on_configs, "train", [])
    for group in ("model", "model/attention", "data", "trainer", "debug"):
        assert _hydra.group_exists(repository, group) == bool(hydra_on_configs.get_group_options(group))
    assert not _hydra.group_exists(repository, "seed")  # a key, not a group


def test_defaults_list_names_the_files_hydra_chose(hydra_on_configs):
    overrides = ["data=dates", "model/attention=additive", "experiment=g2p"]
    parsed, repository = _hydra.config_repository(hydra_on_configs, "train", overrides)
    files = {d.config_path for d in _hydra.defaults_list(repository, "train", parsed) if d.config_path}
    cfg = compose("train", overrides=overrides, return_hydra_config=True)
    choices = {
        f"{group}/{option}"
        for group, option in cfg.hydra.runtime.choices.items()
        if option and not group.startswith("hydra") and "@" not in group
    }
    assert choices <= files
    loaded = _hydra.load_config_file(repository, "model/attention/additive")
    assert OmegaConf.to_container(loaded.config)["_target_"].endswith("AdditiveAttention")


def test_apply_overrides_gives_what_compose_gives(hydra_on_configs):
    overrides = ["seed=7", "model.optimizer.lr=0.01", "+extra_key=3", "~tags"]
    base = compose("train", overrides=[])
    parsed = OverridesParser.create().parse_overrides(overrides)
    with omegaconf.open_dict(base):
        _hydra.apply_overrides(parsed, base)
    expected = compose("train", overrides=overrides)
    assert OmegaConf.to_container(base) == OmegaConf.to_container(expected)


def test_as_current_hydra_config_swaps_and_restores(hydra_on_configs):
    running = compose("train", overrides=[], return_hydra_config=True)
    job = compose("train", overrides=["task_name=other"], return_hydra_config=True)
    HydraConfig.instance().set_config(running)
    try:
        with _hydra.as_current_hydra_config(job):
            assert HydraConfig.get().job.override_dirname == "task_name=other"
        assert HydraConfig.get().job.override_dirname == ""
    finally:
        HydraConfig.instance().cfg = None


APP = """
import sys, hydra
from omegaconf import OmegaConf
@hydra.main(version_base="1.3", config_path=None, config_name=None)
def main(cfg):
    from hydra.core.hydra_config import HydraConfig
    print("JOB", " ".join(HydraConfig.get().overrides.task))
main()
"""


def test_grid_jobs_are_the_jobs_hydras_basic_sweeper_runs(tmp_path: Path):
    arguments = ["+a=1,2", "+b=x,y,z", "+c=fixed"]
    done = subprocess.run(
        [sys.executable, "-c", APP, "-m", *arguments, f"hydra.sweep.dir={tmp_path}"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    ran = [line.removeprefix("JOB ").split() for line in done.stdout.splitlines() if line.startswith("JOB")]
    assert _hydra.grid_jobs(OverridesParser.create().parse_overrides(arguments)) == ran
    assert len(ran) == 6


def test_error_of_failed_job_is_what_return_value_raises():
    from hydra.core.utils import JobReturn, JobStatus

    failed = JobReturn(status=JobStatus.FAILED)
    failed.return_value = ValueError("bad lr")
    with pytest.raises(ValueError) as raised:
        failed.return_value  # noqa: B018 (Hydra's public way: raises the job's error)
    assert _hydra.error_of_failed_job(failed) is raised.value


def test_the_basic_sweeper_is_where_the_seam_says():
    from hydra.utils import get_class

    assert inspect.isclass(get_class(_hydra.BASIC_SWEEPER))
    GlobalHydra.instance().clear()
