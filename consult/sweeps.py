"""What the scheduler runs for consultations: escalating breached response targets, the safety net, and placing
requests that wait for someone on duty."""
from __future__ import annotations

from core.scheduler import Sweep

from .actions import remind_overdue
from .handover import hand_over_orphaned
from .reminders import send_due
from .services import allocate_waiting, escalate_breaches
from .urgent import escalate_unacknowledged


def _breaches(session, app):
    return escalate_breaches(session)


def _safety_net(session, app):
    """Hand over requests whose holder is away, escalate unacknowledged urgent requests, send due reminders and
    tell workers of agreed actions gone overdue."""
    return {"handed_over": hand_over_orphaned(session), "escalated": escalate_unacknowledged(session),
            "reminded": send_due(session), "actions_overdue": remind_overdue(session)}


def _place_waiting(session, app):
    """Place requests waiting in the pool now that someone is on duty."""
    return allocate_waiting(session)


SWEEPS = [
    Sweep("escalate-breaches", _breaches, "BREACH_SWEEP_SECONDS"),
    Sweep("safety-net", _safety_net, "SAFETY_SWEEP_SECONDS"),
    Sweep("allocate-waiting", _place_waiting, "ALLOCATION_SWEEP_SECONDS"),
]
