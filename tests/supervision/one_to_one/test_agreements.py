"""Supervision agreements: offered by a psychologist, accepted by the supervisee, changed by versions both
accept, ended by either; and the sessions their rhythm gives, in London's wall-clock time."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from core.refusals import attempt
from core.timeutil import LONDON
from supervision.one_to_one import agreements, sessions
from supervision.one_to_one.models import AgreementVersion, SupervisionAgreement
from tests.factories import MONDAY_10AM, SUPERVISION_TERMS, agreement_in_force, supervision_sessions
from tests.support import at_moment, calendar_event, mail_to, person, told


def _scheduled(session, agreement):
    return [s for s in supervision_sessions(session, agreement) if s.status == "scheduled"]


def test_an_offer_holds_once_the_supervisee_accepts_it_and_its_sessions_are_made(app, session):
    offered = at_moment(MONDAY_10AM, app, session, lambda: agreements.offer(
        session, person(session, "psychologist"), person(session, "frontline"), SUPERVISION_TERMS, MONDAY_10AM))
    assert offered.status == "offered" and supervision_sessions(session, offered) == []
    assert told(session, "frontline")[-1].endswith("offers you a supervision agreement")
    at_moment(MONDAY_10AM, app, session, lambda: agreements.accept(
        session, offered, 1, person(session, "frontline"), MONDAY_10AM))
    session.refresh(offered)
    assert (offered.status, offered.version, offered.next_due_on) == ("active", 1, date(2026, 11, 30))
    made = supervision_sessions(session, offered)
    # Every other Monday from 30 November for twelve weeks ahead, at 14:00 in London.
    assert [s.occurrence for s in made] == [date(2026, 11, 30) + timedelta(weeks=2 * n) for n in range(6)]
    assert {s.starts_at.astimezone(LONDON).strftime("%H:%M") for s in made} == {"14:00"}
    assert told(session, "psychologist")[-1] == f"{person(session, 'frontline').name} accepted the supervision agreement"


def test_only_the_other_person_accepts_and_only_psychologists_offer(app, session):
    offered = at_moment(MONDAY_10AM, app, session, lambda: agreements.offer(
        session, person(session, "psychologist"), person(session, "frontline"), SUPERVISION_TERMS, MONDAY_10AM))
    _, refusal = attempt(session, lambda: agreements.accept(session, offered, 1, person(session, "psychologist")))
    assert "already accepted" in refusal
    _, refusal = attempt(session, lambda: agreements.accept(session, offered, 1, person(session, "team_lead")))
    assert refusal is not None
    _, refusal = attempt(session, lambda: agreements.offer(
        session, person(session, "team_lead"), person(session, "frontline"), SUPERVISION_TERMS))
    assert refusal == "Only psychologists offer supervision agreements."
    _, refusal = attempt(session, lambda: agreements.offer(
        session, person(session, "psychologist"), person(session, "frontline"), SUPERVISION_TERMS))
    assert "already have an agreement" in refusal


def test_sessions_keep_their_london_time_across_both_clock_changes(app, session):
    autumn_start = datetime(2026, 10, 12, 9, 0, tzinfo=LONDON)
    autumn = agreement_in_force(app, session, autumn_start, every_weeks=1, starts_on=date(2026, 10, 19))
    first_two = supervision_sessions(session, autumn)[:2]  # 19 October (BST) and 26 October (GMT)
    assert [s.starts_at.astimezone(timezone.utc).hour for s in first_two] == [13, 14]
    spring_start = datetime(2027, 3, 15, 9, 0, tzinfo=LONDON)
    spring = agreement_in_force(app, session, spring_start, supervisee="team_lead", every_weeks=1,
                                starts_on=date(2027, 3, 22), review_on=date(2027, 9, 1))
    first_two = supervision_sessions(session, spring)[:2]  # 22 March (GMT) and 29 March (BST)
    assert [s.starts_at.astimezone(timezone.utc).hour for s in first_two] == [14, 13]
    assert {s.starts_at.astimezone(LONDON).hour for s in supervision_sessions(session, autumn)
            + supervision_sessions(session, spring)} == {14}


def test_a_change_holds_only_once_both_accept_and_a_new_rhythm_replaces_the_sessions_to_come(app, session):
    agreement = agreement_in_force(app, session)
    at_moment(MONDAY_10AM, app, session, lambda: sessions.invite_due(session, MONDAY_10AM))
    invited_before = [s.id for s in _scheduled(session, agreement) if s.invited_at]
    change = {**SUPERVISION_TERMS, "every_weeks": 4, "start_time": "10:00", "starts_on": date(2026, 12, 7)}
    at_moment(MONDAY_10AM, app, session, lambda: agreements.propose_change(
        session, agreement, person(session, "frontline"), change, "Monthly, mornings suit me better"))
    session.refresh(agreement)
    assert agreement.version == 1 and len(_scheduled(session, agreement)) == 6  # the first version still holds
    assert told(session, "psychologist")[-1].endswith("proposes a change to your supervision agreement")
    at_moment(MONDAY_10AM, app, session, lambda: agreements.accept(
        session, agreement, 2, person(session, "psychologist"), MONDAY_10AM))
    session.refresh(agreement)
    kept = _scheduled(session, agreement)
    assert agreement.version == 2 and {s.version for s in kept} == {2}
    assert [s.occurrence for s in kept] == [date(2026, 12, 7) + timedelta(weeks=4 * n) for n in range(3)]
    assert {s.starts_at.astimezone(LONDON).strftime("%H:%M") for s in kept} == {"10:00"}
    # Each invitation already sent is withdrawn, with the same UID and a higher sequence.
    cancellations = [m for m in mail_to(session, "frontline", "Cancelled: supervision")]
    assert len(cancellations) == len(invited_before) > 0
    invite, event = calendar_event(cancellations[0])
    assert invite["method"] == "CANCEL" and str(event["uid"]).startswith("supervision-session-")
    history = session.scalars(select(AgreementVersion).where(AgreementVersion.agreement_id == agreement.id)
                              .order_by(AgreementVersion.number)).all()
    assert [(v.number, v.agreed) for v in history] == [(1, True), (2, True)]


def test_a_new_place_keeps_the_sessions_and_updates_their_invitations(app, session):
    agreement = agreement_in_force(app, session)
    at_moment(MONDAY_10AM, app, session, lambda: sessions.invite_due(session, MONDAY_10AM))
    before = [(s.id, s.starts_at) for s in _scheduled(session, agreement)]
    at_moment(MONDAY_10AM, app, session, lambda: agreements.propose_change(
        session, agreement, person(session, "psychologist"), {**SUPERVISION_TERMS, "mode": "in_person",
                                                              "location": "Room 2, Lantern House"}, "New room"))
    at_moment(MONDAY_10AM, app, session, lambda: agreements.accept(
        session, agreement, 2, person(session, "frontline"), MONDAY_10AM))
    assert [(s.id, s.starts_at) for s in _scheduled(session, agreement)] == before
    update = mail_to(session, "frontline", "Updated: supervision")[0]
    invite, event = calendar_event(update)
    assert invite["method"] == "REQUEST" and event["sequence"] == 1 and "Lantern House" in str(event["location"])


def test_turning_down_a_first_offer_ends_it_and_turning_down_a_change_leaves_the_terms(app, session):
    offered = at_moment(MONDAY_10AM, app, session, lambda: agreements.offer(
        session, person(session, "psychologist"), person(session, "frontline"), SUPERVISION_TERMS, MONDAY_10AM))
    at_moment(MONDAY_10AM, app, session, lambda: agreements.decline(
        session, offered, 1, person(session, "frontline"), "I have supervision at work already"))
    session.refresh(offered)
    assert offered.status == "declined" and supervision_sessions(session, offered) == []
    agreement = agreement_in_force(app, session, supervisee="team_lead")
    at_moment(MONDAY_10AM, app, session, lambda: agreements.propose_change(
        session, agreement, person(session, "psychologist"), {**SUPERVISION_TERMS, "minutes": 90}, "Longer"))
    at_moment(MONDAY_10AM, app, session, lambda: agreements.decline(
        session, agreement, 2, person(session, "team_lead"), "An hour is enough"))
    session.refresh(agreement)
    assert (agreement.status, agreement.version) == ("active", 1)
    assert agreements.in_force(session, agreement).minutes == 60


def test_ending_an_agreement_cancels_the_sessions_to_come(app, session):
    agreement = agreement_in_force(app, session)
    later = MONDAY_10AM + timedelta(days=20)
    cancelled = at_moment(later, app, session, lambda: agreements.end(
        session, agreement, person(session, "frontline"), "Moving to another service", later))
    session.refresh(agreement)
    left = supervision_sessions(session, agreement)
    assert agreement.status == "ended" and cancelled == len([s for s in left if s.starts_at > later])
    assert all(s.status == "cancelled" for s in left if s.starts_at > later)
    assert [s.status for s in left if s.starts_at <= later] == ["scheduled"]  # 30 November, already held
    assert at_moment(later, app, session, lambda: sessions.make_sessions(session, later)) == 0
    assert session.scalar(select(SupervisionAgreement.end_note)) == "Moving to another service"
