"""Case clinics: a psychologist schedules one for the partnership; workers from any service offer cases; the
facilitator accepts each into a slot, asks for changes, or declines it with somewhere else to take it; who
sees a case is decided by their relationship to it."""
from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy import select

from core.audit import AuditEvent
from core.refusals import attempt
from supervision import clinics
from supervision.models import CaseStatus, ClinicCase, GroupSeries, GroupSession
from tests.factories import CASE_FORM, clinic_session, newest_case, offer_through_form, one_session, series_form
from tests.pages import open_page
from tests.support import person, post_form, signed_in, told, two_schedulers_at_once


def test_a_psychologist_schedules_a_case_clinic_for_the_whole_partnership(app, session):
    client = signed_in(app, "psychologist")
    response = post_form(client, "/reflective-practice/series/new",
                         series_form(session, group_kind="case_clinic", case_slots="2", title="Partnership case clinic"))
    assert response.status_code == 302
    session.rollback()
    made = session.scalars(select(GroupSeries)).one()
    assert (made.kind, made.case_slots, made.organisation_id) == ("case_clinic", 2, None)
    gs = session.scalars(select(GroupSession).where(GroupSession.series_id == made.id)).first()
    page = open_page(client, "supervision.show", session_id=gs.id)
    assert "Case clinic" in page and "2 cases at each session" in page


def test_a_worker_from_another_service_offers_a_case_and_the_facilitator_is_told(app, session):
    gs = clinic_session(app, session)
    client, response = offer_through_form(app, session, gs)  # Harbour Housing's worker, to a clinic the psychologist runs
    case = newest_case(session)
    assert response.status_code == 302 and case.status == CaseStatus.OFFERED
    assert case.presenter_id == person(session, "other_frontline").id and case.client_reference == "PH-0031"
    assert told(session, "psychologist") == ["A case has been offered to your case clinic"]
    listed = open_page(client, "supervision.your_cases")
    assert "Partnership case clinic" in listed and "Offered: waiting for the psychologist" in listed


def test_a_case_with_an_identifier_is_refused_and_what_was_typed_is_kept(app, session):
    gs = clinic_session(app, session)
    _, response = offer_through_form(app, session, gs, question_for_group="Her NHS number is 943 476 5919; what next?")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in body and "NHS number" in body
    assert "Uses heroin to get through the nights" in body  # the rest is kept
    _, response = offer_through_form(app, session, gs, client_reference="Jo Bloggs")
    assert "There is a problem" in response.get_data(as_text=True)
    assert session.scalars(select(ClinicCase)).all() == []


def test_a_case_cannot_be_offered_to_reflective_practice_or_to_a_clinic_not_open_to_the_worker(app, session):
    reflective = one_session(app, session, title="Keyworkers' round")
    keyworkers_only = clinic_session(app, session, organisation_id=person(session, "team_lead").organisation_id,
                              team_id=person(session, "team_lead").teams[0].id)
    client = signed_in(app, "other_frontline")
    open_page(client, "supervision.offer_case", status=404, session_id=reflective.id)
    open_page(client, "supervision.offer_case", status=404, session_id=keyworkers_only.id)  # not theirs to join


def _review(app, case_id, data):
    facilitator = signed_in(app, "psychologist")
    url = f"/reflective-practice/cases/{case_id}"
    return post_form(facilitator, f"{url}/review", data, page_url=url)


def test_asked_for_changes_the_worker_revises_and_the_case_goes_back_to_the_facilitator(app, session):
    gs = clinic_session(app, session)
    client, _ = offer_through_form(app, session, gs)
    case = newest_case(session)
    assert _review(app, case.id, {"decision": "changes", "note": "Say what she has told you about her nights."}) \
        .status_code == 302
    assert newest_case(session).status == CaseStatus.CHANGES_ASKED
    assert "Changes asked for on the case you offered" in told(session, "other_frontline")
    url = f"/reflective-practice/cases/{case.id}/edit"
    assert "Say what she has told you" in open_page(client, "supervision.edit_case", case_id=case.id)
    post_form(client, url, {**CASE_FORM, "use_and_mental_health": "She says the nights are when she uses most."},
              page_url=url)
    revised = newest_case(session)
    assert revised.status == CaseStatus.OFFERED and revised.use_and_mental_health.startswith("She says the nights")
    assert told(session, "psychologist")[-1] == "A case you asked to be changed is back"


def test_a_decline_always_says_where_else_to_take_the_case(app, session):
    gs = clinic_session(app, session)
    offer_through_form(app, session, gs)
    case = newest_case(session)
    bare = _review(app, case.id, {"decision": "decline", "note": "This needs a safeguarding referral first."})
    assert bare.status_code == 200 and "Say where else they can take the case" in bare.get_data(as_text=True)
    assert "This needs a safeguarding referral first." in bare.get_data(as_text=True)  # kept on the form
    assert newest_case(session).status == CaseStatus.OFFERED
    _review(app, case.id, {"decision": "decline", "note": "This needs a safeguarding referral first.",
                           "suggestion": "Your safeguarding lead today, then the duty psychologist."})
    declined = newest_case(session)
    assert declined.status == CaseStatus.DECLINED and declined.suggestion.startswith("Your safeguarding lead")
    mine = signed_in(app, "other_frontline")
    page = open_page(mine, "supervision.case", case_id=case.id)
    assert "Where else to take it:" in page and "Your safeguarding lead today" in page


