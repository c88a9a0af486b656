"""Case consultation: requests, allocation to the psychologists on duty (asked of the rota), the conversation,
advice and close-out, and the safety net around them."""
from flask import Blueprint

from . import tags
from .models import (
    ACTION_OWNERS,
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

bp = Blueprint("consult", __name__, url_prefix="/consultations")


@bp.context_processor
def _labels():
    return {"risk_labels": RISKS, "urgency_labels": URGENCY, "need_labels": NEEDS, "mode_labels": MODES,
            "consent_labels": CONSENT, "outcome_labels": OUTCOMES, "call_mode_labels": CALL_MODES,
            "kind_labels": {"message": "Message", "information_request": "Request for information",
                            "advice": "Advice", "suggestion": "Suggestion",
                            "clinic": "Case clinic recommendations"},
            "follow_up_labels": FOLLOW_UP_KINDS, "check_back_tried": CHECK_BACK_TRIED,
            "check_back_engaged": CHECK_BACK_ENGAGED, "action_owners": ACTION_OWNERS,
            "status_tag": tags.status_tag, "risk_flags": tags.risk_flags, "due": tags.due,
            "acknowledgement": tags.acknowledgement, "consultation_table": tags.consultation_table}
