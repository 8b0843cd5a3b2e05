"""Export a checkpoint for deployment: `python export.py ckpt_path=<path to .ckpt> format=onnx`."""

from plugboard.seq2seq.export.run import main

if __name__ == "__main__":
    main()
