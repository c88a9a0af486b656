"""The conversation on a request: information asked for, advice, closing, calls, follow-ups and the close-out survey."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import delete, select

from consult.models import CloseOutSurvey, Consultation, FollowUp, Status
from consult.states import TRANSITIONS, TransitionRefused, check_transition
from core.accounts.models import TeamMembership
from core.notifications import Notification
from core.timeutil import LONDON, utcnow
from tests import factories
from tests.factories import MONDAY_10AM, newest, post_request
from tests.pages import open_page
from tests.support import csrf_from, person, post_form, sign_in, sign_in_both


def test_the_whole_path_with_the_clock_paused_while_awaiting_information(app, frontline, psychologist, session):
    # The story spans two days; keep both people signed in throughout.
    app.config.update(IDLE_TIMEOUT_MINUTES=3 * 24 * 60, ABSOLUTE_TIMEOUT_HOURS=72)
    with time_machine.travel(MONDAY_10AM, tick=False) as traveller:
        sign_in_both(frontline, psychologist)
        post_request(frontline)
        c = newest(session)
        url = f"/consultations/{c.id}"
        assert post_form(psychologist, f"{url}/take", page_url=url).status_code == 302
        assert newest(session).status == "allocated"

        traveller.shift(timedelta(hours=2))  # 12 noon: 2 working hours used
        post_form(psychologist, f"{url}/information", {"information-body": "Does she drink in the mornings?"}, page_url=url)
        c = newest(session)
        assert c.status == "awaiting_information" and c.due_at is None and c.used_seconds == 2 * 3600
        assert "Paused until you answer" in open_page(frontline, "consult.mine")

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

        survey = post_form(frontline, f"{url}/survey", {
            "survey-useful": "yes", "survey-more_confident": "yes", "survey-without_advice": "secondary_mental_health",
            "survey-confidence_before": "2", "survey-confidence_now": "4",
            "survey-what_happened_next": "She agreed to see her GP."}, page_url=url)
        assert survey.status_code == 302
    session.rollback()
    answers = session.get(CloseOutSurvey, c.id)
    assert (answers.useful, answers.more_confident) == ("yes", "yes")
    assert (answers.without_advice, answers.confidence_before, answers.confidence_now) == ("secondary_mental_health", 2, 4)
    titles = session.scalars(select(Notification.title).where(
        Notification.person_id == person(session, "frontline").id).order_by(Notification.id)).all()
    assert [t.split(" (")[0] for t in titles] == [
        "Your request is waiting for the next duty psychologist",  # nobody is on the rota in this test
        "Your request has been allocated", "The psychologist needs more information", "Advice is ready",
        "Your request has been closed"]


def test_closing_without_advice_needs_a_referral_or_signposting(frontline, psychologist, session):
    post_request(frontline)
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
    post_request(frontline)
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
    post_request(frontline)
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


def test_a_booked_call_is_seen_by_both_with_a_calendar_invitation(app, frontline, psychologist, session):
    from icalendar import Calendar
    app.config.update(IDLE_TIMEOUT_MINUTES=3 * 24 * 60, ABSOLUTE_TIMEOUT_HOURS=72)
    with time_machine.travel(MONDAY_10AM, tick=False):
        sign_in_both(frontline, psychologist)
        post_request(frontline)
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
        sign_in_both(frontline, psychologist)
        post_request(frontline)
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
        team_page = open_page(lead, "consult.team")
        assert "Follow-ups needed" in team_page and "was missed" in team_page
        done = re.search(r'action="(/consultations/follow-ups/\d+/done)"', team_page).group(1)
        assert post_form(lead, done, page_url="/consultations/team").status_code == 302
        assert "Follow-ups needed" not in open_page(lead, "consult.team")
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
    post_request(frontline)
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
