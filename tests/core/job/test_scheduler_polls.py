"""submitit's sacct warning, repeated at every poll on a cluster without accounting, is said once."""

from __future__ import annotations

import logging

from plugboard.core.job.scheduler_polls import QuietSchedulerPolls


def test_the_sacct_warning_is_said_once_with_what_it_means_and_other_warnings_pass(caplog):
    logger = logging.getLogger("submitit")
    QuietSchedulerPolls().on_multirun_start()
    QuietSchedulerPolls().on_multirun_start()  # a second sweep in the process adds no second filter
    try:
        with caplog.at_level(logging.WARNING, logger="submitit"):
            for call in range(1, 4):
                logger.warning("Call #%d - Bypassing sacct error Command 'sacct' returned 1.", call)
            logger.warning("Job 7 failed")
        messages = [record.getMessage() for record in caplog.records]
        assert len(messages) == 2, messages
        assert messages[0].startswith("Call #1 - Bypassing sacct error") and "shown once" in messages[0]
        assert messages[1] == "Job 7 failed"
    finally:
        logger.filters.clear()
