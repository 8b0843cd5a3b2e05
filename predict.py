"""Decode raw strings: `python predict.py ckpt_path=<.ckpt> inputs='["12 march 2021", "3/4/99"]'`."""

from plugboard.seq2seq.predict import main

if __name__ == "__main__":
    main()
