"""Checkpoints: read as data, trusted by what they may build, rebuilt into model and data, resumed.

load.py          load_checkpoint, read_checkpoint: weights_only=True, bounded, and what an unreadable
                 file is, in words (checked from its first bytes before anything is printed)
bounds.py        check_bounds: nodes (shared references by identity), depth and string length of
                 everything loaded, in one pass that cannot blow up
trust.py         check_saved_config: what a saved config may build, judged by position and type
saved_values.py  values a saved config may hold (no interpolation, bounded sizes), and the refusal
positions.py     where this project's config files put each target (the composed config path)
local_values.py  folders and addresses a saved config may not choose: this project's values instead
rebuild.py       rebuild: a checkpoint's model and DataModule (eval, predict, serve, export)
resume.py        checkpoint_to_resume, check_resumable: which checkpoint a run continues, and
                 whether it fits the model built
warm_start.py    init_from: a new run starting from a checkpoint's weights (a part, frozen, extended)
save.py          RunDirCheckpointIO: every checkpoint train.py writes is plain data, written link-safe
"""
