"""Who holds a request: reassigning, escalation of missed targets, continuity, taking, moving and placing."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from core.audit import AuditEvent
from core.notifications import Notification
from core.timeutil import LONDON
from tests.factories import MONDAY_10AM, newest, post_request
from tests.support import committed, person, post_form, sign_in


def test_reassigning_needs_a_reason_and_tells_the_new_psychologist(frontline, psychologist, session):
    post_request(frontline)
    c = newest(session)
    url = f"/consultations/{c.id}"
    post_form(psychologist, f"{url}/take", page_url=url)
    target = person(session, "other_psychologist")
    missing = post_form(psychologist, f"{url}/reassign", {"reassign-psychologist_id": target.id}, page_url=url)
    assert "Give a reason" in missing.get_data(as_text=True)
    done = post_form(psychologist, f"{url}/reassign", {"reassign-psychologist_id": target.id, "reassign-reason": "Specialist in trauma"},
                     page_url=url)
    assert done.status_code == 302 and newest(session).psychologist_id == target.id
    assert session.scalar(select(Notification).where(Notification.person_id == target.id)) is not None


# --- Who can see what -----------------------------------------------------------

# A request waiting in the pool: its requester and their team lead see it; a psychologist only while on duty (the
# pool is theirs to triage) and otherwise when they say why (403, with the page to do so); nobody else at all.


def test_a_missed_target_is_escalated_once_to_the_lead_psychologist_and_team_lead(app, frontline, session):
    from consult.services import escalate_breaches
    from core.accounts.models import PersonRole
    lead = person(session, "psychologist")
    session.add(PersonRole(person_id=lead.id, role="lead_psychologist"))
    session.commit()
    with time_machine.travel(MONDAY_10AM, tick=False) as traveller:
        sign_in(frontline, "frontline")
        post_request(frontline, urgency="urgent")  # due Monday 2pm
        traveller.shift(timedelta(hours=3, minutes=59))
        with app.app_context():
            assert committed(session, escalate_breaches(session)) == 0
        traveller.shift(timedelta(minutes=2))
        with app.app_context():
            assert committed(session, escalate_breaches(session)) == 1
            assert committed(session, escalate_breaches(session)) == 0  # once per breach
    told = session.scalars(select(Notification.person_id).where(
        Notification.title.like("URGENT: reply target missed%"))).all()
    assert sorted(told) == sorted([lead.id, person(session, "team_lead").id])
    assert session.scalars(select(AuditEvent).where(AuditEvent.action == "consultation.breach_escalated")).one()


def test_two_schedulers_escalate_a_breach_once(app, frontline, session):
    import threading

    from consult.services import escalate_breaches
    with time_machine.travel(MONDAY_10AM, tick=False):
        sign_in(frontline, "frontline")
        for n in range(5):
            post_request(frontline, urgency="urgent", client_reference=f"R-{n}")
    factory = app.extensions["database"]["session_factory"]
    counts, barrier = [], threading.Barrier(2)

    def sweep():
        with app.app_context(), factory() as s:
            barrier.wait()
            counts.append(committed(s, escalate_breaches(s)))

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    with time_machine.travel(MONDAY_10AM + timedelta(hours=5), tick=False):
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert sorted(counts) == [0, 5]
    session.rollback()
    assert len(session.scalars(select(Notification).where(Notification.title.like("%reply target missed%"))).all()) == 5


# --- Continuity -------------------------------------------------------------------


def _on_duty_now(app, session, key: str, capacity: int = 5):
    """Give someone a one-off duty covering the whole of today (London)."""
    from rota.services import add_cover
    with app.app_context():
        add_cover(session, person(session, key).id, datetime.now(LONDON).date(), "00:00", "23:59", capacity)
        session.commit()


def test_asking_for_the_same_psychologist_as_last_time(app, frontline, psychologist, session):
    _on_duty_now(app, session, "other_psychologist", capacity=0)  # someone else is on duty, but full
    _on_duty_now(app, session, "psychologist", capacity=0)
    post_request(frontline)
    first = newest(session)
    post_form(psychologist, f"/consultations/{first.id}/take", page_url=f"/consultations/{first.id}")
    response = post_request(frontline, client_reference="jb-0412", continuity="same")
    page = frontline.get(response.headers["Location"]).get_data(as_text=True)
    second = newest(session)
    assert second.status == "allocated" and second.psychologist_id == person(session, "psychologist").id
    assert "Psychologist, who advised you about jb-0412 before, has your request" in page
    assert session.scalar(select(Notification).where(
        Notification.person_id == second.psychologist_id, Notification.title.like("A consultation request is yours%")))


def test_continuity_goes_to_the_pool_when_the_psychologist_is_not_on_duty_soon(app, frontline, session):
    from consult.services import take
    post_request(frontline)
    with app.app_context():
        take(session, newest(session), person(session, "psychologist"))  # they held it; they have no duty to come
        session.commit()
    post_request(frontline, continuity="same")
    assert newest(session).status == "received"  # no duty for them within the wait


def test_continuity_with_no_earlier_psychologist_goes_to_the_duty_pool(frontline, session):
    response = post_request(frontline, client_reference="NEW-1", continuity="same")
    page = frontline.get(response.headers["Location"]).get_data(as_text=True)
    assert newest(session).status == "received"
    assert "No psychologist has advised about NEW-1 before" in page


# --- Calls and follow-ups -------------------------------------------------------


def _say_why(client, url: str, reason: str) -> None:
    """Break glass: a psychologist not involved says why they need to see the request."""
    response = post_form(client, f"{url}/access", {"access-reason": reason}, page_url=url)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


@pytest.mark.parametrize("state", ["awaiting_information", "advice_given"])
def test_nobody_can_take_a_request_another_psychologist_holds(app, frontline, psychologist, session, state):
    post_request(frontline)
    c = newest(session)
    url = f"/consultations/{c.id}"
    post_form(psychologist, f"{url}/take", page_url=url)
    step = "information" if state == "awaiting_information" else "advice"
    post_form(psychologist, f"{url}/{step}", {f"{step}-body": "Mornings?"}, page_url=url)
    assert newest(session).status == state
    other = app.test_client()
    sign_in(other, "other_psychologist")
    assert other.get(url).status_code == 403  # not involved: they may say why, but cannot simply see it
    _say_why(other, url, "covering")
    refused = post_form(other, f"{url}/take", page_url=url)
    assert refused.status_code == 200 and "Someone has already taken this request" in refused.get_data(as_text=True)
    assert newest(session).psychologist_id == person(session, "psychologist").id
    assert psychologist.get(url).status_code == 200  # the holder is not locked out of their own case


def test_the_lead_psychologist_moves_a_request_with_a_reason_and_everyone_is_told(app, frontline, psychologist, session):
    from tests.factories import make_lead_psychologist
    lead = make_lead_psychologist(session, "other_psychologist")
    post_request(frontline)
    c = newest(session)
    url = f"/consultations/{c.id}"
    post_form(psychologist, f"{url}/take", page_url=url)
    client = app.test_client()
    sign_in(client, "other_psychologist")
    holder = person(session, "psychologist")
    _say_why(client, url, "lead_review")  # a lead sees someone else's request in full with a reason, like anyone
    page = client.get(url).get_data(as_text=True)
    assert "Reassign this request" in page and "from Psychologist" in page
    missing = post_form(client, f"{url}/reassign", {"reassign-psychologist_id": lead.id}, page_url=url)
    assert "Give a reason" in missing.get_data(as_text=True)
    done = post_form(client, f"{url}/reassign", {"reassign-psychologist_id": lead.id,
                                                 "reassign-reason": "Covering while Psychologist is on a course"},
                     page_url=url)
    assert done.status_code == 302
    c = newest(session)
    assert c.psychologist_id == lead.id
    told = dict(session.execute(select(Notification.person_id, Notification.title)
                                .where(Notification.title.contains("reassigned") | Notification.title.contains("passed to you")
                                       | Notification.title.contains("new psychologist"))).all())
    assert set(told) == {holder.id, lead.id, person(session, "frontline").id}
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "consultation.reassigned")).one()
    assert "Covering while" in event.detail and str(holder.id) in event.detail


def test_only_the_holder_or_a_lead_psychologist_can_move_a_request(app, frontline, psychologist, session):
    post_request(frontline)
    c = newest(session)
    url = f"/consultations/{c.id}"
    post_form(psychologist, f"{url}/take", page_url=url)
    other = app.test_client()
    sign_in(other, "other_psychologist")
    assert "Reassign this request" not in other.get(url).get_data(as_text=True)
    target = person(session, "other_psychologist").id
    assert post_form(other, f"{url}/reassign", {"reassign-psychologist_id": target, "reassign-reason": "Mine now"},
                     page_url=url).status_code == 403
    assert newest(session).psychologist_id == person(session, "psychologist").id


def test_the_lead_psychologist_places_a_waiting_request_with_a_named_psychologist(app, frontline, session):
    from tests.factories import make_lead_psychologist
    make_lead_psychologist(session, "psychologist")
    post_request(frontline)  # nobody is on duty: it waits
    c = newest(session)
    url = f"/consultations/{c.id}"
    lead = app.test_client()
    sign_in(lead, "psychologist")
    assert "Place this request with a psychologist" in lead.get(url).get_data(as_text=True)
    target = person(session, "other_psychologist")
    post_form(lead, f"{url}/reassign", {"reassign-psychologist_id": target.id, "reassign-reason": "Knows the service"},
              page_url=url)
    c = newest(session)
    assert (c.psychologist_id, c.status) == (target.id, "allocated")
