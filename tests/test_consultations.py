"""Case consultations end to end: raising, routing, the conversation, advice, closing, visibility."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from flask import url_for
from sqlalchemy import delete, select

from consult.models import CloseOutSurvey, Consultation, FollowUp, Status
from consult.states import TRANSITIONS, TransitionRefused, check_transition
from core.accounts.models import TeamMembership
from core.audit import AuditEvent
from core.notifications import Notification
from core.timeutil import LONDON, utcnow

from . import factories
from .factories import on_duty_throughout
from .support import committed, count_queries, csrf_from, person, post_form, sign_in

# Monday 23 November 2026, 10am in London: inside working hours.
MONDAY_10AM = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)

REQUEST = {
    "client_reference": "JB-0412",
    "consent_basis": "consented",
    "presenting_needs": ["mental_health", "alcohol"],
    "use_and_mental_health": "She says drinking quietens the voices at night but her mornings are worse.",
    "tried_so_far": "Motivational conversations; GP referral declined.",
    "care_coordinator": "",
    "risks": ["suicide_self_harm"],
    "immediate_danger": "no",
    "urgency": "soon",
    "preferred_mode": "written",
    "question": "How can I help her talk about the link between her drinking and her mood?",
    "continuity": "duty",
}


def raise_request(client, **changes):
    return post_form(client, "/consultations/new", {**REQUEST, **changes})


def taken_request(app, session):
    """A request the frontline worker raised through the form and the psychologist on duty took: both
    signed-in clients, and the request's page."""
    on_duty_throughout(session, "psychologist")
    frontline, psychologist = app.test_client(), app.test_client()
    sign_in(frontline, "frontline")
    sign_in(psychologist, "psychologist")
    raise_request(frontline)
    url = f"/consultations/{newest(session).id}"
    post_form(psychologist, f"{url}/take", page_url=url)
    return frontline, psychologist, url


def newest(session) -> Consultation:
    session.rollback()
    return session.scalars(select(Consultation).order_by(Consultation.id.desc())).first()


@pytest.fixture
def frontline(app):
    client = app.test_client()
    sign_in(client, "frontline")
    return client


@pytest.fixture
def psychologist(app, session):
    """The psychologist on duty (at today's limit, so requests still wait in the pool for them to take)."""
    on_duty_throughout(session, "psychologist")
    client = app.test_client()
    sign_in(client, "psychologist")
    return client


def _sign_in_both(frontline, psychologist):
    """Sign in afresh at the travelled-to time: a cookie signed 'later' is refused as from the future."""
    sign_in(frontline, "frontline")
    sign_in(psychologist, "psychologist")


# --- Raising a request ----------------------------------------------------------

def test_a_worker_raises_a_request_and_gets_a_reference_and_a_due_time(frontline, session):
    with time_machine.travel(MONDAY_10AM, tick=False):
        sign_in(frontline, "frontline")  # a fresh sign-in at the travelled-to time
        response = raise_request(frontline)
        assert response.status_code == 302
        c = newest(session)
        page = frontline.get(response.headers["Location"]).get_data(as_text=True)
        listing = frontline.get("/consultations/mine").get_data(as_text=True)
    assert f"Your reference is<br><strong>{c.reference}</strong>" in page
    assert c.status == "received" and c.urgency == "soon"
    # "Soon" is 2 working days: Wednesday 25 November, 10am.
    assert c.due_at.astimezone(LONDON) == datetime(2026, 11, 25, 10, 0, tzinfo=LONDON)
    assert "25 November 2026, 10:00am" in page
    assert c.reference in listing and "Received" in listing and "Duty psychologists" in listing


@pytest.mark.parametrize("reference, why", [
    ("943 476 5919", "looks like an NHS number"),
    ("12/03/1980", "looks like a date of birth"),
    ("jo.bloggs@example.org", "looks like an email address"),
])
def test_identifiable_client_references_are_refused_with_the_reason(frontline, session, reference, why):
    response = raise_request(frontline, client_reference=reference)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in body and why in body
    # What they typed elsewhere is kept.
    assert "drinking quietens the voices" in body
    assert session.scalars(select(Consultation)).all() == []


