"""Who sees a request, and the lists: the queue, a worker's own, a team lead's; their order, pages and cost."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from consult.models import Consultation
from core.audit import AuditEvent
from core.timeutil import LONDON
from tests.factories import newest, on_duty_throughout, post_request
from tests.pages import open_page
from tests.support import count_queries, person, post_form, sign_in


@pytest.mark.parametrize("key, on_duty, expected", [
    ("frontline", False, 200), ("team_lead", False, 200), ("psychologist", True, 200),
    ("psychologist", False, 403), ("other_psychologist", False, 403),
    ("admin", False, 404), ("other_frontline", False, 404), ("other_team_lead", False, 404), ("other_admin", False, 404),
])


def test_who_can_see_a_request(app, frontline, session, key, on_duty, expected):
    post_request(frontline)
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
    post_request(frontline)
    other = app.test_client()
    sign_in(other, "other_frontline")
    post_request(other, client_reference="ZZ-9")
    lead = app.test_client()
    sign_in(lead, "team_lead")
    page = open_page(lead, "consult.team")
    assert "JB-0412" in page and "ZZ-9" not in page
    open_page(lead, "consult.queue", status=403)


def test_frontline_staff_cannot_take_requests(app, frontline, session):
    post_request(frontline)
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
    page = open_page(client, "consult.queue")
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
    pages = [re.findall(r"BULK-(\d+)", open_page(client, "consult.queue", page=n))
             for n in (1, 2)]
    by_urgency = [str(n) for rank in range(3) for n in range(30) if n % 3 == rank]
    assert pages == [by_urgency[:25], by_urgency[25:]]


def test_the_queue_shows_a_psychologist_not_involved_only_a_summary_of_the_request(app, session):
    _bulk(session, "frontline", 2)  # BULK-0 waits in the pool; BULK-1 is held by the psychologist
    other = app.test_client()
    sign_in(other, "other_psychologist")  # neither holds them nor is on duty
    rows = {n: row for n, row in enumerate(open_page(other, "consult.queue").split("<tr")[2:])}
    assert len(rows) == 2 and not any("BULK-" in row for row in rows.values())
    assert all("not shown: you are not involved in this request" in row for row in rows.values())
    psychologist = app.test_client()
    sign_in(psychologist, "psychologist")
    held = open_page(psychologist, "consult.queue")
    assert "BULK-1" in held and "BULK-0" not in held  # theirs in full; the pool only while on duty


# --- Breaches ---------------------------------------------------------------------
