"""Case clinics around the session: a case taken from a consultation, the recommendations after it, the
ECHO-style evaluation, the teaching topic, follow-up presentations, groups for chosen organisations, the
register marking a case presented, and the facilitator reminded of cases still to decide."""
from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from consult.models import Consultation, Message
from core.accounts.models import Organisation
from core.accounts.services import create_person
from core.refusals import attempt
from supervision import clinics
from supervision import services as supervision
from supervision.models import Booking, CaseStatus, GroupSeries, GroupSession
from supervision.register import mark_attendance
from tests.factories import CASE_FORM, clinic_session, newest_case, past_session, raise_request, series_form
from tests.pages import open_page
from tests.support import PASSWORD, committed, email_for, person, post_form, signed_in, told


def test_a_worker_takes_a_consultation_to_a_case_clinic_with_its_answers_carried_over(app, session):
    c = raise_request(app, session, "frontline")
    gs = clinic_session(app, session)
    worker = signed_in(app, "frontline")
    assert "Take this to a case clinic" in open_page(worker, "consult.show", consultation_id=c.id)
    listed = open_page(worker, "supervision.clinics_to_come", consultation=c.id)
    assert "Partnership case clinic" in listed and f"consultation={c.id}" in listed
    url = f"/reflective-practice/sessions/{gs.id}/cases/new?consultation={c.id}"
    form = open_page(worker, "supervision.offer_case", session_id=gs.id, consultation=c.id)
    assert 'value="JB-0412"' in form and "Drinking quietens the voices at night" in form
    post_form(worker, url, {**CASE_FORM, "client_reference": "JB-0412"}, page_url=url)
    case = newest_case(session)
    assert case.consultation_id == c.id
    events = session.scalars(select(Message.body).where(Message.consultation_id == c.id)).all()
    assert any(e.startswith("Frontline offered this case to the case clinic Partnership case clinic") for e in events)
    # Someone else's request is never carried over, nor linked.
    other = signed_in(app, "other_frontline")
    assert "JB-0412" not in open_page(other, "supervision.offer_case", session_id=gs.id, consultation=c.id)


def test_after_the_session_the_recommendations_go_to_the_presenter_the_attendees_and_the_consultation(app, session):
    c = raise_request(app, session, "frontline")
    gs = clinic_session(app, session)
    with app.app_context():
        series = session.get(GroupSeries, gs.series_id)
        case = clinics.offer_case(session, person(session, "frontline"), gs, series, {
            **CASE_FORM, "client_reference": "JB-0412"}, consultation_id=c.id)
        clinics.accept_case(session, person(session, "psychologist"), case, series, 1, "Keeping someone engaged.")
        attendee = supervision.book(session, gs.id, person(session, "other_frontline"))
        session.commit()
        mark_attendance(session, gs, {attendee.id: "attended"})
        session.commit()
    url = f"/reflective-practice/cases/{case.id}"
    early = signed_in(app, "psychologist")
    assert "Send the group's recommendations" not in open_page(early, "supervision.case", case_id=case.id)
    with time_machine.travel(gs.ends_at + timedelta(minutes=5), tick=False):
        facilitator = signed_in(app, "psychologist")
        empty = post_form(facilitator, f"{url}/recommendations", {}, page_url=url)
        assert "Write the recommendations before sending them" in empty.get_data(as_text=True)
        sent = post_form(facilitator, f"{url}/recommendations",
                         {"recommendations": "Offer the **same pharmacist** each morning."}, page_url=url)
        assert sent.status_code == 302
        seen = open_page(signed_in(app, "other_frontline"), "supervision.show", session_id=gs.id)
    assert "<strong>same pharmacist</strong>" in seen and "JB-0412" not in seen
    assert newest_case(session).status == CaseStatus.RECOMMENDATIONS_SENT
    assert "Recommendations from the case clinic" in told(session, "frontline")
    assert "Recommendations from the case clinic you attended" in told(session, "other_frontline")
    on_thread = session.scalars(select(Message).where(Message.consultation_id == c.id, Message.kind == "clinic")).one()
    assert "Offer the **same pharmacist** each morning." in on_thread.body
    assert session.get(Consultation, c.id).first_response_at is None  # the duty psychologist's reply is still owed


