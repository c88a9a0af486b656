"""The duty rota: patterns become slots across the clock changes, leave and cover, and fair allocation."""
from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from consult import allocation
from consult.models import AllocationDecision, Consultation
from consult.services import allocate_waiting, raise_request
from core.accounts.models import PersonRole
from core.timeutil import LONDON
from rota import services as rota
from rota.models import DutyPattern, DutySlot
from tests.support import committed, person

REQUEST = {"client_reference": "R-1", "consent_basis": "pseudonymised", "presenting_needs": ["alcohol"],
           "use_and_mental_health": "x", "immediate_danger": False, "urgency": "routine",
           "preferred_mode": "written", "question": "x"}


def pattern(session, key, weekdays="0,1,2,3,4", start="09:00", end="17:00", starts_on=date(2026, 3, 2),
            every_weeks=1, capacity=5, ends_on=None):
    p = DutyPattern(psychologist_id=person(session, key).id, weekdays=weekdays, start_time=start, end_time=end,
                    every_weeks=every_weeks, starts_on=starts_on, ends_on=ends_on, daily_capacity=capacity)
    session.add(p)
    session.flush()
    return p


def slots(session, key):
    return session.scalars(select(DutySlot).where(DutySlot.psychologist_id == person(session, key).id)
                           .order_by(DutySlot.starts_at)).all()


def at(*args):
    return datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize("friday, monday, utc_hours", [
    (date(2026, 3, 27), date(2026, 3, 30), (9, 8)),     # clocks go forward on 29 March
    (date(2026, 10, 23), date(2026, 10, 26), (8, 9)),   # clocks go back on 25 October
])
def test_a_nine_to_five_duty_stays_nine_to_five_across_the_clock_change(app, session, friday, monday, utc_hours):
    with app.app_context():
        pattern(session, "psychologist", weekdays="0,4")
        rota.materialise(session, now=at(friday.year, friday.month, friday.day, 7, 0), days=3)
    made = slots(session, "psychologist")
    assert [s.starts_at.astimezone(LONDON).strftime("%a %H:%M") for s in made] == ["Fri 09:00", "Mon 09:00"]
    assert [s.ends_at.astimezone(LONDON).strftime("%H:%M") for s in made] == ["17:00", "17:00"]
    assert [s.starts_at.astimezone(timezone.utc).hour for s in made] == list(utc_hours)


def test_materialising_again_adds_nothing(app, session):
    with app.app_context():
        pattern(session, "psychologist")
        first = rota.materialise(session, now=at(2026, 11, 23, 8, 0), days=14)
        assert first == 11  # today plus two working weeks
        assert rota.materialise(session, now=at(2026, 11, 23, 8, 0), days=14) == 0


def test_every_other_week(app, session):
    with app.app_context():
        pattern(session, "psychologist", weekdays="0", starts_on=date(2026, 11, 2), every_weeks=2)
        rota.materialise(session, now=at(2026, 11, 1, 8, 0), days=35)
    assert [s.starts_at.astimezone(LONDON).date() for s in slots(session, "psychologist")] == [
        date(2026, 11, 2), date(2026, 11, 16), date(2026, 11, 30)]


def test_leave_cancels_the_slots_it_covers_and_future_ones_are_made_cancelled(app, session):
    with app.app_context():
        pattern(session, "psychologist")
        rota.materialise(session, now=at(2026, 11, 23, 8, 0), days=7)
        rota.record_leave(session, person(session, "psychologist").id, date(2026, 11, 25), date(2026, 12, 4))
        rota.materialise(session, now=at(2026, 11, 23, 8, 0), days=14)
    states = {s.starts_at.astimezone(LONDON).date(): (s.status, s.sequence) for s in slots(session, "psychologist")}
    assert states[date(2026, 11, 24)] == ("active", 0)
    assert states[date(2026, 11, 25)] == ("cancelled", 1)  # was made, then cancelled: calendars are told
    assert states[date(2026, 12, 3)] == ("cancelled", 0)   # made already cancelled
    assert states[date(2026, 12, 7)] == ("active", 0)


