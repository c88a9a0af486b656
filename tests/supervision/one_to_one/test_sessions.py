"""Supervision sessions: each invitation sent to both people once, four weeks ahead; a session moved or
cancelled alone, with its invitation updated or withdrawn; reminders before it."""
from __future__ import annotations

from datetime import datetime, timedelta

from core.refusals import attempt
from core.timeutil import LONDON
from supervision.one_to_one import sessions
from tests.factories import MONDAY_10AM, agreement_in_force, supervision_sessions
from tests.support import at_moment, calendar_event, committed, mail_to, person, told, two_schedulers_at_once


def test_each_invitation_goes_to_both_people_once_four_weeks_ahead(app, session):
    agreement = agreement_in_force(app, session)
    made = supervision_sessions(session, agreement)
    # Accepting sent the invitations of the sessions within four weeks: 30 November and 14 December.
    assert [s.invited_at is not None for s in made] == [True, True, False, False, False, False]
    for key in ("frontline", "psychologist"):
        invitations = mail_to(session, key, "Supervision:")
        assert len(invitations) == 2
        invite, event = calendar_event(invitations[0])
        assert invite["method"] == "REQUEST" and event["uid"] == f"supervision-session-{made[0].id}@localhost"
    later = MONDAY_10AM + timedelta(days=14)
    results = two_schedulers_at_once(app, lambda s: sessions.invite_due(s, later))
    assert sorted(results) == [0, 1]  # 28 December, sent by one of the two
    session.rollback()
    assert len(mail_to(session, "frontline", "Supervision:")) == 3


def test_moving_one_session_updates_its_invitation_and_leaves_the_rest(app, session):
    agreement = agreement_in_force(app, session)
    first, second = supervision_sessions(session, agreement)[:2]
    new_start = datetime(2026, 12, 1, 11, 0, tzinfo=LONDON)
    at_moment(MONDAY_10AM, app, session, lambda: sessions.move(
        session, first, person(session, "frontline"), new_start, "Clinic on Monday", MONDAY_10AM))
    session.refresh(first)
    session.refresh(second)
    assert first.starts_at == new_start and first.ends_at == new_start + timedelta(hours=1)
    assert second.starts_at.astimezone(LONDON).strftime("%d %H:%M") == "14 14:00"
    invite, event = calendar_event(mail_to(session, "psychologist", "Moved: supervision")[0])
    assert invite["method"] == "REQUEST" and event["sequence"] == 1
    assert event["uid"] == f"supervision-session-{first.id}@localhost"
    # The person who moved it gets the updated invitation too, so their own calendar follows.
    assert len(mail_to(session, "frontline", "Moved: supervision")) == 1


def test_cancelling_one_session_withdraws_its_invitation(app, session):
    agreement = agreement_in_force(app, session)
    first = supervision_sessions(session, agreement)[0]
    at_moment(MONDAY_10AM, app, session, lambda: sessions.cancel(
        session, first, person(session, "psychologist"), "Off sick", MONDAY_10AM))
    invite, event = calendar_event(mail_to(session, "frontline", "Cancelled: supervision")[0])
    assert invite["method"] == "CANCEL" and str(event["status"]) == "CANCELLED" and event["sequence"] == 1
    _, refusal = attempt(session, lambda: sessions.move(
        session, first, person(session, "psychologist"), MONDAY_10AM + timedelta(days=3), now=MONDAY_10AM))
    assert refusal == "This session has already been cancelled."


def test_only_the_two_people_change_a_session_and_not_once_it_has_started(app, session):
    agreement = agreement_in_force(app, session)
    first = supervision_sessions(session, agreement)[0]
    _, refusal = attempt(session, lambda: sessions.cancel(session, first, person(session, "team_lead"),
                                                          now=MONDAY_10AM))
    assert refusal.startswith("Only the two people")
    _, refusal = attempt(session, lambda: sessions.cancel(session, first, person(session, "frontline"),
                                                          now=first.starts_at + timedelta(minutes=5)))
    assert "already started" in refusal


def test_both_people_are_reminded_once_and_again_after_a_move(app, session):
    agreement = agreement_in_force(app, session)
    first = supervision_sessions(session, agreement)[0]
    day_before = first.starts_at - timedelta(hours=20)
    assert committed(session, sessions.send_reminders(session, [24], day_before)) == 1
    assert committed(session, sessions.send_reminders(session, [24], day_before + timedelta(hours=1))) == 0
    assert [t for t in told(session, "frontline") if t.startswith("Reminder")] == ["Reminder: supervision tomorrow at 2:00pm"]
    at_moment(day_before, app, session, lambda: sessions.move(
        session, first, person(session, "psychologist"), first.starts_at + timedelta(hours=1), now=day_before))
    assert committed(session, sessions.send_reminders(session, [24], day_before)) == 1
