"""Plugboard's Optuna sweeper for Hydra: `hydra/sweeper=plugboard_optuna`.

Built on Optuna's ask/tell interface, for Optuna >= 4, with studies kept in a journal file and
trials pruned by a Lightning callback in the job (plugboard.core.callbacks.optuna_pruning).
Hydra imports every module here not starting with "_" when it starts, so those modules import
neither optuna nor torch; the work is in `_sweep.py` and `_search_space.py`.
"""
