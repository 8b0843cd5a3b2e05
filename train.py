"""Train a model: `python train.py [group=option ...] [key=value ...]` (see configs/train.yaml)."""

from plugboard.core.train import main

if __name__ == "__main__":
    main()
