"""The core's own sweeps: the scheduler's heartbeat, password reset emails and the outbox."""
from __future__ import annotations

from .scheduler import Sweep, beat, deliver_outbox, send_password_resets

SWEEPS = [
    Sweep("heartbeat", beat, "SCHEDULER_HEARTBEAT_SECONDS"),
    Sweep("password-resets", send_password_resets, "OUTBOX_SWEEP_SECONDS"),
    Sweep("deliver-outbox", deliver_outbox, "OUTBOX_SWEEP_SECONDS"),
]
