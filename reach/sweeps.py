"""What the scheduler runs for reach: the partnership board report, on the first working day of each month, and
the daily roll-ups of the figures, as each day closes and whenever a change marks a closed day out of date."""
from __future__ import annotations

from core.scheduler import Sweep
from core.timeutil import utcnow

from .board import build_due
from .rollups import roll_up


def _board_report(session, app):
    return build_due(session, utcnow())


def _roll_up(session, app):
    return roll_up(session, utcnow())


SWEEPS = [Sweep("board-report", _board_report, "BOARD_REPORT_SWEEP_SECONDS"),
          Sweep("reach-roll-ups", _roll_up, "ROLL_UP_SWEEP_SECONDS")]
