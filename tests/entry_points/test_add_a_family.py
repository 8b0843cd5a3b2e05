"""A new model family is added by adding files only: the guard of the core/family split.

A copy of the project gets a third family, unrelated to the shipped ones (an MLP classifying
random Gaussian blobs), written here as a user would write it: a LightningModule, a
LightningDataModule with `metadata`, and config files holding only `_target_`s and
hyperparameters. Nothing tracked is edited. The copy then runs the real entry points:
train, eval.py on its checkpoint, resume with `ckpt_path=last`, a 2x2 multirun,
compare.py ranking by the family's own metric, and the Optuna search written for every
family. docs/extending.md ("Add your own model family")
shows the same files. A second family is written the lightning-hydra-template way (a
LightningModule taking an `nn.Module`, a partial optimizer and scheduler left unannotated,
`save_hyperparameters`, a DataModule with a list argument): its checkpoints hold plain data, so it
trains, evaluates, resumes and predicts by files only too. Its data are points, not text, so its
DataModule is a plain `LightningDataModule`; a text family may subclass
`plugboard.data.datamodule.PipelineDataModule` (tested on its own in
tests/data/test_datamodule_base.py).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from project_copy import copy_project, run_python

FAMILY = {
    "src/plugboard/blobs/__init__.py": '"""An MLP on Gaussian blobs: the smallest model family."""\n',
    "src/plugboard/blobs/data.py": '''
import lightning as L
import torch
from torch.utils.data import DataLoader, TensorDataset


class Blobs(L.LightningDataModule):
    """Points around `num_classes` random centres in `num_features` dimensions."""

    def __init__(self, num_features: int = 4, num_classes: int = 3, size: int = 300, batch_size: int = 32):
        super().__init__()
        self.num_features, self.num_classes = num_features, num_classes
        self.size, self.batch_size = size, batch_size

    @property
    def metadata(self) -> dict:
        return {"num_features": self.num_features, "num_classes": self.num_classes}

    def setup(self, stage=None):
        generator = torch.Generator().manual_seed(0)
        centres = 3 * torch.randn(self.num_classes, self.num_features, generator=generator)
        labels = torch.randint(self.num_classes, (self.size,), generator=generator)
        points = centres[labels] + torch.randn(self.size, self.num_features, generator=generator)
        cut = [int(self.size * 0.6), int(self.size * 0.8)]
        self.splits = {
            "train": TensorDataset(points[: cut[0]], labels[: cut[0]]),
            "val": TensorDataset(points[cut[0] : cut[1]], labels[cut[0] : cut[1]]),
            "test": TensorDataset(points[cut[1] :], labels[cut[1] :]),
        }

    def train_dataloader(self):
        return DataLoader(self.splits["train"], batch_size=self.batch_size, shuffle=True)

    def val_dataloader(self):
        return DataLoader(self.splits["val"], batch_size=self.batch_size)

    def test_dataloader(self):
        return DataLoader(self.splits["test"], batch_size=self.batch_size)
''',
    "src/plugboard/blobs/model.py": """
from collections.abc import Callable

import lightning as L
import torch
import torch.nn.functional as F


class Mlp(L.LightningModule):
    def __init__(
        self,
        num_features: int,
        num_classes: int,
        optimizer: Callable[..., torch.optim.Optimizer],
        hidden: int = 16,
    ):
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(num_features, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, num_classes)
        )
        self.optimizer_factory = optimizer

    def training_step(self, batch, batch_idx):
        points, labels = batch
        return F.cross_entropy(self.net(points), labels)

    def _evaluate(self, split, batch):
        points, labels = batch
        logits = self.net(points)
        self.log(f"{split}/loss", F.cross_entropy(logits, labels))
        self.log(f"{split}/acc", (logits.argmax(-1) == labels).float().mean())

    def validation_step(self, batch, batch_idx):
        self._evaluate("val", batch)

    def test_step(self, batch, batch_idx):
        self._evaluate("test", batch)

    def configure_optimizers(self):
        return self.optimizer_factory(self.parameters())
""",
    "configs/model/mlp.yaml": """
defaults:
  - monitor: blob_accuracy
  - _self_

_target_: plugboard.blobs.model.Mlp
hidden: 16
optimizer:
  _target_: torch.optim.SGD
  _partial_: true
  lr: 0.05
  weight_decay: 0.0
""",
    "configs/model/monitor/blob_accuracy.yaml": (
        "# @package _global_\nmonitor:\n  metric: val/acc\n  mode: max\n"
    ),
    "configs/data/blobs.yaml": """