def test_an_nhs_number_in_free_text_is_refused_too(frontline, session):
    response = raise_request(frontline, question="Her NHS number is 943 476 5919, can you look her up?")
    assert "Remove it" in response.get_data(as_text=True)
    assert session.scalars(select(Consultation)).all() == []


def test_missing_answers_are_listed_in_the_error_summary(frontline):
    response = post_form(frontline, "/consultations/new", {"client_reference": "JB-1"})
    body = response.get_data(as_text=True)
    for message in ["Select at least one need", "Describe how the person sees their use",
                    "Say whether anyone is in immediate danger now", "Enter the question you want answered"]:
        assert message in body
    assert 'value="JB-1"' in body


def test_immediate_danger_shows_emergency_guidance_first_and_tells_psychologists_and_the_team_lead(app, frontline, session):
    response = raise_request(frontline, immediate_danger="yes", urgency="routine")
    page = frontline.get(response.headers["Location"]).get_data(as_text=True)
    main = page.split('id="maincontent"', 1)[1]
    assert main.index("If someone is in danger now, act now") < main.index("Request sent")
    assert "999" in main and "crisis line" in main and "safeguarding lead" in main
    c = newest(session)
    assert c.urgency == "urgent" and c.immediate_danger
    told = session.scalars(select(Notification.person_id).where(
        Notification.title.like("URGENT – immediate danger reported%"))).all()
    # Nobody is on duty and there is no lead psychologist, so every psychologist is told; and the team lead.
    assert sorted(told) == sorted([person(session, "psychologist").id, person(session, "other_psychologist").id,
                                   person(session, "team_lead").id])
    queue = app.test_client()
    sign_in(queue, "psychologist")
    rows = queue.get("/consultations/queue").get_data(as_text=True)
    assert "Immediate danger" in rows


# --- The conversation -----------------------------------------------------------

def test_the_whole_path_with_the_clock_paused_while_awaiting_information(app, frontline, psychologist, session):
    # The story spans two days; keep both people signed in throughout.
    app.config.update(IDLE_TIMEOUT_MINUTES=3 * 24 * 60, ABSOLUTE_TIMEOUT_HOURS=72)
    with time_machine.travel(MONDAY_10AM, tick=False) as traveller:
        _sign_in_both(frontline, psychologist)
        raise_request(frontline)
        c = newest(session)
        url = f"/consultations/{c.id}"
        assert post_form(psychologist, f"{url}/take", page_url=url).status_code == 302
        assert newest(session).status == "allocated"

        traveller.shift(timedelta(hours=2))  # 12 noon: 2 working hours used
        post_form(psychologist, f"{url}/information", {"information-body": "Does she drink in the mornings?"}, page_url=url)
        c = newest(session)
        assert c.status == "awaiting_information" and c.due_at is None and c.used_seconds == 2 * 3600
        assert "Paused until you answer" in frontline.get("/consultations/mine").get_data(as_text=True)

        traveller.shift(timedelta(days=1))  # Tuesday noon: the paused day does not count
        post_form(frontline, f"{url}/reply", {"message-body": "Yes, from about 7am."}, page_url=url)
        c = newest(session)
        assert c.status == "allocated"
        # 16 working hours allowed, 2 used: 14 left from Tuesday noon is Thursday 10am.
        assert c.due_at.astimezone(LONDON) == datetime(2026, 11, 26, 10, 0, tzinfo=LONDON)

        post_form(psychologist, f"{url}/advice", {"advice-body": "Try **asking about mornings first**."}, page_url=url)
        assert newest(session).status == "advice_given"
        thread = frontline.get(url).get_data(as_text=True)
        assert "<strong>asking about mornings first</strong>" in thread

        closed = post_form(psychologist, f"{url}/close", {"close-outcome": "advice_only", "close-minutes_spent": "40"}, page_url=url)
        assert closed.status_code == 302
        c = newest(session)
        assert c.status == "closed" and c.outcome == "advice_only" and c.minutes_spent == 40

        survey = post_form(frontline, f"{url}/survey", {"survey-useful": "yes", "survey-more_confident": "yes",
                                                         "survey-what_happened_next": "She agreed to see her GP."}, page_url=url)
        assert survey.status_code == 302
    session.rollback()
    answers = session.get(CloseOutSurvey, c.id)
    assert (answers.useful, answers.more_confident) == ("yes", "yes")
    titles = session.scalars(select(Notification.title).where(
        Notification.person_id == person(session, "frontline").id).order_by(Notification.id)).all()
    assert [t.split(" (")[0] for t in titles] == [
        "Your request is waiting for the next duty psychologist",  # nobody is on the rota in this test
        "Your request has been allocated", "The psychologist needs more information", "Advice is ready",
        "Your request has been closed"]


