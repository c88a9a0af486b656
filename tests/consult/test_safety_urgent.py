"""The urgent safety net: an urgent request is acknowledged within URGENT_ACK_MINUTES or more people are told,
step by step, each step once; team leads hear of immediate danger at once; nobody on duty is said plainly."""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from consult.models import Consultation, Message
from consult.services import allocate_waiting, give_advice, reassign
from consult.urgent import acknowledge, escalate_unacknowledged
from core.accounts.services import create_person
from core.audit import AuditEvent
from core.database import db
from core.notifications import Notification, OutboxMessage
from core.refusals import Refused
from tests.factories import MONDAY_10AM, make_lead_psychologist, put_on_duty, raise_request, reload
from tests.pages import open_page
from tests.support import PASSWORD, committed, person, post_form, sign_in, two_schedulers_at_once

MINUTE = timedelta(minutes=1)


@pytest.fixture
def lead(session):
    """A third psychologist who is the lead, not on duty."""
    create_person(session, email="lead@example.org", name="Lead Psychologist", roles=["psychologist"],
                  organisation_id=person(session, "psychologist").organisation_id, password=PASSWORD)
    session.commit()
    return make_lead_psychologist(session, "lead")


@pytest.fixture
def on_duty(app, session):
    """The psychologist on duty with room; the other psychologist on duty too, but at today's limit."""
    put_on_duty(app, session, "psychologist")
    put_on_duty(app, session, "other_psychologist", capacity=0)


def _told(session, consultation, title_part: str) -> list[int]:
    """Who was notified with this in the title (compared here: SQLite's LIKE ignores case)."""
    session.rollback()
    rows = session.execute(select(Notification.person_id, Notification.title)).all()
    return sorted(p for p, title in rows if title_part in title and f"({consultation.reference})" in title)


def _sweep(app, session, at) -> int:
    """As the scheduler runs it: in a session of its own."""
    with app.app_context(), db.new_session() as fresh:
        return committed(fresh, escalate_unacknowledged(fresh, at))


def test_each_step_of_the_chain_is_taken_once_and_recorded(app, session, lead, on_duty):
    c = raise_request(app, session, urgency="urgent")
    holder, other = person(session, "psychologist"), person(session, "other_psychologist")
    assert (c.psychologist_id, c.ack_due_at) == (holder.id, MONDAY_10AM + 30 * MINUTE)
    assert _told(session, c, "a consultation request is yours") == [holder.id]

    assert _sweep(app, session, MONDAY_10AM + 29 * MINUTE) == 0  # not yet
    assert _sweep(app, session, MONDAY_10AM + 30 * MINUTE) == 1  # step 1: the other psychologist on duty
    assert _sweep(app, session, MONDAY_10AM + 30 * MINUTE) == 0  # the same step never twice
    assert _told(session, c, "not acknowledged after 30 minutes") == [other.id]

    assert _sweep(app, session, MONDAY_10AM + 59 * MINUTE) == 0
    assert _sweep(app, session, MONDAY_10AM + 60 * MINUTE) == 1  # step 2: the lead psychologists
    assert _told(session, c, "not acknowledged after 60 minutes") == [lead.id]

    assert _sweep(app, session, MONDAY_10AM + 90 * MINUTE) == 1  # step 3: every psychologist but the holder
    assert _told(session, c, "not acknowledged after 90 minutes") == sorted([other.id, lead.id])
    assert _sweep(app, session, MONDAY_10AM + 200 * MINUTE) == 0  # the chain has ended
    c = reload(session, c)
    assert (c.escalation_step, c.ack_due_at, c.acknowledged_at) == (3, None, None)

    events = session.scalars(select(Message.body).where(Message.consultation_id == c.id,
                                                        Message.body.startswith("Not acknowledged"))).all()
    assert events == [
        "Not acknowledged after 30 minutes. Other Psychologist (the other psychologists on duty) told.",
        "Not acknowledged after 60 minutes. Lead Psychologist (the lead psychologists) told.",
        "Not acknowledged after 90 minutes. Lead Psychologist and Other Psychologist (every psychologist) told."]
    steps = session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "consultation.urgent_escalated")).all()
    assert len(steps) == 3


