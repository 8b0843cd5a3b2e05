"""Lightning's messages reach the job's log handlers once (Hydra's format, the job's log file)."""

from __future__ import annotations

import io
import logging

from plugboard.core.job.logs import LIGHTNING_LOGGERS, route_lightning_logs


def test_lightning_messages_pass_through_the_root_handlers_once():
    import lightning

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        route_lightning_logs()
        assert all(not logging.getLogger(name).handlers for name in LIGHTNING_LOGGERS)
        lightning.seed_everything(5)
    finally:
        root.removeHandler(handler)
    assert stream.getvalue().count("Seed set to 5") == 1
