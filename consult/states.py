"""The consultation state machine: the only place that decides which status may follow which."""
from __future__ import annotations

from core.refusals import Refused

from .models import Status

S = Status
TRANSITIONS: dict[Status, set[Status]] = {
    S.RECEIVED: {S.ALLOCATED},
    # Back to received only when its holder goes on leave or leaves with nobody on duty to take it.
    S.ALLOCATED: {S.RECEIVED, S.AWAITING_INFORMATION, S.ADVICE_GIVEN, S.CLOSED},
    S.AWAITING_INFORMATION: {S.ALLOCATED, S.ADVICE_GIVEN, S.CLOSED},
    S.ADVICE_GIVEN: {S.AWAITING_INFORMATION, S.ALLOCATED, S.CLOSED},
    S.CLOSED: set(),
}

REFUSALS = {
    S.RECEIVED: "Nobody has taken this request yet. Take it first.",
    S.CLOSED: "This request is closed, so it cannot be changed.",
}


class TransitionRefused(Refused):
    """An impossible change of status; the message is shown to the person."""


def check_transition(current: str, new: Status) -> None:
    current_status = Status(current)
    if new not in TRANSITIONS[current_status]:
        raise TransitionRefused(REFUSALS.get(
            current_status, f"A request that is '{current_status.label}' cannot become '{new.label}'."))
