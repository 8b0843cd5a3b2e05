"""What a config value must be, said once as a type: `Annotated[int, Ge(1)]` is "an integer >= 1".

Three sources of `annotated-types` constraints, all checked:

- the annotation of the parameter a value feeds (`_target_`'s signature). A constructor of your own
  declares its ranges there, and nothing else needs editing:
  `def __init__(self, hidden_size: Annotated[int, Ge(1)], dropout: Annotated[float, Interval(ge=0, lt=1)])`;
- `BY_NAME` below, for the parameters users set most, since third-party constructors carry no
  ranges (`torch.optim.Adam(lr: float)`). It applies to a key of that name anywhere in the config
  (`"<target>.<name>"` for one target only), except where the parameter's own annotation has
  constraints;
- `ENTRY_POINT_KEYS`: the top-level keys each entry point reads itself.

How a value is judged against these and how they read in a message:
`plugboard.core.config.annotation_judge`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from annotated_types import Ge, Gt, Interval, Len

PositiveInt = Annotated[int, Ge(1)]
Count = Annotated[int, Ge(0)]
Rate = Annotated[float, Gt(0)]
Fraction = Annotated[float, Interval(ge=0, le=1)]
# Keeps something of every unit: a dropout of 1 zeros the whole layer.
Dropout = Annotated[float, Interval(ge=0, lt=1)]
# An int counts batches, a float is a share of them (Lightning's limit_*_batches, overfit_batches).
BatchesOrFraction = Count | Fraction
Seed = Annotated[int, Interval(ge=0, le=2**32 - 1)]  # the range Lightning's seed_everything accepts

BY_NAME: dict[str, Any] = {
    # optimisers and schedulers
    "lr": Rate,
    "learning_rate": Rate,
    "max_lr": Rate,
    "eps": Rate,
    "weight_decay": Annotated[float, Ge(0)],
    "momentum": Fraction,
    "betas": Annotated[Sequence[Annotated[float, Interval(ge=0, lt=1)]], Len(2, 2)],
    "torch.optim.lr_scheduler.ReduceLROnPlateau.factor": Annotated[float, Interval(gt=0, lt=1)],
    # data
    "batch_size": PositiveInt,
    "num_workers": Count,
    "val_fraction": Fraction,
    "test_fraction": Fraction,
    "seed": Seed,
    "max_source_length": PositiveInt,
    "max_target_length": PositiveInt,
    "bad_examples": Literal["refuse", "drop"],
    # model sizes and regularisation
    "hidden_size": PositiveInt,
    "embedding_size": PositiveInt,
    "embedding_dim": PositiveInt,
    "num_layers": PositiveInt,
    "num_heads": PositiveInt,
    "nhead": PositiveInt,
    "dim_feedforward": PositiveInt,
    "dropout": Dropout,
    "label_smoothing": Fraction,
    "beam_size": PositiveInt,
    # trainer (-1: no limit)
    "max_epochs": Annotated[int, Ge(-1)],
    "min_epochs": Count,
    "max_steps": Annotated[int, Ge(-1)],
    "min_steps": Count,
    "limit_train_batches": BatchesOrFraction,
    "limit_val_batches": BatchesOrFraction,
    "limit_test_batches": BatchesOrFraction,
    "limit_predict_batches": BatchesOrFraction,
    "overfit_batches": BatchesOrFraction,
    "accumulate_grad_batches": PositiveInt,
    "gradient_clip_val": Annotated[float, Ge(0)],
    "check_val_every_n_epoch": PositiveInt,
    "num_nodes": PositiveInt,
    # callbacks
    "patience": Count,
}

# Keys a target takes only where its constructor names them, never through `**kwargs` (which a
# DataModule hands on to the shared base, where they would fail later), with what to say instead.
FOLDS = (
    "k-fold splits are made by the DataModules that split a file themselves: data=tsv, tsv_cleaned, "
    "labelled_tsv, cmudict, or one of your own whose constructor takes folds and fold; a generated "
    "task or a fixed split (reverse, scan, dyck, ...) has none to cross-validate"
)
NAMED_ONLY: dict[str, str] = {"folds": FOLDS, "fold": FOLDS}

# The keys an entry point reads itself; ranges of these names come from BY_NAME as well.
RUN_KEYS: dict[str, Any] = {"task_name": str, "tags": list | None, "ckpt_path": str | None}
ENTRY_POINT_KEYS: dict[str, dict[str, Any]] = {
    "train": {
        **RUN_KEYS,
        "seed": int,
        "train": bool,
        "test": bool,
        "validate": bool,
        "optimized_metric": str | None,
        "init_from": str | None,
        "init_only": list,
        "init_metadata": Literal["same", "extend"],
        "freeze": list,
        "monitor.metric": str,
        "monitor.mode": Literal["min", "max"],
    },
    "eval": {**RUN_KEYS, "ckpt_path": str},
    "predict": {**RUN_KEYS, "ckpt_path": str, "inputs": list | None, "inputs_file": str | None},
}


def constraint_for(target: str | None, name: str) -> Any | None:
    """The table's annotation for parameter `name` of `target`, if any."""
    return BY_NAME.get(f"{target}.{name}", BY_NAME.get(name))