def test_closing_without_advice_needs_a_referral_or_signposting(frontline, psychologist, session):
    raise_request(frontline)
    c = newest(session)
    url = f"/consultations/{c.id}"
    post_form(psychologist, f"{url}/take", page_url=url)
    refused = post_form(psychologist, f"{url}/close", {"close-outcome": "signposted", "close-minutes_spent": "10"}, page_url=url)
    assert refused.status_code == 200
    assert "a recommended referral or signposting" in refused.get_data(as_text=True)
    assert newest(session).status == "allocated"
    no_outcome = post_form(psychologist, f"{url}/close", {"close-minutes_spent": "ten"}, page_url=url)
    body = no_outcome.get_data(as_text=True)
    assert "Select an outcome" in body and "Enter the time you spent in minutes" in body
    done = post_form(psychologist, f"{url}/close", {"close-outcome": "signposted", "close-minutes_spent": "10",
                                                     "close-referral_or_signposting": "Local alcohol liaison nurse"},
                     page_url=url)
    assert done.status_code == 302 and newest(session).referral_or_signposting == "Local alcohol liaison nurse"


def test_after_the_worker_replies_to_advice_the_psychologist_can_add_to_it(frontline, psychologist, session):
    raise_request(frontline)
    c = newest(session)
    url = f"/consultations/{c.id}"
    post_form(psychologist, f"{url}/take", page_url=url)
    post_form(psychologist, f"{url}/advice", {"advice-body": "Ask about mornings first."}, page_url=url)
    post_form(frontline, f"{url}/reply", {"message-body": "She would not talk about mornings."}, page_url=url)
    page = psychologist.get(url).get_data(as_text=True)
    assert "Add to your advice" in page and "Send further advice" in page
    more = post_form(psychologist, f"{url}/advice", {"advice-body": "Then start with sleep instead."}, page_url=url)
    assert more.status_code == 302
    thread = frontline.get(url).get_data(as_text=True)
    assert "Ask about mornings first." in thread and "Then start with sleep instead." in thread
    session.rollback()
    assert newest(session).status == "advice_given"
    told = session.scalars(select(Notification.title).where(
        Notification.person_id == person(session, "frontline").id).order_by(Notification.id.desc())).first()
    assert told.startswith("More advice is ready")


def test_impossible_changes_are_refused_with_a_message_not_an_error(frontline, psychologist, session, app):
    raise_request(frontline)
    c = newest(session)
    url = f"/consultations/{c.id}"
    # Advice before anyone has taken it: only the allocated psychologist may advise.
    assert post_form(psychologist, f"{url}/advice", {"advice-body": "x"}, page_url=url).status_code == 403
    post_form(psychologist, f"{url}/take", page_url=url)
    other = app.test_client()
    sign_in(other, "other_psychologist")
    assert other.post(f"{url}/take", data={"csrf_token": csrf_from(other.get("/"))}).status_code == 403  # not involved
    post_form(psychologist, f"{url}/close", {"close-outcome": "signposted", "close-minutes_spent": "5",
                                             "close-referral_or_signposting": "GP"}, page_url=url)
    late = post_form(psychologist, f"{url}/advice", {"advice-body": "Late advice"}, page_url=url)
    assert late.status_code == 200 and "This request is closed" in late.get_data(as_text=True)


def test_the_state_machine():
    assert TRANSITIONS[Status.CLOSED] == set()
    check_transition("allocated", Status.ADVICE_GIVEN)
    for current, new in [("received", Status.ADVICE_GIVEN), ("closed", Status.ALLOCATED),
                         ("received", Status.CLOSED)]:
        with pytest.raises(TransitionRefused):
            check_transition(current, new)


