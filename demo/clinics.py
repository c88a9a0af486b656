"""A weekly case clinic open to the whole partnership: the last two sessions each heard a pharmacy or outreach
worker's case and sent the group's recommendations; the next one has a case accepted and one waiting for the
psychologist's decision."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.timeutil import LONDON
from supervision import clinics, register, services
from supervision.groups import schedule
from supervision.models import GroupSession

CLINIC = {"title": "Partnership case clinic", "description": "Bring a case you are stuck with. A psychologist and "
          "workers from drug and alcohol services, pharmacies, hostels and outreach think about it with you, and "
          "you leave with written recommendations.", "open_round": True, "capacity": 12,
          "location": "Video call: https://meet.example.org/case-clinic", "time_zone": "Europe/London",
          "frequency": "weekly", "every_weeks": 1, "weekday": 3, "nth": None, "start_time": "12:30", "minutes": 60,
          "ends_on": None, "session_count": None, "booking_cutoff_hours": 2, "cancellation_cutoff_hours": 24,
          "kind": "case_clinic", "case_slots": 2}
CASES = [  # presenter, reference, the key question, the question for the group, recommendations
    ("pharmacist@example.org", "PH-0107", "He says methadone keeps him steady but his mood drops every evening.",
     "How do I talk with him about his low mood at the counter?",
     "Ask one open question each morning about how the evening went, and offer the duty psychologist."),
    ("outreach@example.org", "SO-0342", "She drinks to sleep outside; she says the voices are quieter.",
     "How can we keep her engaged when she refuses hostel places?",
     "Keep the same worker where you can, and agree one small goal with her each week."),
]


def seed(session: Session, people: dict, now: datetime) -> None:
    facilitator = people["psychologist@example.org"]
    starts_on = (now - timedelta(days=21)).astimezone(LONDON).date()
    series, _ = schedule(session, facilitator, {**CLINIC, "facilitator_id": facilitator.id, "starts_on": starts_on},
                         [], None, None)
    services.make_sessions(session, now - timedelta(days=21), days=35)
    sessions = session.scalars(select(GroupSession).where(GroupSession.series_id == series.id)
                               .order_by(GroupSession.starts_at)).all()
    past = [gs for gs in sessions if gs.ends_at < now][-2:]
    for gs, (presenter, reference, key, question, recommended) in zip(past, CASES, strict=False):
        offered = gs.starts_at - timedelta(days=6)
        case = clinics.offer_case(session, people[presenter], gs, series, {
            "client_reference": reference, "use_and_mental_health": key, "question_for_group": question},
            now=offered)
        clinics.accept_case(session, facilitator, case, series, 1, question, now=offered + timedelta(days=1))
        bookings = [services.book(session, gs.id, people[email], offered)
                    for email in (presenter, "needle.exchange@example.org", "keyworker@example.org")]
        register.mark_attendance(session, gs, {b.id: "attended" for b in bookings}, gs.ends_at)
        clinics.send_recommendations(session, facilitator, case, series, gs, recommended, gs.ends_at + timedelta(hours=2))
    coming = next((gs for gs in sessions if gs.starts_at > now + timedelta(hours=3)), None)
    if coming is None:
        return
    accepted = clinics.offer_case(session, people["needle.exchange@example.org"], coming, series, {
        "client_reference": "NX-0058", "use_and_mental_health": "He injects more when he feels paranoid.",
        "question_for_group": "What can I say when he turns up frightened?"}, now=now - timedelta(hours=2))
    clinics.accept_case(session, facilitator, accepted, series, 1, "Talking with someone who arrives frightened.",
                        now=now - timedelta(hours=1))
    for email in ("needle.exchange@example.org", "pharmacist@example.org"):
        services.book(session, coming.id, people[email], now - timedelta(hours=1))
    clinics.offer_case(session, people["keyworker@example.org"], coming, series, {
        "client_reference": "RK-0219", "use_and_mental_health": "She stops her antidepressants when she drinks.",
        "question_for_group": "How do I raise her medication without lecturing?"}, now=now - timedelta(minutes=30))