def test_editing_a_pattern_changes_future_slots_only(app, session):
    with app.app_context():
        p = pattern(session, "psychologist", weekdays="0,1,2,3,4")
        rota.materialise(session, now=at(2026, 11, 23, 8, 0), days=7)
        p.start_time, p.weekdays = "10:00", "0,1,2,3"
        rota.replace_future_slots(session, p, now=at(2026, 11, 24, 12, 0))  # Tuesday noon
    by_day = {s.starts_at.astimezone(LONDON).date(): s for s in slots(session, "psychologist")}
    assert by_day[date(2026, 11, 23)].starts_at.astimezone(LONDON).hour == 9   # the past is left alone
    assert by_day[date(2026, 11, 24)].starts_at.astimezone(LONDON).hour == 9   # already started
    assert by_day[date(2026, 11, 27)].status == "cancelled"                   # Friday dropped
    wednesday = [s for s in slots(session, "psychologist") if s.starts_at.astimezone(LONDON).date() == date(2026, 11, 25)]
    assert {(s.starts_at.astimezone(LONDON).hour, s.status) for s in wednesday} == {(9, "cancelled"), (10, "active")}


def test_cover_adds_a_duty_of_its_own(app, session):
    with app.app_context():
        rota.add_cover(session, person(session, "other_psychologist").id, date(2026, 11, 28), "10:00", "13:00", 2)
    on = rota.on_duty(session, at(2026, 11, 28, 11, 0))
    assert [s.psychologist_id for s in on] == [person(session, "other_psychologist").id]
    assert rota.on_duty(session, at(2026, 11, 28, 13, 0)) == []


# --- Fair allocation -----------------------------------------------------------------------

def _allocate_history(session, key, count, when):
    requester = person(session, "frontline")
    for n in range(count):
        session.add(Consultation(requester_id=requester.id, organisation_id=requester.organisation_id,
                                 client_reference=f"H-{key}-{n}", consent_basis="pseudonymised", presenting_needs="x",
                                 use_and_mental_health="x", urgency="routine", preferred_mode="written", question="x",
                                 target_seconds=1, status="allocated", psychologist_id=person(session, key).id,
                                 allocated_at=when + timedelta(minutes=n), created_at=when, updated_at=when))
    session.flush()


def test_a_person_back_from_two_weeks_leave_is_not_flooded(app, session):
    now = at(2026, 11, 27, 11, 0)  # Friday of the fourth week of November
    with app.app_context(), time_machine.travel(now, tick=False):
        pattern(session, "psychologist", starts_on=date(2026, 11, 2))
        pattern(session, "other_psychologist", starts_on=date(2026, 11, 2))
        rota.materialise(session, now=at(2026, 11, 1, 8, 0), days=30)
        rota.record_leave(session, person(session, "other_psychologist").id, date(2026, 11, 9), date(2026, 11, 20))
        # A fair month so far: shared in week 1, one person alone in weeks 2 and 3, shared again in week 4.
        _allocate_history(session, "psychologist", 10, at(2026, 11, 3, 10, 0))
        _allocate_history(session, "other_psychologist", 10, at(2026, 11, 3, 10, 0))
        _allocate_history(session, "psychologist", 20, at(2026, 11, 12, 10, 0))
        _allocate_history(session, "psychologist", 8, at(2026, 11, 24, 10, 0))
        _allocate_history(session, "other_psychologist", 8, at(2026, 11, 24, 10, 0))
        chosen, candidates, _reason = allocation.choose(session, now)
    figures = {c.name: c for c in candidates}
    back, stayed = figures["Other Psychologist"], figures["Psychologist"]
    assert (back.hours, stayed.hours) == (74.0, 154.0)  # leave does not count as time on duty
    # Shares are scaled by hours on duty, so the person back from leave is owed no catch-up work...
    assert back.below_share < 1 and stayed.below_share < 1
    # ...where an equal split of the month would have owed them ten requests in a row.
    equal_share = (back.month + stayed.month + 1) / 2
    assert equal_share - back.month > 9
    assert chosen.id in {back.id, stayed.id}
    # The next few requests alternate rather than all going to one person.
    assert max(back.below_share, stayed.below_share) - min(back.below_share, stayed.below_share) < 1