def test_a_step_with_nobody_in_it_passes_to_the_next_at_once(app, session, lead):
    put_on_duty(app, session, "psychologist")  # alone on duty
    c = raise_request(app, session, urgency="urgent")
    assert _sweep(app, session, MONDAY_10AM + 30 * MINUTE) == 1
    assert _told(session, c, "not acknowledged") == [lead.id]
    c = reload(session, c)
    assert c.escalation_step == 2 and c.ack_due_at == MONDAY_10AM + 60 * MINUTE
    event = session.scalars(select(Message.body).where(Message.consultation_id == c.id,
                                                       Message.body.startswith("Not acknowledged"))).one()
    assert "no others to tell (the other psychologists on duty)" in event


def test_acknowledging_stops_the_chain_and_tells_the_worker(app, session, lead, on_duty):
    c = raise_request(app, session, urgency="urgent")
    _sweep(app, session, MONDAY_10AM + 30 * MINUTE)
    with app.app_context():
        acknowledge(session, reload(session, c), person(session, "psychologist"), MONDAY_10AM + 40 * MINUTE)
        session.commit()
    assert _sweep(app, session, MONDAY_10AM + 60 * MINUTE) == 0
    assert _told(session, c, "not acknowledged after 60 minutes") == []
    c = reload(session, c)
    assert c.acknowledged_at == MONDAY_10AM + 40 * MINUTE and c.acknowledged_by_id == person(session, "psychologist").id
    assert _told(session, c, "A psychologist has your urgent request") == [person(session, "frontline").id]


def test_whatever_the_holder_does_counts_as_acknowledging(app, session, lead, on_duty):
    c = raise_request(app, session, urgency="urgent")
    with app.app_context():
        give_advice(session, reload(session, c), person(session, "psychologist"), "Call the crisis line now.",
                    MONDAY_10AM + 10 * MINUTE)
        session.commit()
    assert _sweep(app, session, MONDAY_10AM + 30 * MINUTE) == 0
    assert reload(session, c).acknowledged_at == MONDAY_10AM + 10 * MINUTE


def test_once_the_chain_has_begun_another_psychologist_can_take_it_over(app, session, lead, on_duty):
    c = raise_request(app, session, urgency="urgent")
    with app.app_context():
        with pytest.raises(Refused, match="has until"):
            acknowledge(session, reload(session, c), lead, MONDAY_10AM + 5 * MINUTE)
        session.rollback()
    _sweep(app, session, MONDAY_10AM + 60 * MINUTE)  # the lead has been told
    with time_machine.travel(MONDAY_10AM + 65 * MINUTE, tick=False):
        client = app.test_client()
        sign_in(client, "lead@example.org")
        url = f"/consultations/{c.id}"
        page = client.get(url).get_data(as_text=True)
        assert "Take over this urgent request" in page
        assert post_form(client, f"{url}/acknowledge", page_url=url).status_code == 302
        worker = app.test_client()
        sign_in(worker, "frontline")
        seen = worker.get(url).get_data(as_text=True)
    c = reload(session, c)
    assert c.psychologist_id == lead.id and c.acknowledged_by_id == lead.id
    assert "Lead Psychologist" in seen.split("Held by", 1)[1].split("</dd>", 1)[0]
    assert _told(session, c, "URGENT: another psychologist has taken over") == [person(session, "psychologist").id]


def test_immediate_danger_tells_the_team_lead_at_once_and_says_so_in_the_subject(app, session, lead, on_duty):
    c = raise_request(app, session, immediate_danger=True, urgency="")
    assert c.urgency == "urgent"
    assert _told(session, c, "a worker in your team needs help now") == [person(session, "team_lead").id]
    subjects = dict(session.execute(select(OutboxMessage.recipient_id, OutboxMessage.subject)
                                    .where(OutboxMessage.subject.contains(c.reference))).all())
    assert subjects[person(session, "team_lead").id] == \
        f"URGENT – immediate danger reported: a worker in your team needs help now ({c.reference})"
    assert subjects[person(session, "psychologist").id] == \
        f"URGENT – immediate danger reported: a consultation request is yours ({c.reference})"
    events = session.scalars(select(Message.body).where(Message.consultation_id == c.id)).all()
    assert "Immediate danger reported: Team Lead (team lead) told at once." in events


