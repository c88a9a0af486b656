"""Case clinics: a psychologist schedules one for the partnership; workers from any service offer cases; the
facilitator accepts each into a slot, asks for changes, or declines it with somewhere else to take it; who
sees a case is decided by their relationship to it."""
from __future__ import annotations

import itertools
from datetime import timedelta

import time_machine
from sqlalchemy import select

from consult.models import Consultation, Message
from core.accounts.models import Organisation
from core.accounts.services import create_person
from core.audit import AuditEvent
from core.notifications import Notification
from core.refusals import attempt
from supervision import clinics
from supervision import services as supervision
from supervision.models import Booking, CaseStatus, ClinicCase, GroupSeries, GroupSession
from supervision.register import mark_attendance
from tests.factories import one_session, past_session, raise_request, series_form
from tests.pages import open_page
from tests.support import PASSWORD, committed, email_for, person, post_form, sign_in, two_schedulers_at_once

CASE = {"client_reference": "PH-0031", "use_and_mental_health": "Uses heroin to get through the nights; low mood.",
        "tried_so_far": "Naloxone given; GP letter.", "question_for_group": "How do I keep her coming to the pharmacy?"}


def _clinic(app, session, **changes) -> GroupSession:
    """The first session of a partnership-wide case clinic with two case slots, facilitated by the psychologist."""
    return one_session(app, session, **{"kind": "case_clinic", "case_slots": 2, "organisation_id": None,
                                        "team_id": None, "title": "Partnership case clinic", "capacity": 12, **changes})


def _signed_in(app, key: str):
    client = app.test_client()
    sign_in(client, key)
    return client


def _offer(app, session, gs, key="other_frontline", **changes):
    client = _signed_in(app, key)
    url = f"/reflective-practice/sessions/{gs.id}/cases/new"
    response = post_form(client, url, {**CASE, **changes}, page_url=url)
    session.rollback()
    return client, response


def _case(session) -> ClinicCase:
    session.rollback()
    session.expire_all()
    return session.scalars(select(ClinicCase).order_by(ClinicCase.id.desc())).first()


def _told(session, key: str) -> list[str]:
    return list(session.scalars(select(Notification.title).where(Notification.person_id == person(session, key).id)
                                .order_by(Notification.id)))


def test_a_psychologist_schedules_a_case_clinic_for_the_whole_partnership(app, session):
    client = _signed_in(app, "psychologist")
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
    gs = _clinic(app, session)
    client, response = _offer(app, session, gs)  # Harbour Housing's worker, to a clinic the psychologist runs
    case = _case(session)
    assert response.status_code == 302 and case.status == CaseStatus.OFFERED
    assert case.presenter_id == person(session, "other_frontline").id and case.client_reference == "PH-0031"
    assert _told(session, "psychologist") == ["A case has been offered to your case clinic"]
    listed = open_page(client, "supervision.your_cases")
    assert "Partnership case clinic" in listed and "Offered: waiting for the psychologist" in listed


def test_a_case_with_an_identifier_is_refused_and_what_was_typed_is_kept(app, session):
    gs = _clinic(app, session)
    _, response = _offer(app, session, gs, question_for_group="Her NHS number is 943 476 5919; what next?")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in body and "NHS number" in body
    assert "Uses heroin to get through the nights" in body  # the rest is kept
    _, response = _offer(app, session, gs, client_reference="Jo Bloggs")
    assert "There is a problem" in response.get_data(as_text=True)
    assert session.scalars(select(ClinicCase)).all() == []


def test_a_case_cannot_be_offered_to_reflective_practice_or_to_a_clinic_not_open_to_the_worker(app, session):
    reflective = one_session(app, session, title="Keyworkers' round")
    keyworkers_only = _clinic(app, session, organisation_id=person(session, "team_lead").organisation_id,
                              team_id=person(session, "team_lead").teams[0].id)
    client = _signed_in(app, "other_frontline")
    open_page(client, "supervision.offer_case", status=404, session_id=reflective.id)
    open_page(client, "supervision.offer_case", status=404, session_id=keyworkers_only.id)  # not theirs to join


def _review(app, case_id, data):
    facilitator = _signed_in(app, "psychologist")
    url = f"/reflective-practice/cases/{case_id}"
    return post_form(facilitator, f"{url}/review", data, page_url=url)