def test_the_person_furthest_below_their_share_gets_the_next_request(app, session):
    now = at(2026, 11, 24, 11, 0)
    with app.app_context():
        pattern(session, "psychologist", starts_on=date(2026, 11, 2))
        pattern(session, "other_psychologist", starts_on=date(2026, 11, 2))
        rota.materialise(session, now=at(2026, 11, 1, 8, 0), days=30)
        _allocate_history(session, "psychologist", 10, at(2026, 11, 3, 10, 0))
        _allocate_history(session, "other_psychologist", 4, at(2026, 11, 3, 10, 0))
        chosen, candidates, reason = allocation.choose(session, now)
    assert chosen.id == person(session, "other_psychologist").id
    assert "furthest below their fair share" in reason


def test_ties_go_to_whoever_was_allocated_least_recently(app, session):
    now = at(2026, 11, 24, 11, 0)
    with app.app_context():
        pattern(session, "psychologist", starts_on=date(2026, 11, 24))
        pattern(session, "other_psychologist", starts_on=date(2026, 11, 24))
        rota.materialise(session, now=at(2026, 11, 24, 8, 0), days=1)
        _allocate_history(session, "other_psychologist", 1, at(2026, 10, 1, 10, 0))
        _allocate_history(session, "psychologist", 1, at(2026, 10, 20, 10, 0))
        chosen, _, _ = allocation.choose(session, now)
    assert chosen.id == person(session, "other_psychologist").id


def test_capacity_is_respected_and_a_full_rota_leaves_the_request_in_the_pool(app, session):
    now = at(2026, 11, 24, 11, 0)
    with app.app_context(), time_machine.travel(now, tick=False):
        pattern(session, "psychologist", starts_on=date(2026, 11, 24), capacity=1)
        rota.materialise(session, now=at(2026, 11, 24, 8, 0), days=1)
        first = raise_request(session, person(session, "frontline"), REQUEST)
        second = raise_request(session, person(session, "frontline"), {**REQUEST, "client_reference": "R-2"})
        session.commit()
    assert (first.status, second.status) == ("allocated", "received")
    decision = session.scalars(select(AllocationDecision).where(AllocationDecision.consultation_id == second.id)).one()
    assert decision.chosen_id is None and "capacity" in decision.reason


def test_requests_waiting_overnight_are_allocated_when_the_next_duty_starts(app, session):
    with app.app_context():
        pattern(session, "psychologist", starts_on=date(2026, 11, 24))
        rota.materialise(session, now=at(2026, 11, 24, 6, 0), days=2)
        with time_machine.travel(at(2026, 11, 24, 7, 0), tick=False):
            c = raise_request(session, person(session, "frontline"), REQUEST)
            session.commit()
            assert c.status == "received"
            assert "The next duty starts 24 November 2026, 9:00am" in session.scalars(
                select(AllocationDecision.reason)).one()
            assert committed(session, allocate_waiting(session, at(2026, 11, 24, 8, 59))) == 0
        with time_machine.travel(at(2026, 11, 24, 9, 0, 30), tick=False):
            assert committed(session, allocate_waiting(session, at(2026, 11, 24, 9, 0, 30))) == 1
    session.rollback()
    assert session.get(Consultation, c.id).psychologist_id == person(session, "psychologist").id


def _concurrent_requests(app, count):
    factory = app.extensions["database"]["session_factory"]
    barrier, errors = threading.Barrier(count), []

    def raise_one(n):
        try:
            with app.app_context(), factory() as s:
                barrier.wait()
                raise_request(s, person(s, "frontline"), {**REQUEST, "client_reference": f"C-{n}"})
                s.commit()
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=raise_one, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []


def _one_on_duty_with_capacity(app, capacity):
    factory = app.extensions["database"]["session_factory"]
    with app.app_context(), factory() as s:
        rota.add_cover(s, person(s, "psychologist").id, datetime.now(LONDON).date(), "00:00", "23:59", capacity)
        s.commit()


def _allocated(app):
    with app.extensions["database"]["session_factory"]() as s:
        return [c.status for c in s.scalars(select(Consultation))].count("allocated")


def test_simultaneous_requests_never_push_a_psychologist_over_capacity(app):
    _one_on_duty_with_capacity(app, 3)
    _concurrent_requests(app, 8)
    assert _allocated(app) == 3


@pytest.mark.postgres
def test_simultaneous_requests_never_push_a_psychologist_over_capacity_on_postgresql(pg_app):
    _one_on_duty_with_capacity(pg_app, 3)
    _concurrent_requests(pg_app, 8)
    assert _allocated(pg_app) == 3


# --- Swaps, overrides and gaps ---------------------------------------------------------------

def _future_slot(app, session, key="psychologist"):
    with app.app_context():
        slot = rota.add_cover(session, person(session, key).id, date(2026, 12, 1), "09:00", "17:00", 3)
        session.commit()
    return slot


def test_a_swap_is_asked_accepted_and_both_are_told(app, session):
    from core.notifications import Notification
    from rota.swaps import decide_swap, request_swap
    slot = _future_slot(app, session)
    with app.app_context(), time_machine.travel(at(2026, 11, 23, 10, 0), tick=False):
        swap = request_swap(session, slot, person(session, "psychologist"), person(session, "other_psychologist").id)
        decide_swap(session, swap, person(session, "other_psychologist"), accept=True)
        session.commit()
    active = session.scalars(select(DutySlot).where(DutySlot.status == "active")).all()
    assert [s.psychologist_id for s in active] == [person(session, "other_psychologist").id]
    assert session.get(DutySlot, slot.id).status == "cancelled"  # the first person's calendar shows it cancelled
    told = session.scalars(select(Notification.person_id).where(Notification.title == "Duty swap accepted")).all()
    assert sorted(told) == sorted([person(session, "psychologist").id, person(session, "other_psychologist").id])


def test_a_declined_swap_changes_nothing_and_cannot_be_answered_twice(app, session):
    from rota.services import RotaRefused
    from rota.swaps import decide_swap, request_swap
    slot = _future_slot(app, session)
    with app.app_context(), time_machine.travel(at(2026, 11, 23, 10, 0), tick=False):
        swap = request_swap(session, slot, person(session, "psychologist"), person(session, "other_psychologist").id)
        decide_swap(session, swap, person(session, "other_psychologist"), accept=False)
        with pytest.raises(RotaRefused):
            decide_swap(session, swap, person(session, "other_psychologist"), accept=True)
    assert session.get(DutySlot, slot.id).status == "active"


def test_swaps_and_overrides_win_over_a_later_pattern_edit(app, session):
    from rota.swaps import override
    session.add(PersonRole(person_id=person(session, "psychologist").id, role="lead_psychologist"))
    with app.app_context():
        p = pattern(session, "psychologist", weekdays="1", starts_on=date(2026, 12, 1))
        rota.materialise(session, now=at(2026, 11, 23, 8, 0), days=14)
        first = session.scalars(select(DutySlot).order_by(DutySlot.starts_at)).first()
        override(session, first, person(session, "psychologist"), person(session, "other_psychologist").id,
                 now=at(2026, 11, 23, 9, 0))
        p.daily_capacity = 9
        rota.replace_future_slots(session, p, now=at(2026, 11, 23, 10, 0))
    tuesday = [s for s in session.scalars(select(DutySlot)) if s.starts_at.astimezone(LONDON).date() == date(2026, 12, 1)]
    assert {(s.psychologist_id, s.status) for s in tuesday} == {
        (person(session, "psychologist").id, "cancelled"), (person(session, "other_psychologist").id, "active")}


