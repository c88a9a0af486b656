"""Calendar invitations (.ics) for consultation calls."""
from __future__ import annotations

from datetime import timedelta

from core.ics import Invitation, invitation_ics

from .models import CALL_MODES, CallSlot, Consultation


def call_invitation(c: Consultation, call: CallSlot, base_url: str, domain: str) -> bytes:
    """REQUEST while the call is on, CANCEL once it is cancelled. No client details beyond the reference."""
    return invitation_ics(Invitation(
        "Consultation calls", f"consultation-call-{call.id}@{domain}", call.starts_at,
        call.starts_at + timedelta(minutes=call.minutes), call.sequence,
        f"Consultation call {c.reference} ({CALL_MODES[call.mode].lower()})",
        f"Consultation {c.reference}: {base_url}/consultations/{c.id}", call.status == "cancelled"))
