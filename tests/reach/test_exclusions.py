"""Exclusions against a hand count: recorded on the request form and the case clinic form, counted by reason and
kind of service with mental health and drug and alcohol services side by side, the previous period for the
trend, the period's edges in London time across the clock change, and small numbers hidden from commissioners."""
from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date, datetime, timedelta

from sqlalchemy import select

from consult.models import Consultation
from core.accounts.models import Person
from core.accounts.services import create_person
from core.timeutil import LONDON
from reach.figures import Scope, report
from reach.rollups import RolledUpThrough
from supervision.models import ClinicCase
from tests.factories import FORM, clinic_session, newest_case, offer_through_form
from tests.pages import open_page
from tests.partnership_october import consultation
from tests.reach.test_rollups import _roll_up_all
from tests.support import PASSWORD, person, post_form, sign_in, signed_in

OCTOBER = Scope(datetime(2026, 10, 1, tzinfo=LONDON), datetime(2026, 11, 1, tzinfo=LONDON))


def _october(session) -> None:
    """Requests: 1 October 00:30 BST (30 September in UTC) turned away by mental health, intoxicated; 12 October
    mental health, not severe enough; 20 October drug and alcohol, intoxicated; 31 October 23:30 GMT housing, no
    diagnosis; 1 November 00:30 (outside) mental health, intoxicated; 20 September (before) drug and alcohol,
    missed appointments; one with no exclusion. Other organisation's request on 14 October: mental health,
    intoxicated."""
    plan = [("frontline", (10, 1, 0, 30), "mental_health", "intoxicated"),
            ("frontline", (10, 12, 9, 0), "mental_health", "not_severe_enough"),
            ("frontline", (10, 20, 9, 0), "drug_and_alcohol", "intoxicated"),
            ("frontline", (10, 31, 23, 30), "housing", "no_diagnosis"),
            ("frontline", (11, 1, 0, 30), "mental_health", "intoxicated"),
            ("frontline", (9, 20, 9, 0), "drug_and_alcohol", "missed_appointments"),
            ("frontline", (10, 5, 9, 0), None, None),
            ("other_frontline", (10, 14, 9, 0), "mental_health", "intoxicated")]
    for n, (key, (month, day, hour, minute), kind, reason) in enumerate(plan):
        consultation(session, key, f"EX-{n}", datetime(2026, month, day, hour, minute, tzinfo=LONDON),
                     excluded_by=kind, exclusion_reason=reason)
    session.commit()


def _by_reason(figures) -> dict:
    return {row["reason"]: (row["mental_health"], row["drug_and_alcohol"], row["other"], row["total"],
                            row["previous_total"]) for row in figures.current["exclusions"]}


def test_exclusions_match_the_hand_count(session):
    _october(session)
    figures = report(session, OCTOBER, OCTOBER.end)
    rows = _by_reason(figures)
    assert rows["intoxicated"] == (2, 1, 0, 3, 0)
    assert rows["not_severe_enough"] == (1, 0, 0, 1, 0)
    assert rows["no_diagnosis"] == (0, 0, 1, 1, 0)
    assert rows["missed_appointments"] == (0, 0, 0, 0, 1)
    assert (figures.current["exclusions_recorded"], figures.previous["exclusions_recorded"]) == (5, 1)
    own = Scope(OCTOBER.start, OCTOBER.end, organisation_id=person(session, "frontline").organisation_id)
    assert _by_reason(report(session, own, OCTOBER.end))["intoxicated"] == (1, 1, 0, 2, 0)


def test_the_hand_count_from_the_roll_ups_and_a_reason_changed_afterwards(session):
    """Read from the daily roll-ups once October has closed; a reason corrected later shows at once."""
    _october(session)
    afresh = asdict(report(session, OCTOBER, OCTOBER.end))
    _roll_up_all(session, datetime(2026, 11, 20, 9, tzinfo=LONDON))
    assert session.get(RolledUpThrough, "excluded").through == date(2026, 11, 20)
    rolled = report(session, OCTOBER, OCTOBER.end)
    assert asdict(rolled) == afresh and _by_reason(rolled)["intoxicated"] == (2, 1, 0, 3, 0)
    corrected = session.scalar(select(Consultation).where(Consultation.client_reference == "EX-2"))
    corrected.exclusion_reason = "behaviour"
    session.commit()
    rows = _by_reason(report(session, OCTOBER, OCTOBER.end))
    assert rows["intoxicated"] == (2, 0, 0, 2, 0) and rows["behaviour"] == (0, 1, 0, 1, 0)