def test_an_urgent_request_while_nobody_is_on_duty_tells_the_leads_and_waits_for_the_next_duty(app, session, lead):
    put_on_duty(app, session, "psychologist")  # 09:00 to 17:00
    early = MONDAY_10AM - 150 * MINUTE  # 7:30am
    c = raise_request(app, session, now=early, urgency="urgent")
    assert c.psychologist_id is None and c.ack_started_at == MONDAY_10AM - 60 * MINUTE  # the 9am duty
    assert _told(session, c, "URGENT: nobody is on duty") == [lead.id]
    with time_machine.travel(early + 2 * MINUTE, tick=False):  # the requester's page says so plainly
        worker = app.test_client()
        sign_in(worker, "frontline")
        page = open_page(worker, "consult.show", consultation_id=c.id)
    assert "Nobody is on duty right now" in page and "the lead psychologists have been told" in page
    assert "next duty starts, 23 November 2026, 9:00am" in page
    assert _sweep(app, session, early + 40 * MINUTE) == 0  # the chain waits for the duty
    session.rollback()  # a write must not start from a read begun before the sweep's commit
    with app.app_context():
        assert committed(session, allocate_waiting(session, MONDAY_10AM - 60 * MINUTE)) == 1
    c = reload(session, c)
    assert c.psychologist_id == person(session, "psychologist").id
    assert c.ack_due_at == MONDAY_10AM - 30 * MINUTE  # the holder has the full half hour from the duty's start


def test_the_duty_queue_shows_the_acknowledgement_clock(app, session, lead, on_duty):
    c = raise_request(app, session, urgency="urgent")
    with time_machine.travel(MONDAY_10AM + 5 * MINUTE, tick=False):
        client = app.test_client()
        sign_in(client, "psychologist")
        before = open_page(client, "consult.queue")
    _sweep(app, session, MONDAY_10AM + 30 * MINUTE)
    with time_machine.travel(MONDAY_10AM + 35 * MINUTE, tick=False):
        sign_in(client, "psychologist")
        after = open_page(client, "consult.queue")
    row = [r for r in before.split("<tr")[1:] if c.reference in r][0]
    assert "Acknowledgement: Due 23 November 2026, 10:30am" in row
    row = [r for r in after.split("<tr")[1:] if c.reference in r][0]
    assert "Not acknowledged</strong> other psychologists have been told" in row


def test_passing_on_an_unacknowledged_request_gives_the_new_holder_their_own_half_hour(app, session, lead, on_duty):
    c = raise_request(app, session, urgency="urgent")
    with app.app_context():
        reassign(session, reload(session, c), person(session, "psychologist"), lead, "Lead knows this client",
                 MONDAY_10AM + 20 * MINUTE)
        session.commit()
    c = reload(session, c)
    assert (c.acknowledged_at, c.ack_due_at) == (None, MONDAY_10AM + 50 * MINUTE)
    assert _sweep(app, session, MONDAY_10AM + 30 * MINUTE) == 0
    assert _sweep(app, session, MONDAY_10AM + 50 * MINUTE) == 1


# --- Two schedulers at once ----------------------------------------------------------------------

def _two_sweeps_at_once(app, count: int) -> list[int]:
    factory = app.extensions["database"]["session_factory"]
    with factory() as s:
        put_on_duty(app, s, "psychologist", capacity=count)
        for n in range(count):
            raise_request(app, s, urgency="urgent", client_reference=f"U-{n}")
    counts = two_schedulers_at_once(app, lambda s: escalate_unacknowledged(s, MONDAY_10AM + 30 * MINUTE))
    with factory() as s:
        steps = s.scalars(select(Consultation.escalation_step)).all()
        told = s.scalars(select(Notification.id).where(Notification.title.startswith("URGENT: not acknowledged"))).all()
        events = s.scalars(select(Message.id).where(Message.body.startswith("Not acknowledged"))).all()
    assert steps == [3] * count  # nobody else on duty, no lead: straight to every psychologist, once
    assert len(events) == count and len(told) == count  # one other psychologist told about each, once
    return counts


def test_two_schedulers_take_each_step_once(app):
    assert sum(_two_sweeps_at_once(app, 5)) == 5


@pytest.mark.postgres
def test_two_schedulers_take_each_step_once_on_postgresql(pg_app):
    assert sum(_two_sweeps_at_once(pg_app, 5)) == 5
