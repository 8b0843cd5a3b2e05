"""Pipeline steps: every config in configs/data/pipeline/ builds its class and runs; what each does."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from plugboard.core.errors import ConfigError, DataError
from plugboard.core.paths import CONFIG_DIR
from plugboard.data.pipeline import (
    DropDuplicates,
    DropEmptyTarget,
    FilterLength,
    KeepMatching,
    Lowercase,
    MapCharacters,
    Normalize,
    Pipeline,
    Strip,
    Tokenize,
    Transform,
)

STEP_CONFIGS = sorted((CONFIG_DIR / "data" / "pipeline").glob("*.yaml"))
EXAMPLES = [("Café  au lait", "COFFEE"), ("tea", "TEA"), ("café  au lait", "COFFEE"), ("x", " ")]


@pytest.mark.parametrize("path", STEP_CONFIGS, ids=[path.stem for path in STEP_CONFIGS])
def test_each_step_config_builds_the_class_at_the_matching_path_and_runs(path: Path) -> None:
    entry = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert entry["_target_"] == f"plugboard.data.pipeline.{path.stem}.{entry['_target_'].rsplit('.', 1)[1]}"
    pipeline = Pipeline([entry])
    assert pipeline.records() == [entry]  # the config is the step's whole record: every argument shown
    step = pipeline.steps[0]
    tokenized = [] if isinstance(step, Tokenize) else [Tokenize()]
    for steps in ([step, *tokenized], [*tokenized, step] if tokenized else [step]):
        for source, target in Pipeline(steps).run(list(EXAMPLES), "train"):
            assert isinstance(source, str | list) and isinstance(target, str | list)


def test_text_transforms_act_on_their_side_and_on_each_token_after_tokenization() -> None:
    pipeline = Pipeline(
        [Normalize(form="NFKC"), Strip(), Lowercase(side="source"), Tokenize(split="whitespace")]
    )
    assert pipeline.run([("  ＡB\u0301  Cd ", "KEEP ME")], "train") == [(["ab\u0301", "cd"], ["KEEP", "ME"])]
    assert Pipeline([Tokenize(side="target"), Lowercase(side="target")]).run([("A", "BC")], "x") == [
        ("A", ["b", "c"])
    ]
    assert Normalize().transform("e\u0301") == "\u00e9"
    assert MapCharacters(side="target", mapping={"1": "", "’": "'"}).transform("AH1 don’t") == "AH don't"


def test_filters_drop_what_they_say_and_the_report_shows_some() -> None:
    pipeline = Pipeline(
        [
            DropEmptyTarget(),
            Lowercase(),
            DropDuplicates(),
            Tokenize(split="whitespace"),
            FilterLength(max_length=1),
            KeepMatching(side="target", pattern="[a-z]+"),
        ]
    )
    assert pipeline.run(list(EXAMPLES) + [("milk", "LAIT1")], "train") == [(["tea"], ["tea"])]
    steps = pipeline.report["train"]["steps"]
    assert [step.get("dropped") for step in steps] == [1, None, 1, None, 1, 1]
    assert steps[0]["dropped_examples"] == [["x", " "]]
    assert steps[4]["dropped_examples"] == [["café au lait", "coffee"]]
    assert "FilterLength, side='both', min_length=1, max_length=1" in steps[4]["step"]


def test_raw_input_goes_through_source_transforms_but_not_filters() -> None:
    pipeline = Pipeline([FilterLength(max_length=2), Lowercase(), Tokenize(side="source")])
    assert pipeline.source_tokens("HELLO") == list("hello")
    assert Pipeline([Tokenize(split="whitespace")]).target_text(["AH", "T"]) == "AH T"


def test_a_filter_that_drops_everything_names_itself_and_its_arguments() -> None:
    pipeline = Pipeline([Tokenize(), FilterLength(min_length=50)])
    with pytest.raises(
        DataError,
        match=r"step 2 \(plugboard.data.pipeline.length.FilterLength, side='both', "
        r"min_length=50, max_length=None\) dropped all 4 examples",
    ) as error:
        pipeline.run(list(EXAMPLES), "train")
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"_target_": "plugboard.data.pipeline.length.FilterLength", "max_length": "ten"},
            "max_length='ten'",
        ),
        ({"_target_": "plugboard.data.pipeline.lowercase.Lowercase", "side": "left"}, "one of 'source'"),
        ({"_target_": "plugboard.data.pipeline.lowercase.Lowercse"}, "no such step class"),
        ({"_target_": "plugboard.data.pipeline.strip.Strip", "colapse": True}, "unexpected keyword"),
        (
            {"_target_": "plugboard.data.pipeline.matching.KeepMatching", "pattern": "(["},
            "RE2 runs in linear time",
        ),
        ({"_target_": "os.system", "command": "true"}, "not a pipeline step"),
    ],
    ids=["argument-kind", "side", "no-class", "unknown-argument", "bad-pattern", "not-a-step"],
)
def test_a_bad_step_is_one_paragraph_naming_its_position_and_target(entry: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as error:
        Pipeline([Strip(), entry])
    text = str(error.value)
    assert text.startswith(f"Pipeline step 2 ({entry['_target_']})") and "\n" not in text


@dataclasses.dataclass(frozen=True, kw_only=True)
class Broken(Transform):
    def transform(self, text: str) -> str:
        return 42  # type: ignore[return-value]


def test_a_transform_returning_no_text_is_named_with_its_position() -> None:
    with pytest.raises(DataError, match=r"step 2 \(tests.data.test_pipeline_steps.Broken|step 2 \(.*Broken"):
        Pipeline([Strip(), Broken()]).run([("a", "b")], "train")


def test_a_side_is_tokenized_once() -> None:
    with pytest.raises(ConfigError, match="step 2 .* tokenises the source, which step 1 already tokenised"):
        Pipeline([Tokenize(), Tokenize(side="source")])


def test_a_null_entry_is_a_step_switched_off_and_the_others_keep_their_positions() -> None:
    pipeline = Pipeline([Strip(), None, Tokenize(), FilterLength(min_length=9)])
    assert pipeline.records() == [Strip().record(), Tokenize().record(), FilterLength(min_length=9).record()]
    with pytest.raises(DataError, match=r"step 4 \(plugboard.data.pipeline.length.FilterLength"):
        pipeline.run([("ab", "c")], "train")


def test_the_entry_points_show_a_bad_step_in_the_config_as_one_paragraph(tmp_path: Path) -> None:
    """What train.py prints (plugboard.core.errors.user_message) for a misspelt step class."""
    from helpers import compose_config
    from hydra.utils import instantiate

    from plugboard.core.errors import user_message

    bad = (
        "data.pipeline=[{_target_: plugboard.data.pipeline.strip.Strip},{_target_: plugboard.data.Tokenise}]"
    )
    with pytest.raises(Exception) as error:
        instantiate(compose_config(["data=tsv", bad], tmp_path).data)
    message = user_message(error.value)
    assert "Pipeline step 2 (plugboard.data.Tokenise): no such step class" in message
    assert "\n" not in message


def test_a_catastrophic_pattern_runs_in_linear_time() -> None:
    """`((\\d| )+)+x` makes Python's backtracking `re` run for hours on 30 digits; RE2 answers at once."""
    import time

    from plugboard.data.pipeline.matching import KeepMatching

    step = KeepMatching(side="source", pattern=r"((\d| )+)+x")
    started = time.perf_counter()
    kept = step([("1 " * 20_000, "y"), ("1 2 x", "z")])
    assert kept == [("1 2 x", "z")] and time.perf_counter() - started < 1.0


def test_a_pattern_re2_cannot_run_is_refused_by_the_config_check(tmp_path) -> None:
    """Before anything trains: a model would otherwise train, then fail to load its own pipeline."""
    from helpers import compose_config

    from plugboard.core.config.validation import find_problems

    cfg = compose_config(["data=cmudict", "data.pipeline.1.pattern='(?=a)b'"], tmp_path)
    (problem,) = find_problems(cfg, "train")
    assert problem.key == "data.pipeline[1].pattern" and "linear time" in problem.what