def test_a_case_counts_where_its_presenter_works_now(app, session):
    gs = clinic_session(app, session)
    offer_through_form(app, session, gs, excluded_by="drug_and_alcohol", exclusion_reason="behaviour")
    case = newest_case(session)
    case.created_at = datetime(2026, 11, 2, 10, tzinfo=LONDON)  # a day that has closed
    session.commit()
    scope = Scope(datetime(2026, 11, 2, tzinfo=LONDON), datetime(2026, 11, 3, tzinfo=LONDON))
    presenter, other = session.get(Person, case.presenter_id), person(session, "frontline")
    theirs, mine = (replace(scope, organisation_id=o) for o in (other.organisation_id, presenter.organisation_id))
    _roll_up_all(session, scope.end + timedelta(hours=1))
    assert (report(session, mine, scope.end).current["exclusions_recorded"],
            report(session, theirs, scope.end).current["exclusions_recorded"]) == (1, 0)
    presenter.organisation_id = other.organisation_id
    session.commit()
    assert (report(session, mine, scope.end).current["exclusions_recorded"],
            report(session, theirs, scope.end).current["exclusions_recorded"]) == (0, 1)


def test_the_request_form_records_an_exclusion_and_asks_for_the_reason_when_a_service_is_chosen(app, session):
    client = signed_in(app, "frontline")
    refused = post_form(client, "/consultations/new", {**FORM, "excluded_by": "mental_health"})
    body = refused.get_data(as_text=True)
    assert "There is a problem" in body and "Choose the reason the service gave" in body
    assert session.scalars(select(Consultation)).all() == []
    assert post_form(client, "/consultations/new", {**FORM, "excluded_by": "mental_health",
                                                    "exclusion_reason": "intoxicated"}).status_code == 302
    session.rollback()
    stored = session.scalars(select(Consultation)).one()
    assert (stored.excluded_by, stored.exclusion_reason) == ("mental_health", "intoxicated")


def test_the_case_clinic_form_asks_the_same_and_the_case_counts(app, session):
    gs = clinic_session(app, session)
    offer_through_form(app, session, gs, excluded_by="drug_and_alcohol", exclusion_reason="behaviour")
    case = newest_case(session)
    assert (case.excluded_by, case.exclusion_reason) == ("drug_and_alcohol", "behaviour")
    scope = Scope(case.created_at.replace(hour=0), case.created_at.replace(hour=23, minute=59))
    assert _by_reason(report(session, scope, scope.end))["behaviour"] == (0, 1, 0, 1, 0)
    assert session.scalars(select(ClinicCase.exclusion_reason)).all() == ["behaviour"]


def test_commissioners_see_exclusions_by_reason_with_small_numbers_hidden(app, session):
    _october(session)
    create_person(session, email="commissioner@example.org", name="Commissioner", password=PASSWORD,
                  organisation_id=person(session, "frontline").organisation_id, roles=["commissioner"])
    session.commit()
    client = app.test_client()
    sign_in(client, "commissioner@example.org")
    page = open_page(client, "reach.dashboard", period="2026-10")
    assert "People turned away by services" in page and "Intoxicated at the appointment" in page
    assert "fewer than 5" in page and "EX-" not in page
    lead = open_page(signed_in(app, "psychologist"), "reach.dashboard", date_from="2026-10-01", date_to="2026-10-31")
    assert "Not severe enough" in lead


def test_referrals_avoided_are_counted_from_the_workers_answer_beside_the_psychologists(app, session):
    from consult.models import CloseOutSurvey

    closed = datetime(2026, 10, 20, 12, 0, tzinfo=LONDON)
    answers = [("secondary_mental_health", "referral_avoided", 2, 4), ("secondary_mental_health", "advice_only", 1, 4),
               ("nothing", "referral_avoided", 3, 3), ("not_sure", "advice_only", None, None)]
    for n, (without, outcome, before, now) in enumerate(answers):
        c = consultation(session, "frontline", f"WO-{n}", closed, status="closed", closed_at=closed, outcome=outcome)
        session.add(CloseOutSurvey(consultation_id=c.id, useful="yes", more_confident="yes", without_advice=without,
                                   confidence_before=before, confidence_now=now))
    session.commit()
    current = report(session, OCTOBER, OCTOBER.end).current
    assert {w["answer"]: w["count"] for w in current["without_advice"]} == {
        "secondary_mental_health": 2, "referred_elsewhere": 0, "nothing": 1, "not_sure": 1}
    assert current["referral_avoided_by_psychologist"] == 2
    assert current["confidence"] == {"answered": 3, "before": 2.0, "now": 3.7}
    page = open_page(signed_in(app, "psychologist"), "reach.dashboard", date_from="2026-10-01", date_to="2026-10-31")
    assert "Referred them to secondary mental health care" in page and "+1.7" in page
