"""What the scheduler runs for reflective practice and case clinics: sessions made ahead, lapsed seat offers
passed on, reminders before a session, evaluations after it, and facilitators reminded of cases to decide."""
from __future__ import annotations

from core.scheduler import Sweep

from .clinics import remind_undecided
from .reminders import invite_evaluations, send_reminders
from .services import expire_offers, make_sessions


def _group_sessions(session, app):
    return {"made": make_sessions(session), "offers_lapsed": expire_offers(session),
            "reminded": send_reminders(session, app.config["REMINDER_HOURS"]),
            "evaluations": invite_evaluations(session), "undecided_cases": remind_undecided(session)}


SWEEPS = [Sweep("group-sessions", _group_sessions, "GROUP_SESSIONS_SWEEP_SECONDS")]
