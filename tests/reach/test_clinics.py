"""The case clinics' figures against a hand count: sessions held, cases presented, attendees by organisation and
kind of service, and clinic hours in the psychologist hours."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select

from core.accounts.services import create_person
from core.timeutil import LONDON
from reach.figures import Scope, report
from reach.rollups import OutOfDateDay, RolledUpThrough
from supervision.models import Booking, ClinicCase, GroupSeries, GroupSession
from tests.pages import open_page
from tests.reach.test_rollups import _roll_up_all
from tests.support import PASSWORD, person, sign_in

OCTOBER = Scope(datetime(2026, 10, 1, tzinfo=LONDON), datetime(2026, 11, 1, tzinfo=LONDON))
AFTER = datetime(2026, 11, 20, 9, tzinfo=timezone.utc)


def _clinic_in_october(session) -> None:
    """A partnership clinic: 7 October (frontline and other_frontline attend, one case presented, one declined),
    14 October cancelled, 23 September (before: frontline attends), 4 November (outside)."""
    lead = person(session, "psychologist")
    series = GroupSeries(title="Clinic", kind="case_clinic", case_slots=2, facilitator_id=lead.id,
                         created_by_id=lead.id, capacity=12, location="Video", frequency="weekly", weekday=2,
                         start_time="12:30", minutes=60, starts_on=date(2026, 9, 23))
    session.add(series)
    session.flush()
    plan = {(9, 23): ["frontline"], (10, 7): ["frontline", "other_frontline"], (10, 14): ["frontline"],
            (11, 4): ["other_frontline"]}
    for (month, day), attendees in plan.items():
        starts = datetime(2026, month, day, 12, 30, tzinfo=LONDON)
        gs = GroupSession(series_id=series.id, occurrence=starts.date(), starts_at=starts,
                          ends_at=starts + timedelta(minutes=60), status="cancelled" if day == 14 else "scheduled")
        session.add(gs)
        session.flush()
        for key in attendees:
            session.add(Booking(session_id=gs.id, person_id=person(session, key).id, status="booked",
                                attendance="attended"))
        if (month, day) == (10, 7):
            for status, slot in (("recommendations_sent", 1), ("declined", None)):
                session.add(ClinicCase(session_id=gs.id, presenter_id=person(session, "frontline").id, status=status,
                                       slot=slot, client_reference="RDA-9", use_and_mental_health="-",
                                       question_for_group="-"))
    session.commit()


def test_clinic_figures_match_the_hand_count(session):
    _clinic_in_october(session)
    figures = report(session, OCTOBER, OCTOBER.end)
    now, before = figures.current, figures.previous
    assert (now["clinic_sessions"], now["cases_presented"], now["clinic_attendees"], now["clinic_organisations"]) \
        == (1, 1, 2, 2)
    assert (before["clinic_sessions"], before["cases_presented"], before["clinic_attendees"]) == (1, 0, 1)
    assert (now["sessions_held"], now["facilitation_minutes"], now["psychologist_hours"]) == (1, 60, 1.0)
    by_kind = {row["service_type"]: row["clinic_attendees"] for row in figures.joint}
    assert by_kind["drug_and_alcohol"] == 1 and by_kind["housing"] == 1 and by_kind["mental_health"] == 0


def _clinics(figures) -> tuple:
    now = figures.current
    return (now["clinic_sessions"], now["cases_presented"], now["clinic_attendees"], now["clinic_organisations"],
            {row["service_type"]: row["clinic_attendees"] for row in figures.joint if row["clinic_attendees"]})


def test_from_the_roll_ups_a_case_presented_or_an_attendee_moved_afterwards_shows_at_once(session):
    """Read from the roll-ups once October has closed, the hand count holds; a case marked presented later, and an
    attendee who moves to another kind of service, show at once and are rolled up again."""
    _clinic_in_october(session)
    afresh = asdict(report(session, OCTOBER, OCTOBER.end))
    _roll_up_all(session, AFTER)
    assert session.get(RolledUpThrough, "clinic_attendees").through == AFTER.date()
    assert asdict(report(session, OCTOBER, OCTOBER.end)) == afresh
    declined = session.scalar(select(ClinicCase).where(ClinicCase.status == "declined"))
    declined.status = "presented"
    mover, stayer = person(session, "other_frontline"), person(session, "frontline")
    mover.organisation_id = stayer.organisation_id
    session.commit()
    assert _clinics(report(session, OCTOBER, OCTOBER.end)) == (1, 2, 2, 1, {"drug_and_alcohol": 2})
    _roll_up_all(session, AFTER)
    assert session.scalar(select(func.count()).select_from(OutOfDateDay)) == 0
    assert _clinics(report(session, OCTOBER, OCTOBER.end)) == (1, 2, 2, 1, {"drug_and_alcohol": 2})


def test_a_commissioner_sees_small_clinic_counts_suppressed(app, session):
    _clinic_in_october(session)
    create_person(session, email="commissioner@example.org", name="Commissioner", password=PASSWORD,
                  organisation_id=person(session, "frontline").organisation_id, roles=["commissioner"])
    session.commit()
    client = app.test_client()
    sign_in(client, "commissioner@example.org")
    page = open_page(client, "reach.dashboard", period="2026-10")
    row = page.split("Distinct case clinic attendees", 1)[1].split("</tr>", 1)[0]
    assert "fewer than 5" in row and ">2<" not in row


def test_clinic_figures_match_the_hand_count_on_postgresql(pg_app):
    from sqlalchemy.orm import Session
    with Session(bind=pg_app.extensions["database"]["engine"], expire_on_commit=False) as session:
        _clinic_in_october(session)
        afresh = asdict(report(session, OCTOBER, OCTOBER.end))
        _roll_up_all(session, AFTER)
        now = report(session, OCTOBER, OCTOBER.end)
        assert asdict(now) == afresh
        assert _clinics(now)[:4] == (1, 1, 2, 2)
