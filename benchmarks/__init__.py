"""Speed measurements, run from the project root: `python -m benchmarks.<name>` (or `make bench`).

    overhead       training steps/s: a plain PyTorch loop vs `python train.py` (Lightning + Hydra)
    startup        seconds from `python train.py` to its first training step, and what is imported
    attention_cost forward + backward time and memory of each attention variant vs source length
    data_loading   batches/s of the default job's train loader with 0 and 2 worker processes

Each prints its table and writes `<name>.md` and `<name>.json` (and a PNG where it draws one)
into `benchmarks/results/`, or the folder given with `--output-dir`.
"""