def test_reassigning_needs_a_reason_and_tells_the_new_psychologist(frontline, psychologist, session):
    raise_request(frontline)
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
@pytest.mark.parametrize("key, on_duty, expected", [
    ("frontline", False, 200), ("team_lead", False, 200), ("psychologist", True, 200),
    ("psychologist", False, 403), ("other_psychologist", False, 403),
    ("admin", False, 404), ("other_frontline", False, 404), ("other_team_lead", False, 404), ("other_admin", False, 404),
])
def test_who_can_see_a_request(app, frontline, session, key, on_duty, expected):
    raise_request(frontline)
    c = newest(session)
    if on_duty:
        on_duty_throughout(session, key)
    client = app.test_client()
    sign_in(client, key)
    assert client.get(f"/consultations/{c.id}").status_code == expected
    session.rollback()
    action = {200: "consultation.viewed", 403: "consultation.need_to_know", 404: "consultation.not_found"}[expected]
    event_row = session.scalars(select(AuditEvent).where(AuditEvent.action == action)).one()
    assert event_row.actor_id == person(session, key).id and event_row.record_id == str(c.id)


def test_a_team_lead_sees_their_teams_requests_only(app, frontline, session):
    raise_request(frontline)
    other = app.test_client()
    sign_in(other, "other_frontline")
    raise_request(other, client_reference="ZZ-9")
    lead = app.test_client()
    sign_in(lead, "team_lead")
    page = lead.get("/consultations/team").get_data(as_text=True)
    assert "JB-0412" in page and "ZZ-9" not in page
    assert lead.get("/consultations/queue").status_code == 403


def test_frontline_staff_cannot_take_requests(app, frontline, session):
    raise_request(frontline)
    c = newest(session)
    assert post_form(frontline, f"/consultations/{c.id}/take", page_url="/").status_code == 403


# --- Lists stay fast ------------------------------------------------------------

def _bulk(session, requester_key: str, count: int) -> None:
    requester = person(session, requester_key)
    now = datetime.now(LONDON)
    for n in range(count):
        session.add(Consultation(
            requester_id=requester.id, organisation_id=requester.organisation_id, team_id=requester.teams[0].id,
            client_reference=f"BULK-{n}", consent_basis="pseudonymised", presenting_needs="alcohol",
            use_and_mental_health="x", urgency=["urgent", "soon", "routine"][n % 3], preferred_mode="written",
            question="x", target_seconds=3600, due_at=now + timedelta(hours=n), created_at=now,
            updated_at=now, status="allocated" if n % 2 else "received",
            psychologist_id=person(session, "psychologist").id if n % 2 else None))
    session.commit()


@pytest.mark.parametrize("url, key", [("/consultations/queue", "psychologist"), ("/consultations/mine", "frontline"),
                                      ("/consultations/team", "team_lead")])
def test_lists_run_the_same_number_of_queries_for_10_and_500_requests(app, session, url, key):
    client = app.test_client()
    sign_in(client, key)
    _bulk(session, "frontline", 10)
    few = count_queries(app, client, url)
    _bulk(session, "frontline", 490)
    many = count_queries(app, client, url)
    assert few == many
    page = client.get(url).get_data(as_text=True)
    assert "Page 1 of 20" in page


def test_the_queue_puts_urgent_first_then_the_soonest_due(app, session):
    on_duty_throughout(session, "psychologist")  # the pool is theirs to see
    _bulk(session, "frontline", 6)
    client = app.test_client()
    sign_in(client, "psychologist")
    page = client.get("/consultations/queue").get_data(as_text=True)
    order = re.findall(r"BULK-(\d+)", page)
    assert order == ["0", "3", "1", "4", "2", "5"]


def test_a_lists_reply_due_column_says_overdue_only_when_it_is(app, session):
    on_duty_throughout(session, "psychologist")  # the pool is theirs to see
    _bulk(session, "frontline", 2)  # BULK-0 was due as it was raised; BULK-1 is due an hour later
    client = app.test_client()
    sign_in(client, "psychologist")
    rows = _rows(client, "/consultations/queue")
    assert "nhsuk-tag--red\">Overdue" in rows["0"] and "Overdue" not in rows["1"]
    assert re.search(r"Reply due </span>\d{1,2} \w+ \d{4}, \d{1,2}:\d{2}(am|pm)", rows["1"])


