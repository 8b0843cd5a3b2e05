"""Speed measurements, run from the project root: `python -m benchmarks.<name>` (or `make bench`).

    overhead          training steps/s: a plain PyTorch loop vs `python train.py` (Lightning + Hydra)
    startup           seconds from `python train.py` to its first training step, and what is imported
    attention_cost    forward + backward time and memory of each attention variant vs source length
    attention_prepare decoder steps with attention keys prepared once per sequence vs at every step
    data_loading      batches/s of the default job's train loader with 0 and 2 worker processes
    data_pipeline     CMUdict through its data pipeline: setup with and without the cache
    bucketing         training epoch time with and without length-bucketed batches
    pruning           an Optuna search with and without pruning: best value, epochs, wall time
    search_workers    an Optuna search in 1, 2 and 4 asynchronous workers vs batches: wall and idle time
    joey_parity       test exact match on reverse against Joey NMT (the peer installed on demand)
    parallel_teacher_forcing  decoder steps without input feeding: all positions at once vs stepping
    compile_cache     a job end to end eager, compiled on an empty cache, and compiled again
    compiled_greedy   greedy validation decoding eager vs compiled, and the compile's cost

What they share, not run by themselves:

    common            the machine's description, the default job's config, result files
    step_timer        a callback that timestamps the training loop of a real run
    attention_before  the decoder as it was before keys were prepared once (attention_prepare's baseline)

Each prints its table and writes `<name>.md` and `<name>.json` (and a PNG where it draws one)
into `benchmarks/results/`, or the folder given with `--output-dir`; `make docs` then writes the
new figures into docs/speed.md (and docs/sweeps.md for pruning).
"""
