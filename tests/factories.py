"""Building test data as the app itself would (through its services or its forms): requests, duties, lead roles,
reflective practice series and their sessions, template drafts."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import time_machine
from sqlalchemy import select

from consult import services
from consult.models import Consultation
from core.accounts.models import Person, PersonRole, Role
from core.timeutil import LONDON
from formulations.models import Formulation, TemplateVersion
from rota import services as rota
from supervision import services as supervision
from supervision.models import Booking, ClinicCase, GroupSeries, GroupSession

from .support import at_moment, email_for, person, post_form, sign_in, signed_in

# Monday 23 November 2026, 10am in London: inside working hours, and a working day.
MONDAY_10AM = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)

REQUEST = {
    "client_reference": "JB-0412", "consent_basis": "consented", "presenting_needs": ["mental_health", "alcohol"],
    "use_and_mental_health": "Drinking quietens the voices at night; mornings are worse.",
    "tried_so_far": "", "care_coordinator": "", "risks": ["suicide_self_harm"], "immediate_danger": False,
    "urgency": "soon", "preferred_mode": "written", "question": "How do I talk with her about her mornings?",
    "continuity": "duty",
}


# The request form as a browser posts it.
FORM = {**REQUEST, "immediate_danger": "no"}


def make_lead_psychologist(session, key: str) -> Person:
    lead = person(session, key)
    session.add(PersonRole(person_id=lead.id, role=Role.LEAD_PSYCHOLOGIST.value))
    lead.signed_in_roles = None
    session.commit()
    return lead


def put_on_duty(app, session, key: str, day: date | None = None, start: str = "09:00", end: str = "17:00",
                capacity: int = 5):
    """A one-off duty (London wall-clock times) for a psychologist, on MONDAY_10AM's day unless told."""
    with app.app_context():
        slot = rota.add_cover(session, person(session, key).id, day or MONDAY_10AM.date(), start, end, capacity)
        session.commit()
    return slot


def on_duty_throughout(session, key: str, capacity: int = 0) -> None:
    """A duty covering every moment a test travels to. At capacity 0 nothing is allocated to them, so requests
    wait in the pool, where a psychologist on duty may see and take them."""
    from core.timeutil import utcnow
    from rota.models import DutySlot
    session.add(DutySlot(psychologist_id=person(session, key).id, kind="cover", capacity=capacity, status="active",
                         starts_at=datetime(2000, 1, 1, tzinfo=LONDON), ends_at=datetime(2100, 1, 1, tzinfo=LONDON),
                         updated_at=utcnow()))
    session.commit()


def raise_request(app, session, key: str = "frontline", now: datetime = MONDAY_10AM, **changes) -> Consultation:
    """A request raised through the service, committed, as the request form would."""
    with app.app_context():
        c = services.raise_request(session, person(session, key), {**REQUEST, **changes}, now)
        session.commit()
    return c


def reload(session, c: Consultation) -> Consultation:
    """The request as the database has it now. A rollback alone forgets nothing when no transaction is open."""
    session.rollback()
    session.expire_all()
    return session.scalars(select(Consultation).where(Consultation.id == c.id)).one()


def post_request(client, **changes):
    """A request raised through the form, as the signed-in worker's browser posts it."""
    return post_form(client, "/consultations/new", {**FORM, **changes})


def newest(session) -> Consultation:
    session.rollback()
    return session.scalars(select(Consultation).order_by(Consultation.id.desc())).first()


def taken_request(app, session):
    """A request the frontline worker raised through the form and the psychologist on duty took: both
    signed-in clients, and the request's page."""
    on_duty_throughout(session, "psychologist")
    frontline, psychologist = app.test_client(), app.test_client()
    sign_in(frontline, "frontline")
    sign_in(psychologist, "psychologist")
    post_request(frontline)
    url = f"/consultations/{newest(session).id}"
    post_form(psychologist, f"{url}/take", page_url=url)
    return frontline, psychologist, url


# --- Reflective practice ---------------------------------------------------------

# Monday 23 November 2026, 9am in London; the series below starts the next day.
SERIES_NOW = datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)