def _rows(client, url: str) -> dict[str, str]:
    return {re.search(r"BULK-(\d+)", row).group(1): row
            for row in client.get(url).get_data(as_text=True).split("<tr")[1:] if "BULK-" in row}


def test_a_lists_rows_link_to_their_threads_and_say_who_asked_and_who_holds_them(app, session):
    on_duty_throughout(session, "psychologist")  # the pool is theirs to see
    _bulk(session, "frontline", 2)  # BULK-0 waits for a psychologist; BULK-1 is held by one
    frontline, psychologist = person(session, "frontline"), person(session, "psychologist")
    ids = dict(session.execute(select(Consultation.client_reference, Consultation.id)).all())
    client = app.test_client()
    sign_in(client, "psychologist")
    queue = _rows(client, "/consultations/queue")
    with app.test_request_context():
        link = url_for("consult.show", consultation_id=ids["BULK-1"])
    assert f'<a href="{link}">C{ids["BULK-1"]:06d}</a>' in queue["1"]
    assert f"Asked by </span>{frontline.name}, {frontline.teams[0].name}<" in queue["1"]
    assert f"Held by </span>{psychologist.name}<" in queue["1"] and "Held by </span>Duty psychologists<" in queue["0"]
    assert "Urgency and risks </span>Urgent " in queue["0"] and 'nhsuk-tag--grey">Received<' in queue["0"]
    sign_in(client, "frontline")
    mine = _rows(client, "/consultations/mine")
    assert set(mine) == {"0", "1"} and "Asked by" not in "".join(mine.values())


def test_the_queues_second_page_carries_on_where_the_first_stopped(app, session):
    """A page is chosen from the index before its rows are loaded; the pages still follow one order."""
    on_duty_throughout(session, "psychologist")  # the pool is theirs to see
    _bulk(session, "frontline", 30)
    client = app.test_client()
    sign_in(client, "psychologist")
    pages = [re.findall(r"BULK-(\d+)", client.get(f"/consultations/queue?page={n}").get_data(as_text=True))
             for n in (1, 2)]
    by_urgency = [str(n) for rank in range(3) for n in range(30) if n % 3 == rank]
    assert pages == [by_urgency[:25], by_urgency[25:]]


def test_the_queue_shows_a_psychologist_not_involved_only_a_summary_of_the_request(app, session):
    _bulk(session, "frontline", 2)  # BULK-0 waits in the pool; BULK-1 is held by the psychologist
    other = app.test_client()
    sign_in(other, "other_psychologist")  # neither holds them nor is on duty
    rows = {n: row for n, row in enumerate(other.get("/consultations/queue").get_data(as_text=True).split("<tr")[2:])}
    assert len(rows) == 2 and not any("BULK-" in row for row in rows.values())
    assert all("not shown: you are not involved in this request" in row for row in rows.values())
    psychologist = app.test_client()
    sign_in(psychologist, "psychologist")
    held = psychologist.get("/consultations/queue").get_data(as_text=True)
    assert "BULK-1" in held and "BULK-0" not in held  # theirs in full; the pool only while on duty


# --- Breaches ---------------------------------------------------------------------

def test_a_missed_target_is_escalated_once_to_the_lead_psychologist_and_team_lead(app, frontline, session):
    from consult.services import escalate_breaches
    from core.accounts.models import PersonRole
    lead = person(session, "psychologist")
    session.add(PersonRole(person_id=lead.id, role="lead_psychologist"))
    session.commit()
    with time_machine.travel(MONDAY_10AM, tick=False) as traveller:
        sign_in(frontline, "frontline")
        raise_request(frontline, urgency="urgent")  # due Monday 2pm
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
            raise_request(frontline, urgency="urgent", client_reference=f"R-{n}")
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
    raise_request(frontline)
    first = newest(session)
    post_form(psychologist, f"/consultations/{first.id}/take", page_url=f"/consultations/{first.id}")
    response = raise_request(frontline, client_reference="jb-0412", continuity="same")
    page = frontline.get(response.headers["Location"]).get_data(as_text=True)
    second = newest(session)
    assert second.status == "allocated" and second.psychologist_id == person(session, "psychologist").id
    assert "Psychologist, who advised you about jb-0412 before, has your request" in page
    assert session.scalar(select(Notification).where(
        Notification.person_id == second.psychologist_id, Notification.title.like("A consultation request is yours%")))