def test_asked_for_changes_the_worker_revises_and_the_case_goes_back_to_the_facilitator(app, session):
    gs = _clinic(app, session)
    client, _ = _offer(app, session, gs)
    case = _case(session)
    assert _review(app, case.id, {"decision": "changes", "note": "Say what she has told you about her nights."}) \
        .status_code == 302
    assert _case(session).status == CaseStatus.CHANGES_ASKED
    assert "Changes asked for on the case you offered" in _told(session, "other_frontline")
    url = f"/reflective-practice/cases/{case.id}/edit"
    assert "Say what she has told you" in open_page(client, "supervision.edit_case", case_id=case.id)
    post_form(client, url, {**CASE, "use_and_mental_health": "She says the nights are when she uses most."},
              page_url=url)
    revised = _case(session)
    assert revised.status == CaseStatus.OFFERED and revised.use_and_mental_health.startswith("She says the nights")
    assert _told(session, "psychologist")[-1] == "A case you asked to be changed is back"


def test_a_decline_always_says_where_else_to_take_the_case(app, session):
    gs = _clinic(app, session)
    _offer(app, session, gs)
    case = _case(session)
    bare = _review(app, case.id, {"decision": "decline", "note": "This needs a safeguarding referral first."})
    assert bare.status_code == 200 and "Say where else they can take the case" in bare.get_data(as_text=True)
    assert "This needs a safeguarding referral first." in bare.get_data(as_text=True)  # kept on the form
    assert _case(session).status == CaseStatus.OFFERED
    _review(app, case.id, {"decision": "decline", "note": "This needs a safeguarding referral first.",
                           "suggestion": "Your safeguarding lead today, then the duty psychologist."})
    declined = _case(session)
    assert declined.status == CaseStatus.DECLINED and declined.suggestion.startswith("Your safeguarding lead")
    mine = _signed_in(app, "other_frontline")
    page = open_page(mine, "supervision.case", case_id=case.id)
    assert "Where else to take it:" in page and "Your safeguarding lead today" in page


def test_accepted_into_a_slot_the_worker_is_told_and_a_taken_slot_is_refused_with_the_reason(app, session):
    gs = _clinic(app, session)
    _offer(app, session, gs)
    first = _case(session)
    _offer(app, session, gs, key="frontline", client_reference="KW-77")
    second = _case(session)
    assert _review(app, first.id, {"decision": "accept", "slot": "1", "summary": "Keeping a woman engaged."}) \
        .status_code == 302
    session.rollback()
    accepted = session.get(ClinicCase, first.id)
    session.refresh(accepted)
    assert (accepted.status, accepted.slot) == (CaseStatus.ACCEPTED, 1)
    assert "Your case has been accepted for the case clinic" in _told(session, "other_frontline")
    taken = _review(app, second.id, {"decision": "accept", "slot": "1", "summary": "Another case."})
    assert taken.status_code == 200 and "Slot 1 already has a case" in taken.get_data(as_text=True)
    assert _case(session).status == CaseStatus.OFFERED


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
                               {**CASE, "client_reference": reference})
        session.commit()


def test_two_cases_accepted_into_one_slot_at_the_same_moment_leave_one_in_it(app, session):
    gs = _clinic(app, session)
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
        gs = _clinic(pg_app, session)
        _offer_two(pg_app, session, gs)
        refusals = _two_accepts_at_once(pg_app, session, gs)
        session.expire_all()
        assert sorted(r is None for r in refusals) == [False, True]
        assert session.scalars(select(ClinicCase.slot).where(ClinicCase.status == "accepted")).all() == [1]


def test_who_sees_a_case_in_full_and_who_sees_only_the_summary(app, session):
    gs = _clinic(app, session)
    _offer(app, session, gs)  # by Harbour Housing's worker, in the Outreach team
    case = _case(session)
    _review(app, case.id, {"decision": "accept", "slot": "1", "summary": "Keeping someone engaged at night."})
    for key in ("other_frontline", "psychologist", "other_team_lead"):  # presenter, facilitator, presenter's lead
        assert "PH-0031" in open_page(_signed_in(app, key), "supervision.case", case_id=case.id)
    for key in ("frontline", "team_lead", "other_psychologist", "admin"):
        open_page(_signed_in(app, key), "supervision.case", status=404, case_id=case.id)
    attendee = _signed_in(app, "frontline")
    before = open_page(attendee, "supervision.show", session_id=gs.id)
    assert "Keeping someone engaged at night." not in before  # nothing of a case until booked into the session
    post_form(attendee, f"/reflective-practice/sessions/{gs.id}/book", page_url=f"/reflective-practice/sessions/{gs.id}")
    booked = open_page(attendee, "supervision.show", session_id=gs.id)
    assert "Keeping someone engaged at night." in booked and "PH-0031" not in booked
    session.rollback()
    viewed = session.scalars(select(AuditEvent.actor_id).where(AuditEvent.action == "clinic_case.viewed")).all()
    assert set(viewed) == {person(session, key).id for key in ("other_frontline", "psychologist", "other_team_lead")}


