"""Pages that state a fact state what happened: the confirmation after a request, in each of its branches;
advice is never read as a referral made; and a stopped scheduler is seen by those who can restart it."""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from core.scheduler import run_sweep, sweeps_of
from core.timeutil import utcnow
from tests.factories import FORM, MONDAY_10AM, make_lead_psychologist, put_on_duty, raise_request
from tests.pages import open_page
from tests.support import person, post_form, sign_in


def _confirmation(app, at=MONDAY_10AM, **changes) -> str:
    """Raise a request through the form at a given time and read the page that follows."""
    with time_machine.travel(at, tick=False):
        worker = app.test_client()
        sign_in(worker, "frontline")
        sent = post_form(worker, "/consultations/new", {**FORM, **changes})
        assert sent.status_code == 302, sent.get_data(as_text=True)
        page = worker.get(sent.headers["Location"]).get_data(as_text=True)
    return page.split('id="maincontent"', 1)[1]


def test_allocated_from_the_duty_pool_it_says_the_duty_psychologist_has_it_not_that_they_advised_before(app, session):
    put_on_duty(app, session, "psychologist")
    page = _confirmation(app)
    assert "Psychologist, the duty psychologist, has your request." in page
    assert "advised you" not in page


def test_continuity_that_placed_it_says_so(app, session):
    put_on_duty(app, session, "psychologist")
    raise_request(app, session)  # the psychologist holds the first request about JB-0412
    page = _confirmation(app, continuity="same")
    assert "Psychologist, who advised you about JB-0412 before, has your request." in page


def test_continuity_that_could_not_place_it_says_why_and_where_it_went(app, session):
    put_on_duty(app, session, "psychologist")
    raise_request(app, session)  # the psychologist advised before...
    put_on_duty(app, session, "other_psychologist", day=MONDAY_10AM.date() + timedelta(days=7))
    later = MONDAY_10AM + timedelta(days=7)  # ...but is not on duty a week later; the other psychologist is
    page = _confirmation(app, at=later, continuity="same")
    assert "Psychologist, who advised you about JB-0412 before, is not on duty soon" in page
    assert "Other Psychologist, the duty psychologist, has your request." in page


def test_continuity_with_nobody_before_says_so(app, session):
    put_on_duty(app, session, "psychologist")
    page = _confirmation(app, continuity="same", client_reference="NEW-1")
    assert "No psychologist has advised about NEW-1 before" in page
    assert "Psychologist, the duty psychologist, has your request." in page


def test_everyone_on_duty_at_their_limit_is_said_plainly(app, session):
    put_on_duty(app, session, "psychologist", capacity=0)
    page = _confirmation(app)
    assert "The psychologists on duty have reached today's limit" in page
    assert "Nobody is on duty" not in page


def test_nobody_on_duty_says_when_the_next_duty_starts_or_that_none_is_planned(app, session):
    assert "No duty is planned yet" in _confirmation(app)
    put_on_duty(app, session, "psychologist", day=MONDAY_10AM.date() + timedelta(days=1))
    page = _confirmation(app, client_reference="JB-9")
    assert "Nobody is on duty right now." in page and "24 November 2026, 9:00am" in page


def test_an_urgent_request_says_who_was_told_and_by_when_it_must_be_acknowledged(app, session):
    make_lead_psychologist(session, "other_psychologist")
    page = _confirmation(app, immediate_danger="yes", urgency="")
    assert "Nobody is on duty: Other Psychologist told at once." in page
    assert "Immediate danger reported: Team Lead (team lead) told at once." in page
    assert "a psychologist must acknowledge it by <strong>23 November 2026, 10:30am</strong>" in page
    put_on_duty(app, session, "psychologist")
    page = _confirmation(app, urgency="urgent", client_reference="JB-7")
    assert "Psychologist, the duty psychologist, has your request." in page and "told at once" not in page


