"""The demo partnership `make run` opens onto: lived in whatever the day and hour, the same every time for the
same moment, and never made in production."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

import demo
from consult.models import Consultation, FollowUp, Status
from core.accounts.models import Team
from core.cli import upgrade_database
from core.notifications import OutboxMessage
from core.timeutil import LONDON, as_utc
from factory import create_app
from formulations.models import Formulation
from rota import services as rota
from rota.models import DutySlot
from supervision.models import Booking, GroupSeries, GroupSession
from supervision.one_to_one.models import SessionRecord, SupervisionSession
from tests.conftest import TEST_CONFIG

# A working morning; a Saturday night; the Sunday the clocks go back; the Monday after they go forward; a
# Wednesday lunchtime, when a group session on the history's first day was once within its booking cut-off.
MOMENTS = [datetime(2026, 11, 23, 10, 0, tzinfo=LONDON), datetime(2026, 11, 28, 2, 0, tzinfo=LONDON),
           datetime(2026, 10, 25, 12, 0, tzinfo=LONDON), datetime(2026, 3, 30, 9, 30, tzinfo=LONDON),
           datetime(2026, 12, 2, 13, 5, tzinfo=LONDON)]


def _seeded(tmp_path, name: str, now: datetime):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / name}"})
    upgrade_database(app)
    with time_machine.travel(now, tick=False), app.app_context():
        session = app.extensions["database"]["session_factory"]()
        demo.seed(session, as_utc(now))
        session.commit()
    return app, session


@pytest.mark.parametrize("now", MOMENTS, ids=["weekday", "saturday-night", "clocks-back", "clocks-forward",
                                         "wednesday-lunchtime"])
def test_the_demo_is_lived_in_whenever_it_is_made(tmp_path, now):
    app, session = _seeded(tmp_path, "demo.db", now)
    statuses = set(session.scalars(select(Consultation.status)))
    assert statuses == {s.value for s in Status}
    assert rota.on_duty(session, as_utc(now)), "someone is on duty the moment the demo opens"
    next_week = as_utc(now) + timedelta(days=7)
    assert session.scalar(select(func.count()).select_from(DutySlot).where(
        DutySlot.status == "active", DutySlot.starts_at >= next_week,
        DutySlot.starts_at < next_week + timedelta(days=7))) >= 5
    for series in session.scalars(select(GroupSeries)):
        past = select(func.count()).select_from(Booking).join(GroupSession).where(
            GroupSession.series_id == series.id, GroupSession.ends_at < as_utc(now), Booking.attendance == "attended")
        to_come = select(func.count()).select_from(Booking).join(GroupSession).where(
            GroupSession.series_id == series.id, GroupSession.starts_at > as_utc(now), Booking.status == "booked")
        assert session.scalar(past) > 0 and session.scalar(to_come) > 0, series.title
    assert {s.team_id is None for s in session.scalars(select(GroupSeries))} == {True, False}
    assert session.scalar(select(func.count()).select_from(Formulation).where(Formulation.consultation_id.is_not(None)))
    # A follow-up waits for the needle and syringe programme, a team with no lead: its worker can close it.
    needle = session.scalar(select(Team.id).where(Team.name == "Needle and Syringe Programme"))
    assert session.scalar(select(func.count()).select_from(FollowUp).where(FollowUp.team_id == needle,
                                                                          FollowUp.done_at.is_(None))) == 1
    assert session.scalar(select(func.count()).select_from(Consultation).where(Consultation.closed_at.is_not(None))) >= 4
    # One-to-one supervision with sessions recorded and confirmed, and one still to come.
    held = session.scalars(select(SupervisionSession).where(SupervisionSession.recorded_at.is_not(None))).all()
    assert len(held) == 2 and session.scalar(select(func.count()).select_from(SessionRecord).where(
        SessionRecord.confirmed_at.is_not(None))) == 2
    assert session.scalar(select(func.count()).select_from(SupervisionSession).where(
        SupervisionSession.starts_at > as_utc(now))) > 0
    # The emails of the demo's past are not all sent the moment the app first starts.
    assert session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != "sent")) == 0
    session.close()


def _fingerprint(session) -> list:
    return [session.execute(select(Consultation.client_reference, Consultation.status, Consultation.created_at,
                                   Consultation.psychologist_id, Consultation.outcome).order_by(Consultation.id)).all(),
            session.execute(select(GroupSession.starts_at, GroupSession.status).order_by(GroupSession.id)).all(),
            session.execute(select(Booking.person_id, Booking.status, Booking.attendance).order_by(Booking.id)).all(),
            session.execute(select(DutySlot.psychologist_id, DutySlot.starts_at).order_by(DutySlot.id)).all()]


def test_the_demo_is_the_same_every_time_for_the_same_moment(tmp_path):
    _, first = _seeded(tmp_path, "first.db", MOMENTS[0])
    _, second = _seeded(tmp_path, "second.db", MOMENTS[0])
    assert _fingerprint(first) == _fingerprint(second)
    first.close()
    second.close()


def test_the_demo_is_never_made_in_production(tmp_path):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.db'}"})
    upgrade_database(app)
    with app.app_context(), app.extensions["database"]["session_factory"]() as session:
        with pytest.raises(demo.NotInProduction):
            demo.seed(session, as_utc(MOMENTS[0]), production=True)
        assert not session.new
