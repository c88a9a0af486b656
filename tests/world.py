"""One record of each kind, for the tests that try every page and form: the `world` fixture."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from consult.models import AgreedAction, CallSlot, ConsultationGuest, Message, Snippet
from core.accounts.services import create_person
from core.timeutil import LONDON, utcnow
from directory import services as directory
from formulations.models import TemplateVersion
from formulations.services import start_formulation
from formulations.starter import seed_starter_library
from library.models import PracticeNote
from reach.board import BoardReport
from rota.models import DutyPattern
from supervision import clinics
from supervision import services as supervision
from supervision.models import GroupSession
from tests.factories import SERVICE, series
from tests.partnership_october import consultation
from tests.support import PASSWORD, person


@pytest.fixture
def world(app, session):
    """One record of each kind, belonging to the first organisation's Keyworkers team."""
    frontline, psychologist = person(session, "frontline"), person(session, "psychologist")
    c = consultation(session, "frontline", "RDA-100", utcnow() - timedelta(days=1), psychologist_id=psychologist.id,
                     status="allocated", allocated_at=utcnow())
    call = CallSlot(consultation_id=c.id, starts_at=utcnow() + timedelta(days=2), mode="phone",
                    booked_by_id=psychologist.id)
    session.add(call)
    action = AgreedAction(consultation_id=c.id, what="Book a GP appointment about sleep", owner="worker",
                          created_by_id=psychologist.id)
    session.add(action)
    session.add(Message(consultation_id=c.id, author_id=psychologist.id, kind="advice", body="Offer a morning slot."))
    c.advice_given_at = utcnow()
    session.add(DutyPattern(psychologist_id=psychologist.id, weekdays="0", start_time="09:00", end_time="12:00",
                            starts_on=date.today(), daily_capacity=3))
    create_person(session, email="commissioner@example.org", name="Commissioner",
                  organisation_id=frontline.organisation_id, roles=["commissioner"], password=PASSWORD)
    tomorrow = datetime.now(LONDON).date() + timedelta(days=1)
    series(session, starts_on=tomorrow, weekday=tomorrow.weekday(), capacity=5)
    clinic = series(session, starts_on=tomorrow, weekday=tomorrow.weekday(), capacity=5, kind="case_clinic",
                    case_slots=2, title="Keyworkers' case clinic")
    with app.app_context():
        seed_starter_library(session, psychologist)
        version = session.scalars(select(TemplateVersion).order_by(TemplateVersion.id)).first()
        f = start_formulation(session, frontline, version, c.id)
        supervision.make_sessions(session, datetime.now(LONDON) - timedelta(days=1), days=7)
        gs = session.scalars(select(GroupSession).where(GroupSession.series_id != clinic.id)).first()
        booking = supervision.book(session, gs.id, frontline)
        clinic_session = session.scalars(select(GroupSession).where(GroupSession.series_id == clinic.id)).first()
        case = clinics.offer_case(session, frontline, clinic_session, clinic, {
            "client_reference": "RDA-200", "use_and_mental_health": "Drinks to sleep.", "question_for_group": "What next?"})
    service = directory.save(session, None, SERVICE, person(session, "admin"))
    snippet = Snippet(owner_id=psychologist.id, title="Naloxone", body="Carry naloxone.")
    session.add(snippet)
    closed = [consultation(session, "frontline", f"RDA-30{n}", utcnow() - timedelta(days=3),
                           psychologist_id=psychologist.id, status="closed", advice_given_at=utcnow() - timedelta(days=2),
                           closed_at=utcnow() - timedelta(days=1)) for n in range(2)]
    notes = [PracticeNote(psychologist_id=psychologist.id, status=status, consultation_id=on, title=title,
                          question="How do I talk about her mornings?", advice="Offer a morning check-in.")
             for status, on, title in (("published", None, "Mornings"), ("asked", closed[1].id, ""),
                                       ("draft", None, "Evenings"))]
    session.add_all(notes)
    guest = ConsultationGuest(consultation_id=closed[0].id, person_id=person(session, "other_frontline").id,
                              role="hostel keyworker", invited_by_id=frontline.id)
    session.add(guest)
    session.add(BoardReport(month="2026-10", quarter="2026-Q3", built_at=utcnow(), pdf=b"%PDF-1.7", csv="Period\n"))
    with app.app_context():
        agreement, held, account = _supervision(session, frontline, psychologist)
    session.commit()
    pattern = session.scalars(select(DutyPattern)).one()
    return {"clinic_session": clinic_session.id, "case": case.id, "consultation": c.id, "call": call.id, "action": action.id, "formulation": f.id, "version": version.id,
            "template": version.template_id, "session": gs.id, "series": gs.series_id, "booking": booking.id, "pattern": pattern.id,
            "organisation": frontline.organisation_id, "person": frontline.id, "team": frontline.teams[0].id,
            "service": service.id, "snippet": snippet.id, "closed": closed[0].id, "note": notes[0].id,
            "asked_note": notes[1].id, "draft_note": notes[2].id, "guest": guest.id, "agreement": agreement.id,
            "supervision_session": held.id, "account": account.id, "board_month": "2026-10"}


def _supervision(session, supervisee, supervisor):
    """An agreement in force for three weeks, its first session held and recorded, and the supervisee's
    reflective account of it."""
    from supervision.one_to_one import agreements, records, revalidation
    from tests.factories import SUPERVISION_TERMS, supervision_sessions

    then = utcnow() - timedelta(days=21)
    first = then.astimezone(LONDON).date() + timedelta(days=7)
    agreement = agreements.offer(session, supervisor, supervisee, {**SUPERVISION_TERMS, "starts_on": first,
                                                                   "review_on": first + timedelta(days=180)}, then)
    agreements.accept(session, agreement, 1, supervisee, then)
    held = supervision_sessions(session, agreement)[0]
    records.write(session, held, supervisor, {"caseload": "Heavy.", "wellbeing": "", "learning": ""},
                  [records.CaseDiscussed("RDA-100", None, "Mornings.")], [])
    account = revalidation.start(session, supervisee, revalidation.activity(session, supervisee, "supervision",
                                                                            held.id), "nmc")
    return agreement, held, account
