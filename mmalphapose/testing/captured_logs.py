"""Point mmengine's loggers at the stderr that pytest captures now."""
import logging
import sys


def log_to_current_stderr() -> None:
    """Make every mmengine logger's stream handler write to ``sys.stderr``
    as it is now.

    mmengine's loggers keep the stderr of the test that created them; a later
    test that captures stderr (``capsys``) would not see their lines. Call
    this after ``capsys.readouterr()`` and before the code under test.
    """
    from mmengine.logging import MMLogger
    for logger in MMLogger._instance_dict.values():
        for handler in logger.handlers:
            if type(handler) is logging.StreamHandler:
                handler.stream = sys.stderr
