"""One-to-one supervision: Dr Morgan Hale has supervised Jo Evans (street outreach) fortnightly for five weeks,
two sessions recorded and confirmed, the latest waiting for its record, and a reflective account begun; Dr Aisha
Rahman has offered Kim Taylor (hostel support) an agreement that waits for her to accept it."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.timeutil import LONDON
from supervision.one_to_one import agreements, records, revalidation
from supervision.one_to_one.forms import CONFIDENTIALITY, COVERS
from supervision.one_to_one.models import SupervisionSession

RECORDS = [
    ({"caseload": "Sixteen people; two sleeping out after the night shelter closed.",
      "wellbeing": "Feeling the weight of a death on the caseload last month.", "learning": "Trauma-informed outreach."},
     "SO-0342", "She drinks to sleep outside and refuses hostel places; keep the same worker and one small goal.",
     "I notice I take refusals personally; I will bring them here sooner."),
    ({"caseload": "Steadier; one new person with benzodiazepine use.", "wellbeing": "Better after leave.",
      "learning": "Booked onto the motivational interviewing course."}, "SO-0417",
     "Benzodiazepines and low mood: ask about both together, and offer the duty psychologist.", ""),
]


def _terms(now: datetime, weeks_back: int) -> dict:
    first = (now - timedelta(weeks=weeks_back)).astimezone(LONDON).date()
    return {"every_weeks": 2, "minutes": 60, "start_time": "15:00", "mode": "video",
            "location": "https://meet.example.org/supervision", "covers": COVERS, "confidentiality": CONFIDENTIALITY,
            "starts_on": first, "review_on": first + timedelta(weeks=26)}


def seed(session: Session, people: dict, now: datetime) -> None:
    supervisor, supervisee = people["psychologist@example.org"], people["outreach@example.org"]
    then = now - timedelta(weeks=6)
    agreement = agreements.offer(session, supervisor, supervisee, _terms(now, 5), then)
    agreements.accept(session, agreement, 1, supervisee, then)
    past = session.scalars(select(SupervisionSession).where(
        SupervisionSession.agreement_id == agreement.id, SupervisionSession.ends_at < now)
        .order_by(SupervisionSession.starts_at)).all()
    for held, (themes, reference, discussion, reflection) in zip(past, RECORDS):
        written = held.ends_at + timedelta(hours=2)
        records.write(session, held, supervisor, themes, [records.CaseDiscussed(reference, None, discussion)],
                      [records.ActionAgreed("Bring the next refusal to supervision", supervisee.id,
                                            (written + timedelta(days=14)).date())], now=written)
        records.confirm(session, held, supervisee, 1, reflection, written + timedelta(days=1))
    if past:
        revalidation.start(session, supervisee, revalidation.activity(session, supervisee, "supervision",
                                                                      past[0].id), "nmc", now)
    agreements.offer(session, people["psychologist2@example.org"], people["hostel.lead@example.org"],
                     _terms(now, -1), now - timedelta(days=2))
