"""What the scheduler runs for the rota: duty slots made eight weeks ahead, and alerts about gaps in cover."""
from __future__ import annotations

from core.scheduler import Sweep

from .services import materialise
from .swaps import alert_gaps


def _rota(session, app):
    return {"made": materialise(session), "gaps": alert_gaps(session)}


SWEEPS = [Sweep("rota", _rota, "ROTA_SWEEP_SECONDS")]