def series(session, **changes) -> GroupSeries:
    """The Keyworkers team's weekly group, two seats, on Tuesdays at 1:30pm from 24 November 2026 unless told."""
    lead = person(session, "team_lead")
    values = dict(title="Keyworkers' reflective practice", facilitator_id=person(session, "psychologist").id,
                  created_by_id=lead.id, organisation_id=lead.organisation_id, team_id=lead.teams[0].id,
                  open_round=True, capacity=2, location="Room 4", frequency="weekly", every_weeks=1, weekday=1,
                  start_time="13:30", minutes=90, starts_on=date(2026, 11, 24), booking_cutoff_hours=2,
                  cancellation_cutoff_hours=24)
    values.update(changes)
    s = GroupSeries(**values)
    session.add(s)
    session.flush()
    return s


def starting_tomorrow() -> dict:
    """A weekly series starting tomorrow, so page tests hold whatever day they run."""
    tomorrow = datetime.now(LONDON).date() + timedelta(days=1)
    return {"starts_on": tomorrow, "weekday": tomorrow.weekday()}


def one_session(app, session, **changes) -> GroupSession:
    """The first session of a weekly series starting tomorrow."""
    series(session, **{**starting_tomorrow(), **changes})
    with app.app_context():
        supervision.make_sessions(session, datetime.now(LONDON) - timedelta(days=1), days=7)
        session.commit()
    return session.scalars(select(GroupSession).order_by(GroupSession.starts_at)).first()


def past_session(app, session, attended: tuple[str, ...], **changes) -> GroupSession:
    """The one session of a series that ended three days ago, with these people booked and marked attended."""
    day = datetime.now(LONDON).date() - timedelta(days=3)
    made = series(session, **{"starts_on": day, "weekday": day.weekday(), "capacity": 10, **changes})
    with app.app_context():
        supervision.make_sessions(session, datetime.now(LONDON) - timedelta(days=4), days=2)
    gs = session.scalars(select(GroupSession).where(GroupSession.series_id == made.id)).one()
    for key in attended:
        session.add(Booking(session_id=gs.id, person_id=person(session, key).id, status="booked",
                            attendance="attended"))
    session.commit()
    return gs


def weekly_sessions(app, session, **changes) -> list[GroupSession]:
    """A weekly series from Tuesday 24 November 2026, and its first three sessions."""
    made = series(session, **changes)
    with app.app_context(), time_machine.travel(SERIES_NOW, tick=False):
        supervision.make_sessions(session, SERIES_NOW, days=21)
        session.commit()
    return session.scalars(select(GroupSession).where(GroupSession.series_id == made.id)
                           .order_by(GroupSession.starts_at)).all()


def series_form(session, **changes) -> dict:
    """The scheduling form for a partnership-wide weekly group from tomorrow, as a browser posts it."""
    tomorrow = datetime.now(LONDON).date() + timedelta(days=1)
    return {"title": "Across services round", "description": "", "facilitator_id": str(person(session, "psychologist").id),
            "audience": "partnership", "kind": "open", "capacity": "8", "location": "Community hub, room 2",
            "time_zone": "Europe/London", "frequency": "weekly", "every_weeks": "1", "weekday": str(tomorrow.weekday()),
            "nth": "1", "start_time": "12:30", "minutes": "60", "starts_on": tomorrow.isoformat(), "ends_on": "",
            "session_count": "", "booking_cutoff_hours": "2", "cancellation_cutoff_hours": "24", **changes}


# --- Formulation templates -------------------------------------------------------

TEMPLATE_FORM = {
    "title": "Cycle of change map",
    "summary": "Where the person is with change, in their words.",
    "audience": "plain",
    "tags": "Motivation, alcohol",
    "minutes_needed": "15",
    "source_note": "Prochaska and DiClemente (1983).",
    "sections": "## Where they are now\nAsk gently.\n? What do they say about change?\n\n## Next step\n? What is one small step?",
    "action": "save",
}


def new_draft(author, session, **changes) -> TemplateVersion:
    """A template draft written through the form by the signed-in psychologist `author`."""
    response = post_form(author, "/formulations/templates/new", {**TEMPLATE_FORM, **changes})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    session.rollback()
    return session.scalars(select(TemplateVersion).order_by(TemplateVersion.id.desc())).first()


def publish(author, version_id):
    return post_form(author, f"/formulations/versions/{version_id}/publish", page_url=f"/formulations/versions/{version_id}")


def book_as(app, session, key: str, gs: GroupSession, moment: datetime = SERIES_NOW):
    """`key` books a seat on the session at `moment`, through the service."""
    return at_moment(moment, app, session, lambda: supervision.book(session, gs.id, person(session, key)))


