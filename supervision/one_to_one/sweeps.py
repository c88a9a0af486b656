"""What the scheduler runs for one-to-one supervision: sessions kept twelve weeks ahead, each invitation sent
four weeks before, reminders, overdue supervision and review dates told once."""
from __future__ import annotations

from core.scheduler import Sweep

from .overdue import tell_overdue, tell_review_due
from .sessions import invite_due, make_sessions, send_reminders


def _supervision(session, app):
    return {"made": make_sessions(session), "invited": invite_due(session),
            "reminded": send_reminders(session, app.config["REMINDER_HOURS"]), "overdue": tell_overdue(session), "reviews": tell_review_due(session)}


SWEEPS = [Sweep("supervision", _supervision, "GROUP_SESSIONS_SWEEP_SECONDS")]
