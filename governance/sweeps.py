"""What the scheduler runs for information governance: removing what is past its retention period."""
from __future__ import annotations

from core.scheduler import Sweep

from .retention import apply_retention


def _retention(session, app):
    return apply_retention(session, app.config["SECRET_KEY"])


SWEEPS = [Sweep("retention", _retention, "RETENTION_SWEEP_SECONDS")]