def test_a_recommended_referral_is_the_workers_to_make(app, session):
    from consult.services import close, give_advice
    from tests.factories import reload
    put_on_duty(app, session, "psychologist")
    c = raise_request(app, session)
    with app.app_context():
        c, psychologist = reload(session, c), person(session, "psychologist")
        give_advice(session, c, psychologist, "Refer to the CMHT.", MONDAY_10AM)
        close(session, c, psychologist, "referral_recommended", 30, "Community mental health team, via the GP",
              MONDAY_10AM)
        session.commit()
    with time_machine.travel(MONDAY_10AM + timedelta(minutes=1), tick=False):
        worker = app.test_client()
        sign_in(worker, "frontline")
        page = open_page(worker, "consult.show", consultation_id=c.id)
    assert "Community mental health team, via the GP (the worker makes any referral)" in page
    assert "No referral has been made" in page


# --- A stopped scheduler is visible -------------------------------------------------------------

@pytest.mark.parametrize("key, warned", [("admin", True), ("frontline", False), ("psychologist", False)])
def test_a_stopped_scheduler_shows_a_banner_to_lead_psychologists_and_admins(app, session, key, warned):
    client = app.test_client()
    sign_in(client, key)
    page = open_page(client, "core.home")
    assert ("Messages and escalations are not going out" in page) is warned
    with app.app_context():
        run_sweep(app, sweeps_of(app)["heartbeat"])
    assert "Messages and escalations are not going out" not in open_page(client, "core.home")


def test_the_banner_names_when_the_scheduler_last_ran_and_the_lead_psychologist_sees_it(app, session):
    make_lead_psychologist(session, "psychologist")
    with app.app_context():
        run_sweep(app, sweeps_of(app)["heartbeat"])
    with time_machine.travel(utcnow() + timedelta(minutes=10), tick=False):
        client = app.test_client()
        sign_in(client, "psychologist")
        page = open_page(client, "consult.queue")
    assert "the scheduler last ran" in page


def test_the_health_check_answers_503_while_the_scheduler_is_stale_or_has_never_run(app, session, client):
    open_page(client, "core.healthz", status=503)
    with app.app_context():
        run_sweep(app, sweeps_of(app)["heartbeat"])
    open_page(client, "core.healthz", status=200)
    with time_machine.travel(utcnow() + timedelta(minutes=5)):
        stale = client.get("/healthz")
    assert stale.status_code == 503 and stale.get_json()["scheduler"]["status"] == "stale"


def test_immediate_danger_never_waits_on_another_answer(app, session):
    with time_machine.travel(MONDAY_10AM, tick=False):
        worker = app.test_client()
        sign_in(worker, "frontline")
        blank = post_form(worker, "/consultations/new", {**FORM, "urgency": ""})
        sent = post_form(worker, "/consultations/new", {**FORM, "urgency": "", "immediate_danger": "yes"})
    assert "Select how soon you need a reply" in blank.get_data(as_text=True)  # without danger it is asked for
    assert sent.status_code == 302


def test_the_consent_choice_says_pseudonymised_for_what_is_kept(app):
    worker = app.test_client()
    sign_in(worker, "frontline")
    form = open_page(worker, "consult.new")
    assert 'value="pseudonymised"' in form and "only a pseudonymised reference" in form
    assert 'value="anonymous"' not in form


def test_continuity_never_matches_a_similar_reference_or_another_organisations_client(app, session):
    put_on_duty(app, session, "psychologist")
    put_on_duty(app, session, "other_psychologist")
    raise_request(app, session, key="other_frontline")  # JB-0412 in another organisation, with its psychologist
    earlier = raise_request(app, session, client_reference="JB-0421")  # a similar reference here
    page = _confirmation(app, continuity="same", client_reference="JB-0412")
    assert "No psychologist has advised about JB-0412 before" in page
    from tests.factories import reload
    assert reload(session, earlier).psychologist_id is not None
    page = _confirmation(app, continuity="same", client_reference=" jb-0421 ")
    assert "who advised you about jb-0421 before, has your request." in page  # the same reference, however typed


def test_a_fresh_heartbeat_is_not_looked_up_again_until_it_could_have_gone_stale(app, session):
    from tests.support import count_queries
    with app.app_context():
        run_sweep(app, sweeps_of(app)["heartbeat"])
    client = app.test_client()
    sign_in(client, "admin")
    first, second = count_queries(app, client, "/"), count_queries(app, client, "/")
    assert second == first - 1  # the beat seen fresh on the first page is not read again on the second
    with time_machine.travel(utcnow() + timedelta(minutes=3), tick=False):
        sign_in(client, "admin")
        assert "the scheduler last ran" in open_page(client, "core.home")