def test_a_session_that_has_started_takes_no_more_cases(app, session):
    gs = _clinic(app, session)
    with app.app_context():
        series = session.get(GroupSeries, gs.series_id)
        _, refusal = attempt(session, lambda: clinics.offer_case(
            session, person(session, "frontline"), gs, series, CASE, now=gs.starts_at + timedelta(minutes=1)))
    assert refusal == "This session has already started. Choose a session still to come."


# --- From a consultation, and the recommendations after the session ----------------------------------------

def test_a_worker_takes_a_consultation_to_a_case_clinic_with_its_answers_carried_over(app, session):
    c = raise_request(app, session, "frontline")
    gs = _clinic(app, session)
    worker = _signed_in(app, "frontline")
    assert "Take this to a case clinic" in open_page(worker, "consult.show", consultation_id=c.id)
    listed = open_page(worker, "supervision.clinics_to_come", consultation=c.id)
    assert "Partnership case clinic" in listed and f"consultation={c.id}" in listed
    url = f"/reflective-practice/sessions/{gs.id}/cases/new?consultation={c.id}"
    form = open_page(worker, "supervision.offer_case", session_id=gs.id, consultation=c.id)
    assert 'value="JB-0412"' in form and "Drinking quietens the voices at night" in form
    post_form(worker, url, {**CASE, "client_reference": "JB-0412"}, page_url=url)
    case = _case(session)
    assert case.consultation_id == c.id
    events = session.scalars(select(Message.body).where(Message.consultation_id == c.id)).all()
    assert any(e.startswith("Frontline offered this case to the case clinic Partnership case clinic") for e in events)
    # Someone else's request is never carried over, nor linked.
    other = _signed_in(app, "other_frontline")
    assert "JB-0412" not in open_page(other, "supervision.offer_case", session_id=gs.id, consultation=c.id)


def test_after_the_session_the_recommendations_go_to_the_presenter_the_attendees_and_the_consultation(app, session):
    c = raise_request(app, session, "frontline")
    gs = _clinic(app, session)
    with app.app_context():
        series = session.get(GroupSeries, gs.series_id)
        case = clinics.offer_case(session, person(session, "frontline"), gs, series, {
            **CASE, "client_reference": "JB-0412"}, consultation_id=c.id)
        clinics.accept_case(session, person(session, "psychologist"), case, series, 1, "Keeping someone engaged.")
        attendee = supervision.book(session, gs.id, person(session, "other_frontline"))
        session.commit()
        mark_attendance(session, gs, {attendee.id: "attended"})
        session.commit()
    url = f"/reflective-practice/cases/{case.id}"
    early = _signed_in(app, "psychologist")
    assert "Send the group's recommendations" not in open_page(early, "supervision.case", case_id=case.id)
    with time_machine.travel(gs.ends_at + timedelta(minutes=5), tick=False):
        facilitator = _signed_in(app, "psychologist")
        empty = post_form(facilitator, f"{url}/recommendations", {}, page_url=url)
        assert "Write the recommendations before sending them" in empty.get_data(as_text=True)
        sent = post_form(facilitator, f"{url}/recommendations",
                         {"recommendations": "Offer the **same pharmacist** each morning."}, page_url=url)
        assert sent.status_code == 302
        seen = open_page(_signed_in(app, "other_frontline"), "supervision.show", session_id=gs.id)
    assert "<strong>same pharmacist</strong>" in seen and "JB-0412" not in seen
    assert _case(session).status == CaseStatus.RECOMMENDATIONS_SENT
    assert "Recommendations from the case clinic" in _told(session, "frontline")
    assert "Recommendations from the case clinic you attended" in _told(session, "other_frontline")
    on_thread = session.scalars(select(Message).where(Message.consultation_id == c.id, Message.kind == "clinic")).one()
    assert "Offer the **same pharmacist** each morning." in on_thread.body
    assert session.get(Consultation, c.id).first_response_at is None  # the duty psychologist's reply is still owed


def test_recommendations_are_not_sent_before_the_session(app, session):
    gs = _clinic(app, session)
    with app.app_context():
        series = session.get(GroupSeries, gs.series_id)
        facilitator = person(session, "psychologist")
        case = clinics.offer_case(session, person(session, "frontline"), gs, series, CASE)
        clinics.accept_case(session, facilitator, case, series, 1, "A case.")
        _, refusal = attempt(session, lambda: clinics.send_recommendations(session, facilitator, case, series, gs, "x"))
    assert refusal == "Recommendations are sent after the session has started: the group makes them."