_target_: plugboard.blobs.data.Blobs
num_features: 4
num_classes: 3
batch_size: 32
""",
}
FAMILY_RUN = ["model=mlp", "data=blobs", "extras.print_config=false", "callbacks.rich_progress_bar=null"]


@pytest.fixture(scope="module")
def project_with_a_new_family(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = copy_project(
        tmp_path_factory.mktemp("family") / "project",
        parts=("src", "configs", "train.py", "eval.py", "compare.py", "pyproject.toml"),
    )
    for relative, text in FAMILY.items():
        path = copy / relative
        assert not path.exists(), f"{relative} would edit a file of the project"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.lstrip("\n"))
    return copy


def run(copy: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    result = run_python(copy, list(arguments), timeout=240)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result


def record(run_dir: Path) -> dict:
    return json.loads((run_dir / "metrics.json").read_text())


def test_train_eval_and_resume_a_new_family(project_with_a_new_family: Path):
    copy = project_with_a_new_family
    run(copy, "train.py", *FAMILY_RUN, "trainer.max_epochs=3")
    (run_dir,) = (copy / "logs" / "train" / "runs").iterdir()
    trained = record(run_dir)
    assert trained["status"] == "done"
    assert trained["monitor"] == {"metric": "val/acc", "mode": "max"}
    assert "val/acc_best" in trained["metrics"] and trained["metrics"]["test/acc"] > 0.5
    assert trained["metric_ranges"] == {}  # plain floats logged: nothing declared
    assert Path(trained["best_checkpoint"]).parent == run_dir / "checkpoints"

    run(copy, "eval.py", f"ckpt_path={trained['best_checkpoint']}", "extras.print_config=false")
    (eval_dir,) = (copy / "logs" / "eval" / "runs").iterdir()
    assert record(eval_dir)["metrics"]["test/acc"] == pytest.approx(trained["metrics"]["test/acc"])

    run(copy, "train.py", *FAMILY_RUN, "trainer.max_epochs=4", "ckpt_path=last")
    assert [path.name for path in (copy / "logs" / "train" / "runs").iterdir()] == [run_dir.name]
    epochs = {line.split(",")[0] for line in (run_dir / "csv" / "metrics.csv").read_text().splitlines()[1:]}
    assert record(run_dir)["status"] == "done" and "3" in "".join(epochs)


@pytest.mark.slow
def test_sweep_and_compare_a_new_family(project_with_a_new_family: Path, tmp_path: Path):
    copy = project_with_a_new_family
    sweep = tmp_path / "sweep"
    run(
        copy,
        "train.py",
        "-m",
        *FAMILY_RUN,
        "trainer.max_epochs=2",
        "model.hidden=4,16",
        "seed=1,2",
        f"hydra.sweep.dir={sweep}",
    )
    assert (
        sorted(record(job)["status"] for job in sweep.iterdir() if job.is_dir() and job.name.isdigit())
        == ["done"] * 4
    )
    ranked = run(copy, "compare.py", str(sweep))
    assert "acc" in ranked.stdout and "exact_match" not in ranked.stdout
    # Ranked by its loss, the family's accuracy is still shown, without flags: every test metric
    # is. Logged as a plain float, it declares no range, so it is shown as logged, not × 100.
    run(copy, "compare.py", str(sweep), "--metric", "test/loss", "--no-plot")
    header, _rule, *rows = (sweep / "leaderboard.md").read_text().split("\n\n")[0].splitlines()
    assert "| test/loss | 95% CI | test/acc | n |" in header and "(%)" not in header
    accuracies = [float(row.split(" | ")[4].split(" ± ")[0]) for row in rows]
    assert len(accuracies) == 2 and all(0 <= accuracy <= 1 for accuracy in accuracies)


def test_the_search_for_every_family_leaves_out_the_knobs_it_lacks(
    project_with_a_new_family: Path, tmp_path: Path
):
    """hparams_search=optuna on a family added by files: its optimizer and batch size are searched,
    the dropout it has not is left out with one line, and no trial fails."""
    sweep = tmp_path / "search"
    search = ["-m", "hparams_search=optuna", "hydra.sweeper.n_trials=2", f"hydra.sweep.dir={sweep}"]
    result = run(project_with_a_new_family, "train.py", *search, *FAMILY_RUN, "trainer.max_epochs=2")
    log = result.stdout + result.stderr
    left_out = "model.dropout and model.encoder.dropout are not in this config (model=mlp)"
    assert log.count(f"Optuna search: {left_out}: left out of the search") == 1
    assert [record(sweep / job)["status"] for job in ("0", "1")] == ["done", "done"]
    results = yaml.safe_load((sweep / "optimization_results.yaml").read_text())
    assert results["trials"] == {"complete": 2}
    searched = {"model.optimizer.lr", "model.optimizer.weight_decay", "data.batch_size"}
    assert set(results["best_params"]) == searched


LHT_FAMILY = {
    "src/mylab/__init__.py": '"""A family written the lightning-hydra-template way."""\n',
    "src/mylab/nets.py": """
import torch


class SimpleNet(torch.nn.Module):
    def __init__(self, input_size: int = 4, lin1_size: int = 16, output_size: int = 3):
        super().__init__()
        self.model = torch.nn.Sequential(
            torch.nn.Linear(input_size, lin1_size), torch.nn.ReLU(), torch.nn.Linear(lin1_size, output_size)
        )

    def forward(self, x):
        return self.model(x)
""",
    "src/mylab/lit.py": """
