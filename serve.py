"""Serve a checkpoint over HTTP: `python serve.py ckpt_path=<.ckpt> host=127.0.0.1 port=8000`."""

from plugboard.seq2seq.serve import main

if __name__ == "__main__":
    main()