def test_continuity_goes_to_the_pool_when_the_psychologist_is_not_on_duty_soon(app, frontline, session):
    from consult.services import take
    raise_request(frontline)
    with app.app_context():
        take(session, newest(session), person(session, "psychologist"))  # they held it; they have no duty to come
        session.commit()
    raise_request(frontline, continuity="same")
    assert newest(session).status == "received"  # no duty for them within the wait


def test_continuity_with_no_earlier_psychologist_goes_to_the_duty_pool(frontline, session):
    response = raise_request(frontline, client_reference="NEW-1", continuity="same")
    page = frontline.get(response.headers["Location"]).get_data(as_text=True)
    assert newest(session).status == "received"
    assert "No psychologist has advised about NEW-1 before" in page


# --- Calls and follow-ups -------------------------------------------------------

def test_a_booked_call_is_seen_by_both_with_a_calendar_invitation(app, frontline, psychologist, session):
    from icalendar import Calendar
    app.config.update(IDLE_TIMEOUT_MINUTES=3 * 24 * 60, ABSOLUTE_TIMEOUT_HOURS=72)
    with time_machine.travel(MONDAY_10AM, tick=False):
        _sign_in_both(frontline, psychologist)
        raise_request(frontline)
        c = newest(session)
        url = f"/consultations/{c.id}"
        post_form(psychologist, f"{url}/take", page_url=url)
        past = post_form(psychologist, f"{url}/calls", {"call-day": "2026-11-20", "call-start": "14:30", "call-mode": "phone"},
                         page_url=url)
        assert "Choose a time in the future" in past.get_data(as_text=True)
        bad = post_form(psychologist, f"{url}/calls", {"call-day": "tomorrow", "call-start": "half two", "call-mode": "phone"},
                        page_url=url)
        assert "Enter a real date" in bad.get_data(as_text=True) and "like 14:30" in bad.get_data(as_text=True)
        booked = post_form(psychologist, f"{url}/calls", {"call-day": "2026-11-24", "call-start": "14:30", "call-mode": "video"},
                           page_url=url)
        assert booked.status_code == 302
        page = frontline.get(url).get_data(as_text=True)
        assert "24 November 2026, 2:30pm" in page and "Add to your calendar" in page
        link = re.search(r'href="(/consultations/\d+/calls/\d+\.ics)"', page).group(1)
        ics = frontline.get(link)
    assert ics.mimetype == "text/calendar"
    event_ = Calendar.from_ical(ics.data).walk("VEVENT")[0]
    assert event_["UID"].startswith("consultation-call-")
    assert event_.decoded("DTSTART") == datetime(2026, 11, 24, 14, 30, tzinfo=LONDON)
    assert "JB-0412" not in ics.get_data(as_text=True)  # the client reference stays on the platform
    session.rollback()
    assert session.scalar(select(Notification).where(Notification.title.like("A call has been booked%")))


def test_a_missed_call_creates_a_follow_up_for_the_requesters_team(app, frontline, psychologist, session):
    app.config.update(IDLE_TIMEOUT_MINUTES=3 * 24 * 60, ABSOLUTE_TIMEOUT_HOURS=72)
    with time_machine.travel(MONDAY_10AM, tick=False) as traveller:
        _sign_in_both(frontline, psychologist)
        raise_request(frontline)
        c = newest(session)
        url = f"/consultations/{c.id}"
        post_form(psychologist, f"{url}/take", page_url=url)
        post_form(psychologist, f"{url}/calls", {"call-day": "2026-11-24", "call-start": "09:30", "call-mode": "phone"}, page_url=url)
        call_url = re.search(r'action="(/consultations/\d+/calls/\d+)/outcome"',
                             psychologist.get(url).get_data(as_text=True))
        assert call_url is None  # cannot be marked before its time
        traveller.shift(timedelta(days=1))
        call_url = re.search(r'action="(/consultations/\d+/calls/\d+/outcome)"',
                             psychologist.get(url).get_data(as_text=True)).group(1)
        assert post_form(psychologist, call_url, {"outcome-attended": "no"}, page_url=url).status_code == 302
        again = post_form(psychologist, call_url, {"outcome-attended": "yes"}, page_url=url)
        assert "already been marked" in again.get_data(as_text=True)
        lead = app.test_client()
        sign_in(lead, "team_lead")
        team_page = lead.get("/consultations/team").get_data(as_text=True)
        assert "Follow-ups needed" in team_page and "was missed" in team_page
        done = re.search(r'action="(/consultations/follow-ups/\d+/done)"', team_page).group(1)
        assert post_form(lead, done, page_url="/consultations/team").status_code == 302
        assert "Follow-ups needed" not in lead.get("/consultations/team").get_data(as_text=True)
        other_lead = app.test_client()
        sign_in(other_lead, "other_team_lead")
        assert post_form(other_lead, done, page_url="/").status_code == 404
    session.rollback()
    told = session.scalars(select(Notification.person_id).where(
        Notification.title.like("Follow-up needed: call with the psychologist missed%"))).all()
    assert sorted(told) == sorted([person(session, "frontline").id, person(session, "team_lead").id])