import lightning as L
import torch
import torch.nn.functional as F


class LitClassifier(L.LightningModule):
    def __init__(self, net: torch.nn.Module, optimizer, scheduler, compile: bool):
        super().__init__()
        self.save_hyperparameters(logger=False)
        self.net = net

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.cross_entropy(self(x), y)
        self.log("train/loss", loss)
        return loss

    def _evaluate(self, split, batch):
        x, y = batch
        logits = self(x)
        self.log(f"{split}/loss", F.cross_entropy(logits, y))
        self.log(f"{split}/acc", (logits.argmax(-1) == y).float().mean())

    def validation_step(self, batch, batch_idx):
        self._evaluate("val", batch)

    def test_step(self, batch, batch_idx):
        self._evaluate("test", batch)

    def predict_step(self, batch, batch_idx):
        return self(batch[0]).argmax(-1)

    def configure_optimizers(self):
        optimizer = self.hparams.optimizer(params=self.trainer.model.parameters())
        if self.hparams.scheduler is not None:
            scheduler = self.hparams.scheduler(optimizer=optimizer)
            return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "monitor": "val/loss"}}
        return {"optimizer": optimizer}
""",
    "src/mylab/data.py": """
import lightning as L
import torch
from torch.utils.data import DataLoader, TensorDataset


class BlobsDataModule(L.LightningDataModule):
    def __init__(self, train_val_test_split=(180, 60, 60), batch_size: int = 32):
        super().__init__()
        self.save_hyperparameters(logger=False)

    def setup(self, stage=None):
        generator = torch.Generator().manual_seed(0)
        size = sum(self.hparams.train_val_test_split)
        centres = 3 * torch.randn(3, 4, generator=generator)
        labels = torch.randint(3, (size,), generator=generator)
        points = centres[labels] + torch.randn(size, 4, generator=generator)
        parts = torch.utils.data.random_split(
            TensorDataset(points, labels), list(self.hparams.train_val_test_split), generator=generator
        )
        self.data_train, self.data_val, self.data_test = parts

    def train_dataloader(self):
        return DataLoader(self.data_train, batch_size=self.hparams.batch_size, shuffle=True)

    def val_dataloader(self):
        return DataLoader(self.data_val, batch_size=self.hparams.batch_size)

    def test_dataloader(self):
        return DataLoader(self.data_test, batch_size=self.hparams.batch_size)

    def predict_dataloader(self):
        return self.test_dataloader()
""",
    "configs/model/lht_mlp.yaml": """
_target_: mylab.lit.LitClassifier
optimizer:
  _target_: torch.optim.Adam
  _partial_: true
  lr: 0.01
  weight_decay: 0.0
scheduler:
  _target_: torch.optim.lr_scheduler.ReduceLROnPlateau
  _partial_: true
  mode: min
  factor: 0.1
  patience: 10
net:
  _target_: mylab.nets.SimpleNet
  input_size: 4
  lin1_size: 16
  output_size: 3
compile: false
""",
    "configs/data/lht_blobs.yaml": """
_target_: mylab.data.BlobsDataModule
train_val_test_split: [180, 60, 60]
batch_size: 32
""",
}
LHT_RUN = ["model=lht_mlp", "data=lht_blobs", "extras.print_config=false", "callbacks.rich_progress_bar=null"]


def test_a_lightning_hydra_template_family_trains_evaluates_resumes_and_predicts(tmp_path_factory):
    copy = copy_project(
        tmp_path_factory.mktemp("lht") / "project",
        parts=("src", "configs", "train.py", "eval.py", "predict.py", "pyproject.toml"),
    )
    for relative, text in LHT_FAMILY.items():
        path = copy / relative
        assert not path.exists(), f"{relative} would edit a file of the project"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.lstrip("\n"))

    run(copy, "train.py", *LHT_RUN, "trainer.max_epochs=2")
    (run_dir,) = (copy / "logs" / "train" / "runs").iterdir()
    trained = record(run_dir)
    assert trained["status"] == "done" and trained["metrics"]["test/acc"] > 0.5
    run(copy, "eval.py", f"ckpt_path={trained['best_checkpoint']}", "extras.print_config=false")
    (eval_dir,) = (copy / "logs" / "eval" / "runs").iterdir()
    assert record(eval_dir)["metrics"]["test/acc"] == pytest.approx(trained["metrics"]["test/acc"])

    run(copy, "train.py", *LHT_RUN, "trainer.max_epochs=3", "ckpt_path=last")
    assert record(run_dir)["status"] == "done"
    assert [path.name for path in (copy / "logs" / "train" / "runs").iterdir()] == [run_dir.name]

    run(copy, "predict.py", f"ckpt_path={run_dir / 'checkpoints' / 'last.ckpt'}", "extras.print_config=false")
    (predict_dir,) = (copy / "logs" / "predict" / "runs").iterdir()
    predictions = (predict_dir / "predictions.jsonl").read_text().splitlines()
    assert len(predictions) == 60 and {json.loads(line)["prediction"] for line in predictions} <= {0, 1, 2}
