"""Case consultation: requests, the conversation, advice and close-out (issue 3); the duty rota (issue 4)."""
from flask import Blueprint

bp = Blueprint("consult", __name__, url_prefix="/consultations")

from . import tags  # noqa: E402
from .models import CALL_MODES, CONSENT, MODES, NEEDS, OUTCOMES, RISKS, URGENCY  # noqa: E402


@bp.context_processor
def _labels():
    return {"risk_labels": RISKS, "urgency_labels": URGENCY, "need_labels": NEEDS, "mode_labels": MODES,
            "consent_labels": CONSENT, "outcome_labels": OUTCOMES, "call_mode_labels": CALL_MODES,
            "kind_labels": {"message": "Message", "information_request": "Request for information",
                            "advice": "Advice", "suggestion": "Suggestion"},
            "status_tag": tags.status_tag, "risk_flags": tags.risk_flags, "due": tags.due,
            "consultation_table": tags.consultation_table}


from . import rota_models  # noqa: E402,F401
from . import rota_views, views  # noqa: E402,F401  (routes register on the blueprint)
from .services import escalate_breaches  # noqa: E402
from core.scheduler import register_sweep  # noqa: E402

register_sweep("escalate-breaches", lambda session, app: escalate_breaches(session), "BREACH_SWEEP_SECONDS")


def _rota_sweep(session, app):
    """Keep duty slots made eight weeks ahead, place requests waiting for someone on duty, flag gaps."""
    from .rota import materialise
    from .rota_services import alert_gaps
    from .services import allocate_waiting
    materialise(session)
    session.commit()
    placed = allocate_waiting(session)
    alert_gaps(session)
    return placed


register_sweep("rota", _rota_sweep, "ROTA_SWEEP_SECONDS")
