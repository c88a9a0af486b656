"""A hand-counted partnership month (October 2026, across the clock change) for the reach figures and
retention tests: every record's comment says where it lands."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from consult.models import CloseOutSurvey, Consultation, FollowUp
from core.identifiers import client_key
from core.timeutil import LONDON
from formulations.models import TemplateVersion
from formulations.services import start_formulation
from formulations.starter import seed_starter_library
from reach.figures import Scope
from supervision.models import Booking, GroupSeries, GroupSession
from tests.support import person


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


OCTOBER = Scope(start=datetime(2026, 10, 1, tzinfo=LONDON), end=datetime(2026, 11, 1, tzinfo=LONDON))
NOW = utc(2026, 11, 23, 12)


def consultation(session, key, reference, created, urgency="routine", **values):
    who = person(session, key)
    c = Consultation(requester_id=who.id, organisation_id=who.organisation_id, team_id=who.teams[0].id,
                     client_reference=reference, client_key=client_key("k", who.organisation_id, reference),
                     consent_basis="consented", use_and_mental_health="-", urgency=urgency,
                     preferred_mode="written", question="?",
                     target_seconds={"urgent": 14400, "soon": 57600, "routine": 144000}[urgency],
                     created_at=created, updated_at=created, **{"presenting_needs": "alcohol", **values})
    session.add(c)
    session.flush()
    return c


@pytest.fixture
def october(app, session):
    add_october(app, session)


def add_october(app, session):
    """Hand-counted: see each line's comment for where it lands."""
    # 00:30 on 1 October in London (BST) is still 30 September in UTC: in the period.
    c1 = consultation(session, "frontline", "RDA-001", utc(2026, 9, 30, 23, 30), first_response_at=utc(2026, 10, 1, 1, 30),
                       advice_given_at=utc(2026, 10, 2), closed_at=utc(2026, 10, 5), outcome="joint_working",
                       minutes_spent=30, used_seconds=3600, status="closed")
    consultation(session, "frontline", "RDA-001", utc(2026, 10, 10, 9), "urgent", first_response_at=utc(2026, 10, 10, 10),
                  advice_given_at=utc(2026, 10, 11), closed_at=utc(2026, 10, 12), outcome="advice_only", minutes_spent=20,
                  used_seconds=20000, status="closed", ack_started_at=utc(2026, 10, 10, 9),
                  acknowledged_at=utc(2026, 10, 10, 9, 12))  # answered late; acknowledged in 12 minutes
    consultation(session, "other_frontline", "HH-7", utc(2026, 10, 20, 9), "soon", due_at=utc(2026, 10, 22, 9),
                  status="allocated")  # never answered, overdue
    # 23:30 on 30 September in London: the previous period; closed in October.
    c4 = consultation(session, "team_lead", "RDA-002", utc(2026, 9, 30, 22, 30), closed_at=utc(2026, 10, 2),
                       outcome="referral_avoided", minutes_spent=10, status="closed", first_response_at=utc(2026, 10, 1, 9),
                       advice_given_at=utc(2026, 10, 1, 9))
    # 23:30 on 31 October, after the clocks went back: still October. Waiting on the requester, so not yet due.
    consultation(session, "frontline", "RDA-003", utc(2026, 10, 31, 23, 30), status="awaiting_information")
    consultation(session, "frontline", "RDA-004", utc(2026, 11, 1, 0, 30))  # November: outside
    session.add_all([CloseOutSurvey(consultation_id=c1.id, useful="yes", more_confident="yes"),
                     CloseOutSurvey(consultation_id=c4.id, useful="partly", more_confident="no")])
    # Follow-ups: one to re-engage a client in October counts; a missed call, and November's, do not.
    session.add_all([FollowUp(consultation_id=c1.id, kind="re_engage", reason="-", created_at=utc(2026, 10, 20)),
                     FollowUp(consultation_id=c1.id, kind="missed_call", reason="-", created_at=utc(2026, 10, 21)),
                     FollowUp(consultation_id=c4.id, kind="re_engage", reason="-", created_at=utc(2026, 11, 2))])

    lead = person(session, "team_lead")
    series = GroupSeries(title="Round", facilitator_id=person(session, "psychologist").id, created_by_id=lead.id,
                         organisation_id=lead.organisation_id, team_id=lead.teams[0].id, capacity=8, location="Room",
                         frequency="weekly", weekday=2, start_time="13:30", minutes=90, starts_on=date(2026, 10, 14))
    session.add(series)
    session.flush()
    marks = {14: {"frontline": "attended", "team_lead": "attended", "admin": "absent"},
             21: {"frontline": "attended"}, 28: {"frontline": "attended"}, 4: {"frontline": "attended"}}
    for day, people in marks.items():
        month = 11 if day == 4 else 10
        starts = datetime(2026, month, day, 13, 30, tzinfo=LONDON)
        gs = GroupSession(series_id=series.id, occurrence=starts.date(), starts_at=starts,
                          ends_at=starts + timedelta(minutes=90), status="cancelled" if day == 28 else "scheduled")
        session.add(gs)
        session.flush()
        for key, mark in people.items():
            session.add(Booking(session_id=gs.id, person_id=person(session, key).id, status="booked", attendance=mark))

    with app.app_context():
        seed_starter_library(session, person(session, "psychologist"))
        version = session.scalars(select(TemplateVersion).order_by(TemplateVersion.id)).first()
        start_formulation(session, person(session, "frontline"), version, None, now=utc(2026, 10, 15, 10))
        start_formulation(session, person(session, "frontline"), version, None, now=utc(2026, 9, 15, 10))
    session.commit()
