"""Agreed actions: the psychologist agrees who does what by when, the worker sees them with the advice and ticks
them off, and open ones stay on the worker's and the team lead's pages until they are done."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from consult import actions, services
from consult.actions import MOST_PER_REQUEST
from consult.models import AgreedAction, Consultation
from core.timeutil import LONDON, format_day, utcnow
from governance.retention import remove_consultation_details
from tests.factories import MONDAY_10AM, raise_request, taken_request
from tests.pages import open_page
from tests.support import date_boxes, person, post_form, signed_in, told, two_schedulers_at_once


def _today():
    return utcnow().astimezone(LONDON).date()


def _agree(client, url: str, what: str, owner: str = "worker", due_on=None):
    data = {"action-what": what, "action-owner": owner, **(date_boxes("action-due_on", due_on) if due_on else {})}
    return post_form(client, f"{url}/actions", data, page_url=url)


def _actions(session) -> list[AgreedAction]:
    session.rollback()
    session.expire_all()
    return list(session.scalars(select(AgreedAction).order_by(AgreedAction.id)))


def test_the_worker_sees_the_agreed_actions_with_the_advice_and_on_their_own_page(app, session):
    frontline, psychologist, url = taken_request(app, session)
    post_form(psychologist, f"{url}/advice", {"advice-body": "Offer a morning check-in."}, page_url=url)
    due = _today() + timedelta(days=7)
    assert _agree(psychologist, url, "book a GP appointment about sleep", due_on=due).status_code == 302
    assert _agree(psychologist, url, "ask the hostel about a quieter room", owner="team").status_code == 302
    session.rollback()
    assert "An agreed action was added" in told(session, "frontline")[-1]
    page = open_page(frontline, "consult.show", consultation_id=int(url.rsplit("/", 1)[1]))
    shown = page.split('id="actions"', 1)[1].split("</ul>", 1)[0]
    assert "The worker</strong>: book a GP appointment about sleep, by " + format_day(due) in shown
    assert "The worker&#39;s team</strong>: ask the hostel about a quieter room." in shown
    mine = open_page(frontline, "consult.mine")
    assert "Agreed actions still to do" in mine
    # Due soonest first, then those with no date.
    assert mine.index("book a GP appointment") < mine.index("ask the hostel about a quieter room")
    assert "agreed an action: the worker to book a GP appointment" in page  # on the thread


def test_ticking_off_takes_it_off_the_lists_and_unticking_brings_it_back(app, session):
    frontline, psychologist, url = taken_request(app, session)
    _agree(psychologist, url, "book a GP appointment about sleep")
    action = _actions(session)[0]
    ticked = post_form(frontline, f"{url}/actions/{action.id}", {"done": "yes", "back": "mine"},
                       page_url="/consultations/mine")
    assert ticked.headers["Location"].endswith("/consultations/mine")
    assert _actions(session)[0].done_at is not None
    assert "Agreed actions still to do" not in open_page(frontline, "consult.mine")
    assert "Agreed actions still to do" not in open_page(signed_in(app, "team_lead"), "consult.team")
    assert "Done" in open_page(frontline, "consult.show", consultation_id=action.consultation_id)
    post_form(frontline, f"{url}/actions/{action.id}", {"done": "no"}, page_url=url)
    assert _actions(session)[0].done_at is None
    assert "book a GP appointment about sleep" in open_page(frontline, "consult.mine")


def test_the_team_lead_sees_open_and_overdue_actions_but_only_the_worker_or_psychologist_ticks_them(app, session):
    frontline, psychologist, url = taken_request(app, session)
    _agree(psychologist, url, "book a GP appointment about sleep", due_on=_today())
    action = _actions(session)[0]
    session.execute(update(AgreedAction).values(due_on=_today() - timedelta(days=2)))  # the date has passed
    session.commit()
    lead = signed_in(app, "team_lead")
    team = open_page(lead, "consult.team")
    listed = team.split("Agreed actions still to do", 1)[1].split("</ul>", 1)[0]
    assert "Overdue" in listed and "asked by Frontline" in listed and "book a GP appointment" in listed
    refused = post_form(lead, f"{url}/actions/{action.id}", {"done": "yes"}, page_url=url)
    assert refused.status_code == 403 and "Only the worker who asked" in refused.get_data(as_text=True)
    elsewhere = post_form(signed_in(app, "other_frontline"), f"{url}/actions/{action.id}", {"done": "yes"},
                          page_url="/consultations/mine")
    assert elsewhere.status_code == 404
    assert _actions(session)[0].done_at is None
    assert post_form(psychologist, f"{url}/actions/{action.id}", {"done": "yes"}, page_url=url).status_code == 302
    assert _actions(session)[0].done_at is not None


def test_an_action_with_an_identifier_or_a_past_date_is_refused_and_what_was_typed_kept(app, session):
    _, psychologist, url = taken_request(app, session)
    named = _agree(psychologist, url, "ring NHS number 943 476 5919 about sleep")
    body = named.get_data(as_text=True)
    assert "There is a problem" in body and "looks like an NHS number" in body
    assert 'value="ring NHS number 943 476 5919 about sleep"' in body
    past = _agree(psychologist, url, "book a GP appointment", due_on=_today() - timedelta(days=1))
    assert "The date to do it by must be today or later" in past.get_data(as_text=True)
    nobody = post_form(psychologist, f"{url}/actions", {"action-what": "book it", "action-owner": "the_cat"},
                       page_url=url)
    assert "Choose who will do it from the list" in nobody.get_data(as_text=True)
    assert _actions(session) == []


def test_a_request_carries_a_short_list_and_only_its_holder_adds_to_it(app, session):
    frontline, psychologist, url = taken_request(app, session)
    for n in range(MOST_PER_REQUEST):
        _agree(psychologist, url, f"step {n + 1}")
    one_more = _agree(psychologist, url, "one step too many")
    assert f"up to {MOST_PER_REQUEST} agreed actions" in one_more.get_data(as_text=True)
    assert post_form(frontline, f"{url}/actions", {"action-what": "my own", "action-owner": "worker"},
                     page_url=url).status_code == 403
    assert len(_actions(session)) == MOST_PER_REQUEST


def test_retention_removes_the_actions_with_the_rest_of_the_details(app, session):
    frontline, psychologist, url = taken_request(app, session)
    _agree(psychologist, url, "book a GP appointment about sleep")
    c_id = _actions(session)[0].consultation_id
    session.execute(update(Consultation).where(Consultation.id == c_id)
                    .values(status="closed", closed_at=utcnow() - timedelta(days=400)))
    session.commit()
    with app.app_context():
        assert remove_consultation_details(session, "secret", utcnow() - timedelta(days=365), utcnow()) == 1
        session.commit()
    assert _actions(session) == []


# --- Overdue -----------------------------------------------------------------------

def _overdue_actions(app, s, count: int) -> None:
    """`count` requests, each held with one action whose date passed yesterday, in their own committed session."""
    psychologist = person(s, "psychologist")
    for n in range(count):
        c = raise_request(app, s, client_reference=f"Q-{n}")
        with app.app_context():
            services.take(s, c, psychologist, MONDAY_10AM)
            actions.agree(s, c, psychologist, f"book the GP {n}", "worker", MONDAY_10AM.date(), MONDAY_10AM)
            s.commit()


def test_an_overdue_action_tells_the_worker_once_the_day_after_its_date(app, session):
    _overdue_actions(app, session, 1)
    with app.app_context():
        assert actions.remind_overdue(session, MONDAY_10AM + timedelta(hours=13)) == 0  # 11pm: still its day
        assert actions.remind_overdue(session, MONDAY_10AM + timedelta(hours=14, minutes=1)) == 1  # past midnight
        assert actions.remind_overdue(session, MONDAY_10AM + timedelta(days=2)) == 0  # once
        session.commit()
    overdue = [t for t in told(session, "frontline") if "overdue" in t]
    assert overdue == ["An agreed action is overdue (C000001)"]


def test_an_action_ticked_off_in_time_is_not_chased(app, session):
    _overdue_actions(app, session, 1)
    with app.app_context():
        c = session.get(Consultation, 1)
        actions.tick(session, c, _actions(session)[0], person(session, "frontline"), True, MONDAY_10AM)
        assert actions.remind_overdue(session, MONDAY_10AM + timedelta(days=1)) == 0


def _two_sweeps_at_once(app, count: int) -> list[int]:
    factory = app.extensions["database"]["session_factory"]
    with factory() as s:
        _overdue_actions(app, s, count)
    counts = two_schedulers_at_once(app, lambda s: actions.remind_overdue(s, MONDAY_10AM + timedelta(days=1)))
    with factory() as s:
        assert len([t for t in told(s, "frontline") if "overdue" in t]) == count
    return counts


def test_two_schedulers_tell_of_each_overdue_action_once(app):
    assert sum(_two_sweeps_at_once(app, 4)) == 4


@pytest.mark.postgres
def test_two_schedulers_tell_of_each_overdue_action_once_on_postgresql(pg_app):
    assert sum(_two_sweeps_at_once(pg_app, 4)) == 4
