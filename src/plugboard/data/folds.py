"""k-fold cross-validation as a sweep axis: `data.folds=5 data.fold=0,1,2,3,4`.

A DataModule that splits a source itself (a TSV file, CMUdict) shuffles its groups once by the
data seed and cuts them into val, test and train (`plugboard.data.tsv.split_groups`). With folds,
the test cut stays exactly where it is, so every fold is tested on the same examples and a
leaderboard over folds compares like with like; the other groups are cut into `folds` parts of
near-equal size in their shuffled order, and fold i validates on the i-th part and trains on
the rest. `compare.py` groups the runs of a sweep over `data.fold` into one row, as it does seeds.
"""

from __future__ import annotations

from typing import Any

from plugboard.core.errors import ConfigError, DataError


def check_fold(folds: int | None, fold: int) -> None:
    """Refuse a fold that is not one of the folds (the config check has judged each value alone)."""
    if folds is not None and not 0 <= fold < folds:
        raise ConfigError(
            f"data.fold={fold} is not one of the {folds} folds of data.folds={folds}: the folds are "
            f"numbered 0 to {folds - 1}, so sweep them with data.fold={','.join(map(str, range(folds)))} "
            "(or set data.folds=null for the plain train/val/test split)."
        )


def split_shuffled(
    shuffled: list[Any], val_count: int, test_count: int, folds: int | None = None, fold: int = 0
) -> dict[str, list[Any]]:
    """val, test and train of `shuffled` (groups in seeded order): the first `val_count` are val,
    the next `test_count` test, the rest train; with `folds`, the test cut is the same and val is
    fold `fold` of the others (see the module docstring)."""
    test = shuffled[val_count : val_count + test_count]
    if folds is None:
        return {"val": shuffled[:val_count], "test": test, "train": shuffled[val_count + test_count :]}
    others = shuffled[:val_count] + shuffled[val_count + test_count :]
    if len(others) < folds:
        raise DataError(
            f"Only {len(others)} groups of examples are left outside the test split: too few for "
            f"data.folds={folds} (each fold validates on at least one). Lower data.folds or add data."
        )
    start, end = (round(len(others) * i / folds) for i in (fold, fold + 1))
    return {"val": others[start:end], "test": test, "train": others[:start] + others[end:]}