def test_a_clinics_evaluation_asks_confidence_before_and_after_and_shows_it_only_from_three_answers(app, session):
    attendees = ("frontline", "team_lead", "other_frontline")
    gs = past_session(app, session, attendees, kind="case_clinic", case_slots=1, organisation_id=None, team_id=None)
    bookings = {b.person_id: b.id for b in session.scalars(select(Booking).where(Booking.session_id == gs.id))}
    facilitator = _signed_in(app, "psychologist")
    for n, (key, before, after) in enumerate([("frontline", 2, 4), ("team_lead", 3, 4), ("other_frontline", 1, 3)]):
        client = _signed_in(app, key)
        url = f"/reflective-practice/evaluations/{bookings[person(session, key).id]}"
        if n == 0:
            missing = post_form(client, url, {"helpful": "yes", "come_again": "yes"})
            assert "Choose how confident you felt before" in missing.get_data(as_text=True)
        answered = post_form(client, url, {"helpful": "yes", "come_again": "yes", "confidence_before": before,
                                           "confidence_after": after, "do_differently": f"Ask about mornings {n}"})
        assert answered.status_code == 302
        notes = open_page(facilitator, "supervision.notes", session_id=gs.id)
        assert ("2.0 before" in notes) == (n == 2)  # averages shown once three people have answered
    assert "<strong>3.7 after</strong>" in notes and "Ask about mornings 0" in notes


def test_the_facilitator_sets_a_teaching_topic_and_its_presenter_which_attendees_see(app, session):
    gs = _clinic(app, session)
    facilitator = _signed_in(app, "psychologist")
    url = f"/reflective-practice/sessions/{gs.id}"
    too_long = post_form(facilitator, f"{url}/teaching", {"topic": "x" * 201, "presenter_id": "0"}, page_url=url)
    assert too_long.status_code == 200 and "Keep the topic to 200 characters or fewer" in too_long.get_data(as_text=True)
    post_form(facilitator, f"{url}/teaching", {"topic": "Benzodiazepines and low mood",
                                               "presenter_id": person(session, "other_psychologist").id}, page_url=url)
    worker = _signed_in(app, "other_frontline")
    page = open_page(worker, "supervision.show", session_id=gs.id)
    assert "<strong>Teaching:</strong> Benzodiazepines and low mood, with Other Psychologist" in page
    assert "Save teaching topic" not in page  # attendees see it; only the facilitator and team leads set it
    assert post_form(worker, f"{url}/teaching", {"topic": "Mine", "presenter_id": "0"}, page_url=url).status_code == 403


def test_a_presented_case_is_brought_back_to_a_later_session_with_its_recommendations_carried(app, session):
    c = raise_request(app, session, "frontline")
    gs = _clinic(app, session)
    with app.app_context():
        series = session.get(GroupSeries, gs.series_id)
        supervision.make_sessions(session, gs.starts_at - timedelta(days=1), days=21)
        facilitator = person(session, "psychologist")
        case = clinics.offer_case(session, person(session, "frontline"), gs, series, {**CASE}, consultation_id=c.id)
        clinics.accept_case(session, facilitator, case, series, 1, "A case.")
        clinics.send_recommendations(session, facilitator, case, series, gs, "Try **evening** visits.",
                                     now=gs.ends_at)
        session.commit()
    worker = _signed_in(app, "frontline")
    assert "Bring this case back to a later session" in open_page(worker, "supervision.case", case_id=case.id)
    later = open_page(worker, "supervision.follow_up", case_id=case.id)
    next_session = session.scalars(select(GroupSession).where(GroupSession.series_id == gs.series_id,
                                                              GroupSession.starts_at > gs.starts_at)
                                   .order_by(GroupSession.starts_at)).first()
    assert f"follow_up={case.id}" in later
    url = f"/reflective-practice/sessions/{next_session.id}/cases/new?follow_up={case.id}"
    form = open_page(worker, "supervision.offer_case", session_id=next_session.id, follow_up=case.id)
    assert "Try **evening** visits." in form and "How did it go?" in form
    post_form(worker, url, {**CASE, "question_for_group": "How did it go with evening visits?"}, page_url=url)
    again = _case(session)
    assert (again.follow_up_of_id, again.consultation_id, again.status) == (case.id, c.id, CaseStatus.OFFERED)
    open_page(_signed_in(app, "other_frontline"), "supervision.follow_up", status=404, case_id=case.id)


