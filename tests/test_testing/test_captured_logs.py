"""log_to_current_stderr: mmengine's loggers write to the stderr captured now."""
import io
import logging
import sys

from mmengine.logging import MMLogger

from mmalphapose.testing import log_to_current_stderr


def test_stream_handlers_follow_the_current_stderr(monkeypatch):
    logger = MMLogger.get_instance('mmalphapose_test_captured_logs')
    handler = logging.StreamHandler(io.StringIO())
    logger.addHandler(handler)
    try:
        now = io.StringIO()
        monkeypatch.setattr(sys, 'stderr', now)
        log_to_current_stderr()
        assert handler.stream is now
        logger.warning('seen')
        assert 'seen' in now.getvalue()
    finally:
        logger.removeHandler(handler)
