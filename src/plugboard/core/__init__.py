"""The core: entry points, the job record, run dirs and resume, safety callbacks, config
validation, sweeps and their comparison. It knows no model family: it reaches one only
through `_target_`s, Lightning's interfaces and the data-to-model hand-off (`handoff.py`).
"""
