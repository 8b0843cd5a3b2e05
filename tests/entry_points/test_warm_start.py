"""Fine-tuning through the real entry points: a model trained on one task starts a new run on
another (`init_from`), with parts frozen; resumed, the new run goes on from its own checkpoint.
Slow (three processes each); the fast suite covers the same rules in-process:
tests/core/checkpoints/test_warm_start.py."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from helpers import TINY, read_json, run_entry_point, single_run_dir

from plugboard.core.paths import PROJECT_ROOT


def succeeded(result) -> None:
    assert result.returncode == 0, f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"


def weights(path: Path) -> dict[str, torch.Tensor]:
    return torch.load(path, map_location="cpu", weights_only=True)["state_dict"]


@pytest.mark.slow  # about 25 s on 2 cores: train, fine-tune, resume
def test_a_reverse_model_fine_tuned_on_copy_with_its_encoder_frozen(tmp_path: Path):
    succeeded(run_entry_point("train.py", ["data=reverse", "debug=fdr", "task_name=source", *TINY], tmp_path))
    source = Path(read_json(single_run_dir(tmp_path, "source") / "metrics.json")["best_checkpoint"])
    trained = weights(source)

    fine_tune = ["data=copy", f"init_from={source}", "freeze=[encoder]", "task_name=copy", *TINY]
    result = run_entry_point("train.py", [*fine_tune, "trainer.max_epochs=1", "test=false"], tmp_path)
    succeeded(result)
    run_dir = single_run_dir(tmp_path, "copy")
    record = read_json(run_dir / "run_info.json")["init_from"]
    assert record["taken"] == len(trained) and record["frozen"] == ["encoder"]
    assert not record["missing"] and not record["unexpected"] and not record["grown"]
    assert (
        f"Starting from the weights of {source}: took {len(trained)} weights; frozen: encoder."
        in result.stdout
    )

    last = run_dir / "checkpoints" / "last.ckpt"
    saved = torch.load(last, map_location="cpu", weights_only=True)
    assert saved["epoch"] == 0  # a new run: its own first epoch, its own optimizer
    tuned = saved["state_dict"]
    encoder = [name for name in trained if name.startswith("encoder.")]
    assert encoder and all(torch.equal(tuned[name], trained[name]) for name in encoder)
    decoder = [name for name in trained if name.startswith("decoder.")]
    assert any(not torch.equal(tuned[name], trained[name]) for name in decoder)

    # Resumed, the run goes on from its own checkpoint: the source is not read again (here it is
    # gone), and the encoder stays frozen.
    source.rename(source.with_suffix(".moved"))
    result = run_entry_point(
        "train.py", [*fine_tune, "trainer.max_epochs=2", "test=false", "ckpt_path=last"], tmp_path
    )
    succeeded(result)
    assert "init_from=" in result.stdout and "was read when this run started, not again" in result.stdout
    resumed = torch.load(last, map_location="cpu", weights_only=True)
    assert resumed["epoch"] == 1
    assert all(torch.equal(resumed["state_dict"][name], trained[name]) for name in encoder)


@pytest.mark.slow
def test_a_classifier_fine_tuned_on_a_tsv_with_new_words_and_a_new_label(tmp_path: Path):
    """By default other data are refused with what differs; `init_metadata=extend` keeps the
    checkpoint's vocabulary and labels first and appends the new ones."""
    classifier = ["model=classifier", "data=labelled_tsv", "extras.print_config=false", "debug=fdr"]
    succeeded(run_entry_point("train.py", [*classifier, "task_name=intents"], tmp_path))
    source = Path(read_json(single_run_dir(tmp_path, "intents") / "metrics.json")["best_checkpoint"])
    before = torch.load(source, map_location="cpu", weights_only=True)["metadata"]

    lines = (PROJECT_ROOT / "data" / "samples" / "intents.tsv").read_text().splitlines()
    other = tmp_path / "other.tsv"
    greetings = [f"hello there number {index}\tgreeting" for index in range(40)]
    other.write_text("\n".join([line.replace("\t", " zyzzyva\t", 1) for line in lines] + greetings) + "\n")
    tune = [*classifier, f"data.path={other}", f"init_from={source}", "task_name=other"]

    refused = run_entry_point("train.py", tune, tmp_path)
    assert refused.returncode == 1
    assert "this run's data differ from what that model was built from" in refused.stderr
    assert "labels: 1 new here ('greeting')" in refused.stderr and "init_metadata=extend" in refused.stderr

    result = run_entry_point("train.py", [*tune, "init_metadata=extend"], tmp_path)
    succeeded(result)
    done = [run for run in (tmp_path / "other" / "runs").iterdir() if (run / "run_info.json").is_file()]
    record = read_json(max(done) / "run_info.json")["init_from"]
    vocabulary = len(before["vocabulary"])
    assert record["grown"]["encoder.embedding.weight"][0][0] == vocabulary
    after = torch.load(max(done) / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)[
        "metadata"
    ]
    assert (
        after["vocabulary"][:vocabulary] == before["vocabulary"]
        and "zyzzyva" in after["vocabulary"][vocabulary:]
    )
    assert after["labels"] == [*before["labels"], "greeting"]
