"""Overdue supervision: told once to the supervisee, the supervisor and the supervisee's team lead; the team
lead's compliance view shows dates and never content; lead psychologists see who supervises whom."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine

from core.timeutil import LONDON
from supervision.one_to_one import overdue, records, sessions
from tests.factories import agreement_in_force, supervision_sessions
from tests.pages import open_page
from tests.support import at_moment, committed, person, sign_in, told, two_schedulers_at_once

OVERDUE_TITLES = {"frontline": "Your supervision is overdue",
                  "psychologist": "Supervision with Frontline is overdue",
                  "team_lead": "Frontline's supervision is overdue"}


def _overdue_told(session) -> dict:
    return {key: [t for t in told(session, key) if t.endswith("overdue")] for key in OVERDUE_TITLES}


def test_overdue_supervision_is_told_to_the_three_people_once(app, session):
    agreement = agreement_in_force(app, session)  # the first session due on 30 November
    assert overdue.standing(agreement, date(2026, 11, 20)) == "due soon"
    assert overdue.standing(agreement, date(2026, 12, 7)) == "due soon"  # a week's grace to write the record
    week_after = datetime(2026, 12, 8, 9, 0, tzinfo=LONDON)
    assert overdue.standing(agreement, week_after.date()) == "overdue"
    results = two_schedulers_at_once(app, lambda s: overdue.tell_overdue(s, week_after))
    assert sorted(results) == [0, 1]
    assert committed(session, overdue.tell_overdue(session, week_after + timedelta(days=1))) == 0
    session.rollback()
    assert _overdue_told(session) == {key: [title] for key, title in OVERDUE_TITLES.items()}
    assert "other_team_lead" not in [t for t in told(session, "other_team_lead") if t.endswith("overdue")]


def test_a_recorded_session_puts_supervision_back_on_track_until_the_next_is_missed(app, session):
    agreement = agreement_in_force(app, session)
    held = supervision_sessions(session, agreement)[0]
    written = datetime(2026, 12, 1, 9, 0, tzinfo=LONDON)
    at_moment(written, app, session, lambda: records.write(
        session, held, person(session, "psychologist"), {"caseload": "Steady.", "wellbeing": "", "learning": ""},
        [], [], now=written))
    session.refresh(agreement)
    assert agreement.next_due_on == date(2026, 12, 14)
    assert committed(session, overdue.tell_overdue(session, datetime(2026, 12, 15, 9, 0, tzinfo=LONDON))) == 0
    missed = datetime(2026, 12, 22, 9, 0, tzinfo=LONDON)
    assert committed(session, overdue.tell_overdue(session, missed)) == 1
    assert committed(session, overdue.tell_overdue(session, missed + timedelta(days=3))) == 0


def test_the_team_leads_compliance_view_shows_dates_and_never_what_was_discussed(app, session):
    agreement = agreement_in_force(app, session)
    held = supervision_sessions(session, agreement)[0]
    written = datetime(2026, 12, 1, 9, 0, tzinfo=LONDON)
    at_moment(written, app, session, lambda: records.write(
        session, held, person(session, "psychologist"),
        {"caseload": "Struggling with the caseload since the service cut.", "wellbeing": "Not sleeping.",
         "learning": ""}, [records.CaseDiscussed("JB-0412", None, "Mornings are hardest.")], [], now=written))
    with time_machine.travel(datetime(2026, 12, 2, 9, 0, tzinfo=LONDON), tick=True):
        client = app.test_client()
        sign_in(client, "team_lead")
        page = open_page(client, "one_to_one.team")
        assert "Frontline" in page and "30 November 2026" in page and "14 December 2026" in page
        for content in ("Struggling", "Not sleeping", "JB-0412", "Mornings", "Psychologist"):
            assert content not in page
        open_page(client, "one_to_one.session", status=404, session_id=held.id)
        open_page(client, "one_to_one.agreement", status=404, agreement_id=agreement.id)
        lead = app.test_client()
        sign_in(lead, "other_team_lead")  # leads another organisation's team: their member is not in supervision
        assert ">Frontline<" not in open_page(lead, "one_to_one.team")


def test_lead_psychologists_see_who_supervises_whom_and_nobody_else_does(app, session):
    from tests.factories import make_lead_psychologist

    agreement_in_force(app, session)
    make_lead_psychologist(session, "other_psychologist")
    client = app.test_client()
    sign_in(client, "other_psychologist")
    page = open_page(client, "one_to_one.who_supervises_whom")
    assert "Psychologist" in page and "Frontline" in page and "Caseload" not in page
    client = app.test_client()
    sign_in(client, "psychologist")
    open_page(client, "one_to_one.who_supervises_whom", status=403)


@pytest.mark.postgres
def test_two_schedulers_tell_overdue_supervision_and_invite_once_on_postgresql(pg_app):
    factory = pg_app.extensions["database"]["session_factory"]
    with factory() as s:
        agreement_in_force(pg_app, s)
        agreement_in_force(pg_app, s, supervisee="team_lead")
    week_after = datetime(2026, 12, 8, 9, 0, tzinfo=LONDON)
    assert sum(two_schedulers_at_once(pg_app, lambda s: overdue.tell_overdue(s, week_after))) == 2
    later = week_after + timedelta(days=7)  # 28 December's and 11 January's sessions come within four weeks
    assert sum(two_schedulers_at_once(pg_app, lambda s: sessions.invite_due(s, later))) == 4
    with factory() as s:
        # The team lead is told once as Frontline's lead, and once about their own supervision.
        assert sorted(_overdue_told(s)["team_lead"]) == ["Frontline's supervision is overdue",
                                                         "Your supervision is overdue"]


def test_both_are_reminded_of_the_review_date_once_and_a_new_version_sets_the_next(app, session):
    from supervision.one_to_one import agreements
    from tests.factories import SUPERVISION_TERMS

    agreement = agreement_in_force(app, session, review_on=date(2027, 1, 25))
    before = datetime(2027, 1, 24, 9, 0, tzinfo=LONDON)
    assert committed(session, overdue.tell_review_due(session, before)) == 0
    on_the_day = datetime(2027, 1, 25, 9, 0, tzinfo=LONDON)
    assert committed(session, overdue.tell_review_due(session, on_the_day)) == 1
    assert committed(session, overdue.tell_review_due(session, on_the_day + timedelta(days=1))) == 0
    for key in ("frontline", "psychologist"):
        assert told(session, key).count("Time to review your supervision agreement") == 1
    renewed = {**SUPERVISION_TERMS, "review_on": date(2027, 7, 26)}
    at_moment(on_the_day, app, session, lambda: agreements.propose_change(
        session, agreement, person(session, "psychologist"), renewed, "Reviewed: no changes", on_the_day))
    at_moment(on_the_day, app, session, lambda: agreements.accept(
        session, agreement, 2, person(session, "frontline"), on_the_day))
    assert committed(session, overdue.tell_review_due(session, on_the_day + timedelta(days=2))) == 0
    assert committed(session, overdue.tell_review_due(session, datetime(2027, 7, 26, 9, 0, tzinfo=LONDON))) == 1
