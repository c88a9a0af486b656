"""Case consultation: requests, the conversation, advice and close-out, the safety net around them; the duty
rota and allocation."""
from flask import Blueprint

bp = Blueprint("consult", __name__, url_prefix="/consultations")

from . import tags  # noqa: E402
from .models import (CALL_MODES, CHECK_BACK_ENGAGED, CHECK_BACK_TRIED, CONSENT, FOLLOW_UP_KINDS, MODES,  # noqa: E402
                     NEEDS, OUTCOMES, RISKS, URGENCY)


@bp.context_processor
def _labels():
    return {"risk_labels": RISKS, "urgency_labels": URGENCY, "need_labels": NEEDS, "mode_labels": MODES,
            "consent_labels": CONSENT, "outcome_labels": OUTCOMES, "call_mode_labels": CALL_MODES,
            "kind_labels": {"message": "Message", "information_request": "Request for information",
                            "advice": "Advice", "suggestion": "Suggestion"},
            "follow_up_labels": FOLLOW_UP_KINDS, "check_back_tried": CHECK_BACK_TRIED,
            "check_back_engaged": CHECK_BACK_ENGAGED,
            "status_tag": tags.status_tag, "risk_flags": tags.risk_flags, "due": tags.due,
            "acknowledgement": tags.acknowledgement, "consultation_table": tags.consultation_table}


from . import rota_models  # noqa: E402,F401
from . import call_views, rota_views, views  # noqa: E402,F401  (routes register on the blueprint)
from .services import escalate_breaches  # noqa: E402
from core.accounts.services import on_deactivation  # noqa: E402
from core.scheduler import register_sweep  # noqa: E402

register_sweep("escalate-breaches", lambda session, app: escalate_breaches(session), "BREACH_SWEEP_SECONDS")


def _safety_sweep(session, app):
    """Hand over requests whose holder is away, escalate unacknowledged urgent requests, send due reminders."""
    from .handover import hand_over_orphaned
    from .reminders import send_due
    from .urgent import escalate_unacknowledged
    return {"handed_over": hand_over_orphaned(session), "escalated": escalate_unacknowledged(session),
            "reminded": send_due(session)}


register_sweep("safety-net", _safety_sweep, "SAFETY_SWEEP_SECONDS")


def _someone_left(session, person, now):
    """Deactivated: off the rota (so the gap shows), and every open request they held passed on."""
    from .handover import hand_over_from
    from .rota import cancel_remaining_duties
    duties = cancel_remaining_duties(session, person.id, "deactivated", now)
    requests = hand_over_from(session, person, f"{person.name} is no longer available.", now)
    done = [f"{n} {noun if n == 1 else plural} {verb}" for n, noun, plural, verb in (
        (duties, "duty", "duties", "cancelled"), (requests, "open request", "open requests", "passed on")) if n]
    return f"{' and '.join(done).capitalize()}." if done else None


on_deactivation(_someone_left)


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