def test_a_clinic_for_chosen_organisations_is_open_to_their_staff_only_walk_ins_included(app, session):
    client = _signed_in(app, "psychologist")
    riverside, harbour = (person(session, k).organisation_id for k in ("frontline", "other_frontline"))
    one = post_form(client, "/reflective-practice/series/new", series_form(
        session, audience="chosen", organisation_ids=[str(riverside)], group_kind="case_clinic", title="Two services"))
    assert "Choose at least two organisations" in one.get_data(as_text=True)
    outsider_org = Organisation(name="Northside Pharmacy", service_type="community_pharmacy")
    session.add(outsider_org)
    session.commit()
    made = post_form(client, "/reflective-practice/series/new", series_form(
        session, audience="chosen", organisation_ids=[str(riverside), str(harbour)], group_kind="case_clinic",
        title="Two services"))
    assert made.status_code == 302
    session.rollback()
    series = session.scalars(select(GroupSeries)).one()
    assert series.for_chosen_organisations and series.organisation_id is None
    assert "Chosen organisations: Harbour Housing, Riverside Drug and Alcohol Service" in open_page(
        client, "supervision.group", series_id=series.id)
    gs = session.scalars(select(GroupSession).where(GroupSession.series_id == series.id)
                         .order_by(GroupSession.starts_at)).first()
    for key in ("frontline", "other_frontline"):
        open_page(_signed_in(app, key), "supervision.offer_case", session_id=gs.id)
    session.rollback()  # a fresh transaction: the pages above wrote since this session last read
    pharmacist = create_person(session, email="pharmacist@example.org", name="Pharmacist", password=PASSWORD,
                               organisation_id=outsider_org.id, roles=["frontline"])
    session.commit()
    open_page(_signed_in(app, "pharmacist@example.org"), "supervision.show", status=404, session_id=gs.id)
    register = f"/reflective-practice/sessions/{gs.id}/register"
    refused = post_form(client, register, {"walk_in-email": pharmacist.email}, page_url=register)
    assert "no one with that email address in the organisations this group is for" in refused.get_data(as_text=True)
    welcomed = post_form(client, register, {"walk_in-email": email_for("other_frontline")}, page_url=register)
    assert welcomed.status_code == 302
    session.rollback()
    walk_in = session.scalars(select(Booking).where(Booking.session_id == gs.id)).one()
    assert (walk_in.person_id, walk_in.attendance, walk_in.walk_in) == (person(session, "other_frontline").id,
                                                                       "attended", True)
    record = open_page(_signed_in(app, "other_frontline"), "supervision.record")
    assert "Two services" in record  # in their CPD record


def test_on_the_register_an_accepted_case_whose_presenter_attended_becomes_presented(app, session):
    gs = _clinic(app, session)
    with app.app_context():
        series = session.get(GroupSeries, gs.series_id)
        case = clinics.offer_case(session, person(session, "frontline"), gs, series, CASE)
        clinics.accept_case(session, person(session, "psychologist"), case, series, 1, "A case.")
        booking = supervision.book(session, gs.id, person(session, "frontline"))
        session.commit()
    register = f"/reflective-practice/sessions/{gs.id}/register"
    with time_machine.travel(gs.starts_at + timedelta(minutes=30), tick=False):
        facilitator = _signed_in(app, "psychologist")
        post_form(facilitator, register, {f"attendance-{booking.id}": "attended"}, page_url=register)
        mine = open_page(_signed_in(app, "frontline"), "supervision.your_cases")
    assert _case(session).status == CaseStatus.PRESENTED and "Presented" in mine


def test_two_days_before_a_clinic_its_facilitator_is_reminded_once_of_cases_still_to_decide(app, session):
    gs = _clinic(app, session)
    with app.app_context():
        series = session.get(GroupSeries, gs.series_id)
        for key in ("frontline", "other_frontline"):
            clinics.offer_case(session, person(session, key), gs, series, CASE, now=gs.starts_at - timedelta(days=5))
        session.commit()
        assert committed(session, clinics.remind_undecided(session, gs.starts_at - timedelta(days=3))) == 0
        assert committed(session, clinics.remind_undecided(session, gs.starts_at - timedelta(hours=47))) == 1
        assert committed(session, clinics.remind_undecided(session, gs.starts_at - timedelta(hours=2))) == 0
    assert _told(session, "psychologist").count("2 cases still to decide for your case clinic") == 1
