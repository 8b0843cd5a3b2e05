"""Evaluate a checkpoint: `python eval.py ckpt_path=logs/train/runs/<run>/checkpoints/last.ckpt`."""

from plugboard.core.eval import main

if __name__ == "__main__":
    main()