def worker_starts_a_formulation(app, author, session) -> tuple[TemplateVersion, Formulation, object]:
    """`author` publishes a template; the frontline worker starts a formulation with it, on no case. The version,
    the formulation and the worker's signed-in client."""
    version = new_draft(author, session)
    publish(author, version.id)
    worker = app.test_client()
    sign_in(worker, "frontline")
    post_form(worker, f"/formulations/versions/{version.id}/start", {"consultation_id": "0"})
    session.rollback()
    return version, session.scalars(select(Formulation)).one(), worker


# --- Case clinics ----------------------------------------------------------------

CASE_FORM = {"client_reference": "PH-0031", "use_and_mental_health": "Uses heroin to get through the nights; low mood.",
             "tried_so_far": "Naloxone given; GP letter.",
             "question_for_group": "How do I keep her coming to the pharmacy?"}


def clinic_session(app, session, **changes) -> GroupSession:
    """The first session of a partnership-wide case clinic with two case slots, facilitated by the psychologist."""
    return one_session(app, session, **{"kind": "case_clinic", "case_slots": 2, "organisation_id": None,
                                        "team_id": None, "title": "Partnership case clinic", "capacity": 12, **changes})


def offer_through_form(app, session, gs: GroupSession, key: str = "other_frontline", **changes):
    """`key` offers a case to the session through the form: their signed-in client, and the response."""
    client = signed_in(app, key)
    url = f"/reflective-practice/sessions/{gs.id}/cases/new"
    response = post_form(client, url, {**CASE_FORM, **changes}, page_url=url)
    session.rollback()
    return client, response


def newest_case(session) -> ClinicCase:
    session.rollback()
    session.expire_all()
    return session.scalars(select(ClinicCase).order_by(ClinicCase.id.desc())).first()


SERVICE = {"name": "Brighton Community Mental Health Team", "kind": "secondary_mental_health",
           "who_for": "Adults with severe and enduring mental illness.",
           "criteria": "Aged 18 or over, registered with a Brighton and Hove GP, and mental health needs a GP cannot "
                       "meet alone. Drug or alcohol use is no reason to turn anyone away.",
           "how_to_refer": "The GP refers, or the worker calls the duty line with the person's agreement.",
           "contact": "Duty line 01273 000000", "opening_hours": "Monday to Friday 9am to 5pm",
           "not_for": "", "instead_id": None}


def local_service(session, **changes):
    """A service in the directory, saved by the admin as the directory's own pages would."""
    from directory.services import save
    service = save(session, None, {**SERVICE, **changes}, session.scalar(
        select(Person).where(Person.email == email_for("admin"))))
    session.commit()
    return service


def closed_with_advice(app, session, advice: str = "Offer a morning check-in, before her first drink."):
    """A request taken, advised and closed through the pages: the worker's and psychologist's clients, its page."""
    frontline, psychologist, url = taken_request(app, session)
    post_form(psychologist, f"{url}/advice", {"advice-body": advice}, page_url=url)
    post_form(psychologist, f"{url}/close", {"close-outcome": "advice_only", "close-minutes_spent": "30"},
              page_url=url)
    return frontline, psychologist, url


# A supervision agreement's terms as the services take them: every two weeks, an hour, from a Monday.
SUPERVISION_TERMS = {"every_weeks": 2, "minutes": 60, "start_time": "14:00", "mode": "video",
                     "location": "https://video.example/supervision", "covers": "Caseload, wellbeing and learning.",
                     "confidentiality": "Confidential between us, except where someone is at risk of serious harm.",
                     "starts_on": date(2026, 11, 30), "review_on": date(2027, 5, 31)}


def agreement_in_force(app, session, now: datetime = MONDAY_10AM, supervisor: str = "psychologist",
                       supervisee: str = "frontline", **terms):
    """A supervision agreement offered by the supervisor and accepted by the supervisee at `now`."""
    from supervision.one_to_one import agreements

    def offer_and_accept():
        made = agreements.offer(session, person(session, supervisor), person(session, supervisee),
                                {**SUPERVISION_TERMS, **terms}, now)
        agreements.accept(session, made, 1, person(session, supervisee), now)
        return made
    return at_moment(now, app, session, offer_and_accept)


def supervision_sessions(session, agreement) -> list:
    from supervision.one_to_one.models import SupervisionSession

    return session.scalars(select(SupervisionSession).where(SupervisionSession.agreement_id == agreement.id)
                           .order_by(SupervisionSession.starts_at, SupervisionSession.id)).all()