def test_recommendations_are_not_sent_before_the_session(app, session):
    gs = clinic_session(app, session)
    with app.app_context():
        series = session.get(GroupSeries, gs.series_id)
        facilitator = person(session, "psychologist")
        case = clinics.offer_case(session, person(session, "frontline"), gs, series, CASE_FORM)
        clinics.accept_case(session, facilitator, case, series, 1, "A case.")
        _, refusal = attempt(session, lambda: clinics.send_recommendations(session, facilitator, case, series, gs, "x"))
    assert refusal == "Recommendations are sent after the session has started: the group makes them."


def test_a_clinics_evaluation_asks_confidence_before_and_after_and_shows_it_only_from_three_answers(app, session):
    attendees = ("frontline", "team_lead", "other_frontline")
    gs = past_session(app, session, attendees, kind="case_clinic", case_slots=1, organisation_id=None, team_id=None)
    bookings = {b.person_id: b.id for b in session.scalars(select(Booking).where(Booking.session_id == gs.id))}
    facilitator = signed_in(app, "psychologist")
    for n, (key, before, after) in enumerate([("frontline", 2, 4), ("team_lead", 3, 4), ("other_frontline", 1, 3)]):
        client = signed_in(app, key)
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
    gs = clinic_session(app, session)
    facilitator = signed_in(app, "psychologist")
    url = f"/reflective-practice/sessions/{gs.id}"
    too_long = post_form(facilitator, f"{url}/teaching", {"topic": "x" * 201, "presenter_id": "0"}, page_url=url)
    assert too_long.status_code == 200 and "Keep the topic to 200 characters or fewer" in too_long.get_data(as_text=True)
    post_form(facilitator, f"{url}/teaching", {"topic": "Benzodiazepines and low mood",
                                               "presenter_id": person(session, "other_psychologist").id}, page_url=url)
    worker = signed_in(app, "other_frontline")
    page = open_page(worker, "supervision.show", session_id=gs.id)
    assert "<strong>Teaching:</strong> Benzodiazepines and low mood, with Other Psychologist" in page
    assert "Save teaching topic" not in page  # attendees see it; only the facilitator and team leads set it
    assert post_form(worker, f"{url}/teaching", {"topic": "Mine", "presenter_id": "0"}, page_url=url).status_code == 403


def test_a_presented_case_is_brought_back_to_a_later_session_with_its_recommendations_carried(app, session):
    c = raise_request(app, session, "frontline")
    gs = clinic_session(app, session)
    with app.app_context():
        series = session.get(GroupSeries, gs.series_id)
        supervision.make_sessions(session, gs.starts_at - timedelta(days=1), days=21)
        facilitator = person(session, "psychologist")
        case = clinics.offer_case(session, person(session, "frontline"), gs, series, {**CASE_FORM}, consultation_id=c.id)
        clinics.accept_case(session, facilitator, case, series, 1, "A case.")
        clinics.send_recommendations(session, facilitator, case, series, gs, "Try **evening** visits.",
                                     now=gs.ends_at)
        session.commit()
    worker = signed_in(app, "frontline")
    assert "Bring this case back to a later session" in open_page(worker, "supervision.case", case_id=case.id)
    later = open_page(worker, "supervision.follow_up", case_id=case.id)
    next_session = session.scalars(select(GroupSession).where(GroupSession.series_id == gs.series_id,
                                                              GroupSession.starts_at > gs.starts_at)
                                   .order_by(GroupSession.starts_at)).first()
    assert f"follow_up={case.id}" in later
    url = f"/reflective-practice/sessions/{next_session.id}/cases/new?follow_up={case.id}"
    form = open_page(worker, "supervision.offer_case", session_id=next_session.id, follow_up=case.id)
    assert "Try **evening** visits." in form and "How did it go?" in form
    post_form(worker, url, {**CASE_FORM, "question_for_group": "How did it go with evening visits?"}, page_url=url)
    again = newest_case(session)
    assert (again.follow_up_of_id, again.consultation_id, again.status) == (case.id, c.id, CaseStatus.OFFERED)
    open_page(signed_in(app, "other_frontline"), "supervision.follow_up", status=404, case_id=case.id)


