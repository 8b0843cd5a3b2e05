"""A job, from start to record: what every entry point does around its work.

entry.py        entry_point: the one decorator around hydra.main (quick --help)
run.py          run_job: config check, run record, user errors, sweep behaviour; objective
record.py       metrics.json and run_info.json, the job's record for people and compare.py
declared_ranges.py what each logged metric's torchmetrics class declares (range, direction)
run_dir.py      the one dir a job writes into: named, claimed, agreed by every process
run_files.py    every write into a run dir: no link followed, temporary file + rename
run_lock.py     one writer per run dir: a lock with its holder's record and heartbeat
launch.py       the processes of a job (torchrun, srun, Lightning's DDP) and the
                process-wide state a job changes while it runs (all of it, documented there)
ranks.py        global_rank, rank_zero_only: one answer to "which process am I"
device_pool.py  one GPU per job when a local sweep runs jobs in parallel
logs.py         get_logger (rank-zero adapter), Lightning's messages routed once
extras.py       configs/extras: warnings off, the config tree printed and saved
compile_cache.py torch.compile's cache under the project; what each job read from it or compiled
optuna_trial.py the Optuna study a sweep and its jobs share (trial number, storage, pruning)
scheduler_polls.py a SLURM sweep's repeated sacct warning said once
sweep_outcome.py what a cluster sweep's jobs ended as, said when the sweep ends
"""

from plugboard.core.job.entry import entry_point
from plugboard.core.job.logs import get_logger
from plugboard.core.job.run import JobPruned, objective, run_job

__all__ = ["JobPruned", "entry_point", "get_logger", "objective", "run_job"]
