"""What the scheduler runs for reach: the partnership board report, on the first working day of each month."""
from __future__ import annotations

from core.scheduler import Sweep
from core.timeutil import utcnow

from .board import build_due


def _board_report(session, app):
    return build_due(session, utcnow())


SWEEPS = [Sweep("board-report", _board_report, "BOARD_REPORT_SWEEP_SECONDS")]