def test_gaps_in_cover_are_alerted_once_to_the_lead_psychologist(app, session):
    from core.notifications import Notification
    from rota.swaps import alert_gaps
    session.add(PersonRole(person_id=person(session, "psychologist").id, role="lead_psychologist"))
    with app.app_context():
        # Every working hour of the next 14 days is covered, except Wednesday 2 December 13:00-15:00.
        pattern(session, "other_psychologist", start="09:00", end="13:00", starts_on=date(2026, 11, 1))
        pattern(session, "other_psychologist", start="13:00", end="17:00", weekdays="0,1,3,4", starts_on=date(2026, 11, 1))
        lead_id = person(session, "psychologist").id
        rota.add_cover(session, lead_id, date(2026, 11, 25), "13:00", "17:00", 2)  # the other Wednesday
        rota.add_cover(session, lead_id, date(2026, 12, 2), "15:00", "17:00", 2)
        rota.materialise(session, now=at(2026, 11, 23, 8, 0), days=20)
        now = at(2026, 11, 23, 8, 0)
        assert committed(session, alert_gaps(session, now)) == 1
        assert committed(session, alert_gaps(session, now + timedelta(minutes=5))) == 0
    message = session.scalars(select(Notification.body).where(Notification.title.like("Nobody is on duty%"))).one()
    assert "2 December 2026, 1:00pm to 2 December 2026, 3:00pm" in message


def test_a_duty_cannot_be_given_to_a_deactivated_psychologist(app, session):
    from core.accounts.models import PersonRole
    from core.refusals import Refused
    from rota.swaps import override
    slot = _future_slot(app, session)
    lead = person(session, "psychologist")
    session.add(PersonRole(person_id=lead.id, role="lead_psychologist"))
    gone = person(session, "other_psychologist")
    gone.is_active = False
    session.commit()
    lead.signed_in_roles = None
    with app.app_context(), pytest.raises(Refused, match="Choose another psychologist"):
        override(session, slot, lead, gone.id, now=datetime(2026, 11, 30, tzinfo=LONDON))


def test_patterns_are_added_changed_and_ended_by_services_without_a_request(app, session):
    monday = at(2026, 11, 23, 8, 0)  # before the first duty of the week
    data = {"weekdays": ["0", "2"], "start_time": "09:00", "end_time": "13:00", "every_weeks": 1,
            "starts_on": monday.date(), "ends_on": None, "daily_capacity": 3}
    who = person(session, "psychologist").id
    with app.app_context():
        pattern, made = rota.add_pattern(session, who, data, monday)
        session.commit()
        window = [monday.date() + timedelta(days=n) for n in range(rota.WINDOW_DAYS + 1)]
        assert made == sum(day.weekday() in (0, 2) for day in window)  # Mondays and Wednesdays, eight weeks
        rota.change_pattern(session, pattern, {**data, "weekdays": ["0"], "end_time": "12:00"}, monday)
        session.commit()
        active = session.scalars(select(DutySlot).where(DutySlot.pattern_id == pattern.id,
                                                        DutySlot.status == "active")).all()
        assert {s.starts_at.astimezone(LONDON).strftime("%a") for s in active} == {"Mon"}
        assert {s.ends_at.astimezone(LONDON).strftime("%H:%M") for s in active} == {"12:00"}
        rota.end_pattern(session, pattern, at(2026, 11, 30, 14, 0))
        session.commit()
        later = session.scalars(select(DutySlot).where(DutySlot.pattern_id == pattern.id, DutySlot.status == "active",
                                                       DutySlot.starts_at > at(2026, 12, 1, 0, 0))).all()
    assert pattern.ends_on == date(2026, 11, 30) and later == []
