"""Leaderboard of a sweep: `python compare.py logs/train/multiruns/<sweep> [more sweeps]`."""

from plugboard.core.compare import main

if __name__ == "__main__":
    main()
