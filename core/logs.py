"""The app's log: one record, one line, whatever the record holds."""
from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class OneLineFormatter(logging.Formatter):
    """Line breaks inside a record (a name typed with a CR or LF in it, a traceback) are written as \\n and \\r, so
    one record is one line: nobody can forge a log entry by typing one, and a log reader never splits a record."""

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\r", "\\r").replace("\n", "\\n")


def configure_logging() -> None:
    """Log to standard error, one line a record, unless something (a test runner) has set logging up already."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(OneLineFormatter(FORMAT))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
