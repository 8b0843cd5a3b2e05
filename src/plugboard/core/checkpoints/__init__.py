"""Checkpoints: read as data, trusted by what they may build, rebuilt into model and data, resumed.

load.py     load_checkpoint: weights_only=True, and what an unreadable file is, in words
trust.py    check_saved_config: what a saved config may build, before anything is imported
rebuild.py  rebuild: a checkpoint's model and DataModule (eval, predict, serve, export)
resume.py   checkpoint_to_resume, check_resumable: which checkpoint a run continues, and
            whether it fits the model built
"""
