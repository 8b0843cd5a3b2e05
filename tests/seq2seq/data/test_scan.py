"""SCAN: the grammar regenerates the published set, commands mean what the paper says, splits match."""

from __future__ import annotations

import functools
import time

import pytest

from plugboard.core.errors import ConfigError
from plugboard.seq2seq.data import ScanDataModule
from plugboard.seq2seq.data import scan_grammar as scan

L, R = "I_TURN_LEFT", "I_TURN_RIGHT"
WALK, LOOK, RUN, JUMP = "I_WALK", "I_LOOK", "I_RUN", "I_JUMP"


@pytest.fixture(scope="module")
def examples() -> list[tuple[list[str], list[str]]]:
    return scan.all_examples()


@functools.cache
def split_examples(split: str, seed: int = 1234) -> dict[str, list[tuple[list[str], list[str]]]]:
    return ScanDataModule(split=split, seed=seed).load_examples()


def sizes(splits: dict[str, list]) -> dict[str, int]:
    return {name: len(examples) for name, examples in splits.items()}


def commands(examples: list[tuple[list[str], list[str]]]) -> set[str]:
    return {" ".join(source) for source, _ in examples}


def test_the_grammar_yields_the_published_20910_distinct_commands_quickly(examples):
    start = time.perf_counter()
    scan.all_examples()
    assert time.perf_counter() - start < 2.0
    assert len(examples) == 20_910
    assert len(commands(examples)) == 20_910


def test_the_longest_action_sequence_has_48_actions(examples):
    lengths = [len(actions) for _, actions in examples]
    assert max(lengths) == 48
    longest = {" ".join(source) for source, actions in examples if len(actions) == 48}
    assert "jump around left thrice and walk around right thrice" in longest


@pytest.mark.parametrize(
    ("command", "actions"),
    [
        ("jump", [JUMP]),
        ("turn left twice", [L, L]),
        ("walk left", [L, WALK]),
        ("look opposite right", [R, R, LOOK]),
        ("turn opposite left thrice", [L, L] * 3),
        ("turn around right", [R] * 4),
        ("run around left twice", [L, RUN] * 8),
        # "x after y" does y first.
        ("jump opposite left after walk around left", [L, WALK] * 4 + [L, L, JUMP]),
        ("run twice and look right thrice", [RUN, RUN] + [R, LOOK] * 3),
        ("jump twice after walk left", [L, WALK, JUMP, JUMP]),
        ("turn right after run opposite left twice", [L, L, RUN, L, L, RUN, R]),
    ],
)
def test_known_commands_mean_what_the_paper_says(command: str, actions: list[str], examples):
    assert scan.interpret(command) == actions
    assert (command.split(), actions) in examples


def test_interpret_agrees_with_the_generated_set(examples):
    for source, actions in examples[::97]:
        assert scan.interpret(" ".join(source)) == actions


@pytest.mark.parametrize(
    ("command", "culprit"),
    [
        ("turn", "'turn'"),
        ("jump left right", "'jump left right'"),
        ("walk and", "''"),
        ("jump and walk and run", "at most one"),
        ("fly twice", "'fly twice'"),
        ("", "''"),
    ],
)
def test_a_command_outside_the_grammar_is_a_clear_value_error(command: str, culprit: str):
    with pytest.raises(ValueError, match="is not a SCAN command") as raised:
        scan.interpret(command)
    assert culprit in str(raised.value)


def test_simple_split_is_the_published_80_20_with_val_carved_from_train():
    splits = split_examples("simple")
    assert sizes(splits) == {"train": 15_055, "val": 1_673, "test": 4_182}
    assert len(splits["train"]) + len(splits["val"]) == 16_728  # the published training set
    train, val, test = (commands(splits[name]) for name in ("train", "val", "test"))
    assert not (train & val or train & test or val & test)
    assert len(train | val | test) == 20_910


def test_splits_are_deterministic_in_the_seed():
    again = ScanDataModule(split="simple", seed=1234).load_examples()
    assert again == split_examples("simple")
    assert commands(split_examples("simple", seed=7)["test"]) != commands(again["test"])
    assert split_examples("length", seed=7)["test"] == split_examples("length")["test"]
    assert commands(split_examples("length", seed=7)["val"]) != commands(split_examples("length")["val"])


def test_length_split_trains_on_at_most_22_actions_and_tests_on_longer():
    splits = split_examples("length")
    assert sizes(splits) == {"train": 15_291, "val": 1_699, "test": 3_920}
    assert len(splits["train"]) + len(splits["val"]) == 16_990  # the published training set
    for name in ("train", "val"):
        assert max(len(actions) for _, actions in splits[name]) <= 22
    assert min(len(actions) for _, actions in splits["test"]) > 22
    assert "test_long" not in splits  # `test` itself is the longer-than-training set


def test_a_training_batch_comes_through_the_shared_collate():
    datamodule = ScanDataModule(split="length", batch_size=32)
    datamodule.setup("fit")
    assert datamodule.test_splits == ["test"]
    batch = next(iter(datamodule.train_dataloader()))
    assert batch.source.shape[0] == 32 and batch.target.shape[0] == 32
    assert batch.source_mask.sum(dim=1).max() <= 9  # the longest command has 9 words
    vocabulary = datamodule.vocabulary
    assert {"jump", "twice", "after", "I_JUMP", "I_TURN_LEFT"} <= set(vocabulary.tokens)
    first_target = vocabulary.decode(batch.target[0].tolist())
    source = [vocabulary.tokens[i] for i in vocabulary.strip(batch.source[0].tolist())]
    assert first_target == scan.interpret(" ".join(source))


@pytest.mark.parametrize("options", [{"split": "addjump"}, {"val_fraction": 1.0}])
def test_bad_options_say_what_to_set(options):
    with pytest.raises(ConfigError, match="data\\."):
        ScanDataModule(**options)


def test_raw_text_is_read_as_words_and_actions_are_joined_by_spaces():
    datamodule = ScanDataModule()
    tokens = datamodule.pipeline.source_tokens(" jump twice  after walk left\n")
    assert tokens == ["jump", "twice", "after", "walk", "left"]
    assert (
        datamodule.pipeline.target_text(scan.interpret("jump twice after walk left"))
        == "I_TURN_LEFT I_WALK I_JUMP I_JUMP"
    )