def test_a_clinic_for_chosen_organisations_is_open_to_their_staff_only_walk_ins_included(app, session):
    client = signed_in(app, "psychologist")
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
        open_page(signed_in(app, key), "supervision.offer_case", session_id=gs.id)
    session.rollback()  # a fresh transaction: the pages above wrote since this session last read
    pharmacist = create_person(session, email="pharmacist@example.org", name="Pharmacist", password=PASSWORD,
                               organisation_id=outsider_org.id, roles=["frontline"])
    session.commit()
    open_page(signed_in(app, "pharmacist@example.org"), "supervision.show", status=404, session_id=gs.id)
    register = f"/reflective-practice/sessions/{gs.id}/register"
    refused = post_form(client, register, {"walk_in-email": pharmacist.email}, page_url=register)
    assert "no one with that email address in the organisations this group is for" in refused.get_data(as_text=True)
    welcomed = post_form(client, register, {"walk_in-email": email_for("other_frontline")}, page_url=register)
    assert welcomed.status_code == 302
    session.rollback()
    walk_in = session.scalars(select(Booking).where(Booking.session_id == gs.id)).one()
    assert (walk_in.person_id, walk_in.attendance, walk_in.walk_in) == (person(session, "other_frontline").id,
                                                                       "attended", True)
    record = open_page(signed_in(app, "other_frontline"), "supervision.record")
    assert "Two services" in record  # in their CPD record


def test_on_the_register_an_accepted_case_whose_presenter_attended_becomes_presented(app, session):
    gs = clinic_session(app, session)
    with app.app_context():
        series = session.get(GroupSeries, gs.series_id)
        case = clinics.offer_case(session, person(session, "frontline"), gs, series, CASE_FORM)
        clinics.accept_case(session, person(session, "psychologist"), case, series, 1, "A case.")
        booking = supervision.book(session, gs.id, person(session, "frontline"))
        session.commit()
    register = f"/reflective-practice/sessions/{gs.id}/register"
    with time_machine.travel(gs.starts_at + timedelta(minutes=30), tick=False):
        facilitator = signed_in(app, "psychologist")
        post_form(facilitator, register, {f"attendance-{booking.id}": "attended"}, page_url=register)
        mine = open_page(signed_in(app, "frontline"), "supervision.your_cases")
    assert newest_case(session).status == CaseStatus.PRESENTED and "Presented" in mine


def test_two_days_before_a_clinic_its_facilitator_is_reminded_once_of_cases_still_to_decide(app, session):
    gs = clinic_session(app, session)
    with app.app_context():
        series = session.get(GroupSeries, gs.series_id)
        for key in ("frontline", "other_frontline"):
            clinics.offer_case(session, person(session, key), gs, series, CASE_FORM, now=gs.starts_at - timedelta(days=5))
        session.commit()
        assert committed(session, clinics.remind_undecided(session, gs.starts_at - timedelta(days=3))) == 0
        assert committed(session, clinics.remind_undecided(session, gs.starts_at - timedelta(hours=47))) == 1
        assert committed(session, clinics.remind_undecided(session, gs.starts_at - timedelta(hours=2))) == 0
    assert told(session, "psychologist").count("2 cases still to decide for your case clinic") == 1
