"""Predict with a checkpoint: `python predict.py ckpt_path=<.ckpt> [inputs='["12 march 2021"]']`."""

from plugboard.core.predict import main

if __name__ == "__main__":
    main()