def test_the_requester_and_the_psychologist_can_close_a_follow_up_for_a_team_with_no_lead(app, frontline, psychologist,
                                                                                           session):
    from consult.follow_ups import open_follow_up
    raise_request(frontline)
    c = newest(session)
    url = f"/consultations/{c.id}"
    post_form(psychologist, f"{url}/take", page_url=url)
    session.rollback()
    lead = person(session, "team_lead")
    session.execute(delete(TeamMembership).where(TeamMembership.person_id == lead.id))
    c = session.get(Consultation, c.id)
    first = open_follow_up(session, c, "re_engage", "Agree a plan to re-engage.", utcnow())
    second = open_follow_up(session, c, "missed_call", "The call was missed.", utcnow())
    session.commit()
    ids = (first.id, second.id)
    outsider = app.test_client()
    sign_in(outsider, "other_frontline")
    assert post_form(outsider, f"/consultations/follow-ups/{ids[0]}/done", page_url="/").status_code == 404
    for client, follow_up_id in ((frontline, ids[0]), (psychologist, ids[1])):
        page = client.get(url).get_data(as_text=True)
        assert f'action="/consultations/follow-ups/{follow_up_id}/done"' in page
        done = post_form(client, f"/consultations/follow-ups/{follow_up_id}/done", {"back": "request"}, page_url=url)
        assert done.status_code == 302 and done.headers["Location"].endswith(url)
    session.rollback()
    session.expire_all()
    assert [session.get(FollowUp, i).done_at is not None for i in ids] == [True, True]
    assert "/done" not in frontline.get(url).get_data(as_text=True)


# --- Who may move a request ------------------------------------------------------------------------

def _say_why(client, url: str, reason: str) -> None:
    """Break glass: a psychologist not involved says why they need to see the request."""
    response = post_form(client, f"{url}/access", {"access-reason": reason}, page_url=url)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


@pytest.mark.parametrize("state", ["awaiting_information", "advice_given"])
def test_nobody_can_take_a_request_another_psychologist_holds(app, frontline, psychologist, session, state):
    raise_request(frontline)
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
    from .factories import make_lead_psychologist
    lead = make_lead_psychologist(session, "other_psychologist")
    raise_request(frontline)
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
    raise_request(frontline)
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
    from .factories import make_lead_psychologist
    make_lead_psychologist(session, "psychologist")
    raise_request(frontline)  # nobody is on duty: it waits
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


def test_the_close_out_survey_is_a_service_answered_once_and_only_after_closing(app, session):
    from consult.follow_ups import answer_survey
    c = factories.raise_request(app, session)
    worker = person(session, "frontline")
    answers = {"useful": "yes", "more_confident": "no", "what_happened_next": "Booked with her GP."}
    with pytest.raises(TransitionRefused, match="opens once the request is closed"):
        answer_survey(session, c, worker, answers)
    session.rollback()
    c = factories.reload(session, c)
    c.status = Status.CLOSED.value
    answer_survey(session, c, worker, answers, now=factories.MONDAY_10AM)
    session.commit()
    with pytest.raises(TransitionRefused, match="already answered"):
        answer_survey(session, c, worker, answers)
    session.rollback()
    kept = session.get(CloseOutSurvey, c.id)
    assert (kept.useful, kept.more_confident, kept.what_happened_next) == ("yes", "no", "Booked with her GP.")
