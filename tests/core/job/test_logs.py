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


def test_get_logger_leaves_the_shared_logger_as_it_is():
    """An adapter, not patched methods: other users of the same logger name are unaffected, and asking
    twice does not wrap twice."""
    from plugboard.core.job.logs import get_logger

    name = "plugboard.tests.shared"
    first, second = get_logger(name), get_logger(name)
    shared = logging.getLogger(name)
    assert first.logger is second.logger is shared
    assert not {"debug", "info", "warning", "error", "exception", "critical"} & set(vars(shared))


def test_records_are_emitted_on_rank_zero_only(monkeypatch, caplog):
    from plugboard.core.job import logs

    logger = logs.get_logger("plugboard.tests.ranks")
    with caplog.at_level(logging.INFO, logger="plugboard.tests.ranks"):
        logger.info("from rank zero")
        monkeypatch.setattr(logs, "global_rank", lambda: 1)
        logger.info("from rank one")
        logger.warning("a warning from rank one")
    assert [record.getMessage() for record in caplog.records] == ["from rank zero"]
    assert caplog.records[0].funcName == "test_records_are_emitted_on_rank_zero_only"  # the caller's line
