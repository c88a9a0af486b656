"""Duty hours per psychologist, a month at a time, against a hand count; the month's edges in London time across
the clock change; the lead psychologist's page alone."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import delete

from core.accounts.models import Person, PersonRole, Role
from core.timeutil import LONDON
from reach.duty import duty_hours
from rota.models import DutySlot
from supervision.models import Booking, GroupSeries, GroupSession
from supervision.one_to_one.models import SupervisionAgreement, SupervisionSession
from tests.factories import make_lead_psychologist
from tests.pages import open_page
from tests.partnership_october import consultation
from tests.support import person, signed_in


def _at(month, day, hour, minute=0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LONDON)


def _october(session) -> None:
    """The psychologist: duties of 3 hours on 1 October (BST), 4 hours from 31 October 22:00 (GMT, so 1 November
    in UTC... still October in London), 2 hours on 1 November (outside), and a cancelled duty; two requests
    allocated in October (one closed in October with 40 minutes) and one in September closed in October with 25; a
    90-minute group that went ahead with one attended and one with nobody; one hour of supervision recorded."""
    p = person(session, "psychologist")
    for starts, hours, status in ((_at(10, 1, 9), 3, "active"), (_at(10, 31, 22), 4, "active"),
                                  (_at(11, 1, 9), 2, "active"), (_at(10, 8, 9), 8, "cancelled")):
        session.add(DutySlot(psychologist_id=p.id, kind="pattern", starts_at=starts,
                             ends_at=starts + timedelta(hours=hours), capacity=3, status=status))
    consultation(session, "frontline", "DH-1", _at(10, 2, 9), psychologist_id=p.id, allocated_at=_at(10, 2, 10),
                 closed_at=_at(10, 9, 10), status="closed", minutes_spent=40)
    consultation(session, "frontline", "DH-2", _at(10, 20, 9), psychologist_id=p.id, allocated_at=_at(10, 20, 10))
    consultation(session, "frontline", "DH-3", _at(9, 28, 9), psychologist_id=p.id, allocated_at=_at(9, 28, 10),
                 closed_at=_at(10, 1, 10), status="closed", minutes_spent=25)
    series = GroupSeries(title="Group", facilitator_id=p.id, created_by_id=p.id, capacity=8, location="Room",
                         frequency="weekly", weekday=1, start_time="13:30", minutes=90, starts_on=date(2026, 10, 6))
    session.add(series)
    session.flush()
    for day, attended in ((6, True), (13, False)):
        gs = GroupSession(series_id=series.id, occurrence=date(2026, 10, day), starts_at=_at(10, day, 13, 30),
                          ends_at=_at(10, day, 15))
        session.add(gs)
        session.flush()
        session.add(Booking(session_id=gs.id, person_id=person(session, "frontline").id, status="booked",
                            attendance="attended" if attended else "absent"))
    agreement = SupervisionAgreement(supervisor_id=p.id, supervisee_id=person(session, "frontline").id,
                                     status="active", version=1)
    session.add(agreement)
    session.flush()
    session.add(SupervisionSession(agreement_id=agreement.id, version=1, occurrence=date(2026, 10, 19),
                                   starts_at=_at(10, 19, 14), ends_at=_at(10, 19, 15), recorded_at=_at(10, 20, 9)))
    session.commit()


def test_duty_hours_match_the_hand_count(session):
    _october(session)
    rows = {r["name"]: r for r in duty_hours(session, date(2026, 10, 1)).items}
    mine = rows["Psychologist"]
    assert (mine["duty_minutes"], mine["allocations"], mine["consultation_minutes"], mine["facilitation_minutes"],
            mine["supervision_minutes"]) == (420, 2, 65, 90, 60)
    assert rows["Other Psychologist"]["duty_minutes"] == 0  # listed, with nothing that month
    november = {r["name"]: r for r in duty_hours(session, date(2026, 11, 1)).items}
    assert november["Psychologist"]["duty_minutes"] == 120


def test_a_page_of_psychologists_at_a_time_with_anyone_else_who_did_the_work(app, session):
    """Every psychologist by name, 25 to a page; someone without the role who was on duty that month is listed too
    (their hours are not lost when the role goes)."""
    _october(session)
    organisation_id = person(session, "psychologist").organisation_id
    for n in range(30):
        newcomer = Person(email=f"zed{n}@example.org", name=f"Zed Psychologist {n:02}", organisation_id=organisation_id)
        session.add(newcomer)
        session.flush()
        session.add(PersonRole(person_id=newcomer.id, role=Role.PSYCHOLOGIST.value))
    former = person(session, "psychologist")
    session.execute(delete(PersonRole).where(PersonRole.person_id == former.id))
    session.commit()
    first, second = duty_hours(session, date(2026, 10, 1)), duty_hours(session, date(2026, 10, 1), 2)
    assert first.total == second.total == 32 and len(first.items) == 25 and len(second.items) == 7
    names = [r["name"] for r in first.items + second.items]
    assert names == sorted(names) and "Psychologist" in names
    assert duty_hours(session, date(2026, 12, 1)).total == 31  # no duties that month: psychologists alone
    make_lead_psychologist(session, "other_psychologist")
    page = open_page(signed_in(app, "other_psychologist"), "reach.duty_hours_page", month="2026-10", page="2")
    assert "Page 2 of 2 (32 in all)" in page and "Zed Psychologist 29" in page and "Zed Psychologist 00" not in page
    assert "month=2026-10" in page  # the page links keep the month


def test_only_lead_psychologists_see_duty_hours(app, session):
    _october(session)
    open_page(signed_in(app, "psychologist"), "reach.duty_hours_page", status=403)
    make_lead_psychologist(session, "psychologist")
    page = open_page(signed_in(app, "psychologist"), "reach.duty_hours_page", month="2026-10")
    assert "Duty hours by psychologist, October 2026" in page
    assert '<td class="nhsuk-table__cell nhsuk-table__cell--numeric">7.0</td>' in page  # 420 minutes
    this_month = datetime.now(LONDON).strftime("%B %Y")
    for nonsense in ("2026-13", "1999-01", "2999-01", "x" * 500):  # refused quietly: this month is shown
        assert f"Duty hours by psychologist, {this_month}" in open_page(
            signed_in(app, "psychologist"), "reach.duty_hours_page", month=nonsense)
