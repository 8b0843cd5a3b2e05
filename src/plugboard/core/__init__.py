"""The core: what a template user keeps whatever they study. It knows no model family: it
reaches one only through `_target_`s, Lightning's interfaces and the data-to-model hand-off.

Where each concern lives:

    train.py eval.py predict.py  the entry points' work (config -> data -> model -> trainer ->
                                 metrics); the scripts at the project root call their `main`
    compare.py                   compare.py: leaderboards and paired comparisons of sweeps
    runs.py                      runs.py: every run under logs/ with its status (running, died from the lock)
    job/          a job from start to record: the entry decorator, run_job and metrics.json,
                  the run dir (named, claimed, agreed by every rank), launch and ranks, the
                  device pool, logs, extras, the Optuna trial of a job
    config/       the config before anything is built: validation, ranges, provenance, the
                  sweep pre-flight, resolvers, instantiation helpers, and `_hydra.py`, the one
                  file that touches Hydra's private API
    checkpoints/  load (weights only), trust (what a saved config may build), rebuild, resume
    callbacks/    Lightning callbacks every run gets (config and RNG state in checkpoints,
                  NaN stop, last.ckpt and preemption, test outcomes, data report, pruning)
    loggers/      Lightning loggers set up for runs that resume (CSV, MLflow)
    analysis/     what compare.py computes: sweeps read, leaderboards, statistics, plots
    handoff.py    the data-to-model hand-off: a DataModule's `metadata`, saved in checkpoints
    errors.py     the user errors shown as one paragraph (ConfigError, DataError, ...)
    text_files.py the one reader of users' text files (UTF-8, any line ends)
    paths.py      where the project and its configs live

Modules moved in 0.2.0 keep their old name for one release, with a DeprecationWarning naming
the new place (CHANGELOG.md lists them).
"""

from plugboard.core import _moved

_moved.install()
