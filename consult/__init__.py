"""Case consultation: requests, allocation to the psychologists on duty (asked of the rota), the conversation,
advice and close-out, and the safety net around them."""
from flask import Blueprint

bp = Blueprint("consult", __name__, url_prefix="/consultations")

from . import tags  # noqa: E402
from .models import (  # noqa: E402
    CALL_MODES,
    CHECK_BACK_ENGAGED,
    CHECK_BACK_TRIED,
    CONSENT,
    FOLLOW_UP_KINDS,
    MODES,
    NEEDS,
    OUTCOMES,
    RISKS,
    URGENCY,
)


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


from core.accounts.services import on_deactivation  # noqa: E402
from rota.services import cancel_remaining_duties, when_away  # noqa: E402

from . import call_views, handover, list_views, views  # noqa: E402,F401  (routes register on the blueprint)


def _someone_left(session, person, now):
    """Deactivated: off the rota (so the gap shows), and every open request they held passed on."""
    duties = cancel_remaining_duties(session, person.id, "deactivated", now)
    requests = handover.hand_over_from(session, person, f"{person.name} is no longer available.", now)
    done = [f"{n} {noun if n == 1 else plural} {verb}" for n, noun, plural, verb in (
        (duties, "duty", "duties", "cancelled"), (requests, "open request", "open requests", "passed on")) if n]
    return f"{' and '.join(done).capitalize()}." if done else None


on_deactivation(_someone_left)


when_away(handover.hand_over_from)  # leave that has begun passes on what they hold