def test_accepted_into_a_slot_the_worker_is_told_and_a_taken_slot_is_refused_with_the_reason(app, session):
    gs = clinic_session(app, session)
    offer_through_form(app, session, gs)
    first = newest_case(session)
    offer_through_form(app, session, gs, key="frontline", client_reference="KW-77")
    second = newest_case(session)
    assert _review(app, first.id, {"decision": "accept", "slot": "1", "summary": "Keeping a woman engaged."}) \
        .status_code == 302
    session.rollback()
    accepted = session.get(ClinicCase, first.id)
    session.refresh(accepted)
    assert (accepted.status, accepted.slot) == (CaseStatus.ACCEPTED, 1)
    assert "Your case has been accepted for the case clinic" in told(session, "other_frontline")
    taken = _review(app, second.id, {"decision": "accept", "slot": "1", "summary": "Another case."})
    assert taken.status_code == 200 and "Slot 1 already has a case" in taken.get_data(as_text=True)
    assert newest_case(session).status == CaseStatus.OFFERED


def _two_accepts_at_once(app, session, gs):
    cases = list(session.scalars(select(ClinicCase).order_by(ClinicCase.id)))
    turn = itertools.count()

    def accept(s):
        case = s.get(ClinicCase, cases[next(turn)].id)
        facilitator = person(s, "psychologist")
        series = s.get(GroupSeries, gs.series_id)
        return attempt(s, lambda: clinics.accept_case(s, facilitator, case, series, 1, "A case."))[1]

    return two_schedulers_at_once(app, accept)


def _offer_two(app, session, gs):
    with app.app_context():
        for key, reference in (("other_frontline", "PH-1"), ("frontline", "KW-2")):
            clinics.offer_case(session, person(session, key), gs, session.get(GroupSeries, gs.series_id),
                               {**CASE_FORM, "client_reference": reference})
        session.commit()


def test_two_cases_accepted_into_one_slot_at_the_same_moment_leave_one_in_it(app, session):
    gs = clinic_session(app, session)
    _offer_two(app, session, gs)
    refusals = _two_accepts_at_once(app, session, gs)
    session.rollback()
    session.expire_all()
    assert sorted(r is None for r in refusals) == [False, True]
    assert [c.slot for c in session.scalars(select(ClinicCase).where(ClinicCase.status == "accepted"))] == [1]


def test_two_cases_accepted_into_one_slot_at_once_on_postgresql_leave_one_in_it(pg_app):
    from sqlalchemy.orm import Session
    engine = pg_app.extensions["database"]["engine"]
    with Session(bind=engine, expire_on_commit=False) as session:
        gs = clinic_session(pg_app, session)
        _offer_two(pg_app, session, gs)
        refusals = _two_accepts_at_once(pg_app, session, gs)
        session.expire_all()
        assert sorted(r is None for r in refusals) == [False, True]
        assert session.scalars(select(ClinicCase.slot).where(ClinicCase.status == "accepted")).all() == [1]


def test_who_sees_a_case_in_full_and_who_sees_only_the_summary(app, session):
    gs = clinic_session(app, session)
    offer_through_form(app, session, gs)  # by Harbour Housing's worker, in the Outreach team
    case = newest_case(session)
    _review(app, case.id, {"decision": "accept", "slot": "1", "summary": "Keeping someone engaged at night."})
    for key in ("other_frontline", "psychologist", "other_team_lead"):  # presenter, facilitator, presenter's lead
        assert "PH-0031" in open_page(signed_in(app, key), "supervision.case", case_id=case.id)
    for key in ("frontline", "team_lead", "other_psychologist", "admin"):
        open_page(signed_in(app, key), "supervision.case", status=404, case_id=case.id)
    attendee = signed_in(app, "frontline")
    before = open_page(attendee, "supervision.show", session_id=gs.id)
    assert "Keeping someone engaged at night." not in before  # nothing of a case until booked into the session
    post_form(attendee, f"/reflective-practice/sessions/{gs.id}/book", page_url=f"/reflective-practice/sessions/{gs.id}")
    booked = open_page(attendee, "supervision.show", session_id=gs.id)
    assert "Keeping someone engaged at night." in booked and "PH-0031" not in booked
    session.rollback()
    viewed = session.scalars(select(AuditEvent.actor_id).where(AuditEvent.action == "clinic_case.viewed")).all()
    assert set(viewed) == {person(session, key).id for key in ("other_frontline", "psychologist", "other_team_lead")}


def test_a_session_that_has_started_takes_no_more_cases(app, session):
    gs = clinic_session(app, session)
    with app.app_context():
        series = session.get(GroupSeries, gs.series_id)
        _, refusal = attempt(session, lambda: clinics.offer_case(
            session, person(session, "frontline"), gs, series, CASE_FORM, now=gs.starts_at + timedelta(minutes=1)))
    assert refusal == "This session has already started. Choose a session still to come."


def test_every_view_of_a_sessions_cases_is_audited(app, session):
    gs = clinic_session(app, session)
    offer_through_form(app, session, gs)
    attendee = signed_in(app, "frontline")
    post_form(attendee, f"/reflective-practice/sessions/{gs.id}/book", page_url=f"/reflective-practice/sessions/{gs.id}")
    open_page(attendee, "supervision.show", session_id=gs.id)
    open_page(signed_in(app, "psychologist"), "supervision.show", session_id=gs.id)
    session.rollback()
    seen = session.scalars(select(AuditEvent.actor_id).where(AuditEvent.action == "clinic_session.cases_viewed")).all()
    assert {person(session, "frontline").id, person(session, "psychologist").id} <= set(seen)
