"""Open work is never orphaned: when a psychologist's leave starts, or their account is deactivated, what they
hold goes to someone on duty or back to the duty queue; the requester is told and the thread records it."""
from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from consult.handover import hand_over_orphaned
from consult.models import AllocationDecision, Message
from consult.services import ask_for_information
from core.database import db
from rota.models import DutySlot
from rota.services import record_leave
from tests.factories import MONDAY_10AM, on_duty_throughout, put_on_duty, raise_request, reload
from tests.pages import open_page
from tests.support import committed, person, post_form, sign_in, told


def _two_held(app, session):
    """The psychologist, alone on duty, holds two open requests: one allocated, one awaiting information."""
    put_on_duty(app, session, "psychologist")
    first = raise_request(app, session, client_reference="JB-1")
    second = raise_request(app, session, client_reference="JB-2", urgency="urgent")
    with app.app_context():
        ask_for_information(session, reload(session, second), person(session, "psychologist"), "Mornings?", MONDAY_10AM)
        session.commit()
    return first, second


def _told(session, key: str) -> list[str]:
    """The titles someone was sent, without the request's reference that ends each."""
    session.rollback()
    return [t.split(" (")[0] for t in told(session, key)]


def test_leave_starting_today_passes_each_request_to_whoever_is_on_duty(app, session):
    first, second = _two_held(app, session)
    put_on_duty(app, session, "other_psychologist")
    with time_machine.travel(MONDAY_10AM + timedelta(minutes=5), tick=False):
        client = app.test_client()
        sign_in(client, "psychologist")
        me = person(session, "psychologist").id
        day = MONDAY_10AM.date().isoformat()
        done = post_form(client, "/consultations/rota/leave", {"leave-psychologist_id": me, "leave-starts_on": day,
                                                               "leave-ends_on": day}, page_url="/consultations/rota",
                         follow_redirects=True).get_data(as_text=True)
    assert "2 open requests passed on" in done
    other = person(session, "other_psychologist").id
    first, second = reload(session, first), reload(session, second)
    assert (first.psychologist_id, first.status) == (other, "allocated")
    assert (second.psychologist_id, second.status) == (other, "awaiting_information")  # its state is kept
    assert second.ack_started_at == MONDAY_10AM + timedelta(minutes=5) and second.acknowledged_at is None
    assert _told(session, "frontline").count("Your request has a new psychologist") == 2
    events = session.scalars(select(Message.body).where(Message.consultation_id == first.id)).all()
    assert any(e.startswith("Allocated to Other Psychologist. Psychologist is on leave.") for e in events)
    assert session.scalars(select(AllocationDecision.route).where(AllocationDecision.consultation_id == first.id)
                           ).all() == ["duty", "hand_over"]


def test_with_nobody_on_duty_the_requests_go_back_to_the_duty_queue(app, session):
    first, second = _two_held(app, session)
    with app.app_context():
        leave = record_leave(session, person(session, "psychologist").id, MONDAY_10AM.date(), MONDAY_10AM.date(),
                             MONDAY_10AM)
        assert committed(session, leave.passed_on) == 2  # leave that has begun passes them on at once
        assert committed(session, hand_over_orphaned(session, MONDAY_10AM)) == 0
    first, second = reload(session, first), reload(session, second)
    assert (first.psychologist_id, first.status) == (None, "received")
    assert (second.psychologist_id, second.status) == (None, "awaiting_information")
    assert _told(session, "frontline").count("Your request has gone back to the duty psychologists") == 2
    on_duty_throughout(session, "other_psychologist")  # someone comes on duty, at today's limit
    with time_machine.travel(MONDAY_10AM + timedelta(minutes=1), tick=False):
        client = app.test_client()
        sign_in(client, "other_psychologist")
        waiting = open_page(client, "consult.queue", show="waiting")
        page = open_page(client, "consult.show", consultation_id=second.id)
    assert first.reference in waiting and second.reference in waiting
    assert "Take this request" in page  # a psychologist on duty takes one nobody holds, whatever its status


def test_leave_that_starts_later_hands_over_on_its_first_day(app, session):
    first, _ = _two_held(app, session)
    next_week = MONDAY_10AM + timedelta(days=7)
    with app.app_context():
        record_leave(session, person(session, "psychologist").id, next_week.date(), next_week.date(), MONDAY_10AM)
        session.commit()
        assert committed(session, hand_over_orphaned(session, MONDAY_10AM)) == 0  # not yet
        # just after midnight that day
        assert committed(session, hand_over_orphaned(session, next_week - timedelta(hours=10))) == 2
        assert committed(session, hand_over_orphaned(session, next_week)) == 0
    assert reload(session, first).psychologist_id is None


def test_deactivating_a_psychologist_hands_over_their_requests_and_takes_them_off_the_rota(app, session):
    first, second = _two_held(app, session)
    put_on_duty(app, session, "psychologist", day=MONDAY_10AM.date() + timedelta(days=1))  # tomorrow too
    with time_machine.travel(MONDAY_10AM + timedelta(minutes=5), tick=False):
        admin = app.test_client()
        sign_in(admin, "admin")
        who = person(session, "psychologist").id
        done = post_form(admin, f"/admin/people/{who}/active", {"active": "no", "confirmed": "yes"}, page_url=f"/admin/people/{who}",
                         follow_redirects=True).get_data(as_text=True)
    assert "2 duties cancelled and 2 open requests passed on." in done
    session.rollback()
    assert set(session.scalars(select(DutySlot.cancelled_reason).where(DutySlot.psychologist_id == who))) == {"deactivated"}
    assert {reload(session, c).psychologist_id for c in (first, second)} == {None}
    assert _told(session, "frontline").count("Your request has gone back to the duty psychologists") == 2
    events = session.scalars(select(Message.body).where(Message.consultation_id == first.id)).all()
    assert any(e.startswith("Psychologist is no longer available. Back in the duty queue") for e in events)


def test_the_sweep_catches_a_deactivated_holder_left_behind(app, session):
    first, _ = _two_held(app, session)
    holder = person(session, "psychologist")
    holder.is_active = False  # as if deactivated by a path that did not hand over
    session.commit()
    with app.app_context(), db.new_session() as fresh:
        assert committed(fresh, hand_over_orphaned(fresh, MONDAY_10AM)) == 2
    assert reload(session, first).psychologist_id is None
