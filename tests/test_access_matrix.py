"""The access matrix: every id-bearing page tried as every role, from the same organisation and another,
against the answer each should get. Access follows the person's relationship to the record, not only their
role: the requester and their team leads see a consultation, so do the partnership's psychologists; other
organisations' staff get "not found" (so ids give nothing away); commissioners are refused everything but
the dashboard. Every state-changing id-bearing route is also tried by people from another organisation,
and must refuse without changing anything."""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from consult.models import Snippet
from core.accounts.models import Organisation
from core.timeutil import utcnow
from directory.models import LocalService
from library.models import PracticeNote
from supervision.models import Booking, GroupSession
from supervision.one_to_one.models import SessionRecord, SupervisionAgreement
from tests.support import person, post_form, sign_in

PERSONAS = ["frontline", "psychologist", "team_lead", "admin", "other_frontline", "other_psychologist",
            "other_team_lead", "other_admin", "commissioner"]
OK, NOT_FOUND, FORBIDDEN, REDIRECT = 200, 404, 403, 302


# Expected answer per persona, in PERSONAS order.
F, P, TL, A, OF, OP, OTL, OA, C = range(9)


def row(*answers):
    return dict(zip(PERSONAS, answers, strict=True))


N, X, R = NOT_FOUND, FORBIDDEN, REDIRECT
GET_MATRIX = {
    # Consultations: the requester, their team lead and the psychologist holding it; another psychologist is
    # asked why they need it (403, with the form to say); nobody else.
    "/consultations/{consultation}": row(OK, OK, OK, N, N, X, N, N, X),
    # The acknowledgement is the requester's; others who may see the case are sent to the case itself.
    "/consultations/{consultation}/received": row(OK, R, R, N, N, X, N, N, X),
    # A call's invitation is for the two people on the call.
    "/consultations/{consultation}/calls/{call}.ics": row(OK, OK, X, N, N, X, N, N, X),
    "/consultations/{consultation}/calls/{call}/change": row(OK, OK, X, N, N, X, N, N, X),
    # The advice summary follows the case.
    "/consultations/{consultation}/summary.pdf": row(OK, OK, OK, N, N, X, N, N, X),
    "/consultations/{consultation}/summary.txt": row(OK, OK, OK, N, N, X, N, N, X),
    # A formulation on a case follows the case (a psychologist not involved does not find it).
    "/formulations/{formulation}": row(OK, OK, OK, N, N, N, N, N, X),
    "/formulations/{formulation}.md": row(OK, OK, OK, N, N, N, N, N, X),
    "/formulations/{formulation}/revisions/1": row(OK, OK, OK, N, N, N, N, N, X),
    "/formulations/{formulation}/print.css": row(OK, OK, OK, N, N, N, N, N, X),
    # Published templates are the partnership's library.
    "/formulations/versions/{version}": row(OK, OK, OK, OK, OK, OK, OK, OK, X),
    "/formulations/templates/{template}": row(R, R, R, R, R, R, R, R, X),
    "/formulations/templates/{template}/differences?from={version}&to={version}": row(OK, OK, OK, OK, OK, OK, OK, OK, X),
    "/formulations/versions/{version}/start": row(OK, OK, OK, OK, OK, OK, OK, OK, X),
    "/formulations/versions/{version}/edit": row(X, X, X, X, X, X, X, X, X),  # published: nobody edits it
    # Reflective practice: members see sessions; the facilitator and the team lead the register;
    # the facilitator alone the notes; the team lead who scheduled it changes it.
    "/reflective-practice/sessions/{session}": row(OK, OK, OK, OK, N, N, N, OK, X),
    "/reflective-practice/sessions/{session}/register": row(N, OK, OK, N, N, N, N, N, X),
    "/reflective-practice/groups/{series}": row(N, OK, OK, N, N, N, N, N, X),
    "/reflective-practice/sessions/{session}/notes": row(N, OK, N, N, N, N, N, N, X),
    "/reflective-practice/sessions/{session}/change": row(N, N, OK, N, N, N, N, N, X),
    "/reflective-practice/bookings/{booking}.ics": row(OK, N, N, N, N, N, N, N, X),
    "/reflective-practice/evaluations/{booking}": row(R, N, N, N, N, N, N, N, X),
    # A case clinic takes cases from those it is open to; a case is seen in full by its presenter, their team
    # leads and the facilitator (attendees see only the summary, on the session's page); only its presenter
    # changes it.
    "/reflective-practice/sessions/{clinic_session}/cases/new": row(OK, OK, OK, OK, N, N, N, OK, X),
    "/reflective-practice/cases/{case}": row(OK, OK, OK, N, N, N, N, N, X),
    "/reflective-practice/cases/{case}/edit": row(OK, X, X, N, N, N, N, N, X),
    # Only a presented case, its recommendations sent, is brought back (this one is still offered).
    "/reflective-practice/cases/{case}/follow-up": row(N, N, N, N, N, N, N, N, X),
    # One-to-one supervision: the agreement, its sessions and their records are the two people's alone (the
    # supervisee's team lead sees dates on the compliance view, never these); only the supervisor writes the
    # record; a reflective account is its writer's alone.
    "/supervision/agreements/{agreement}": row(OK, OK, N, N, N, N, N, N, X),
    "/supervision/agreements/{agreement}/change": row(OK, OK, N, N, N, N, N, N, X),
    "/supervision/sessions/{supervision_session}": row(OK, OK, N, N, N, N, N, N, X),
    "/supervision/sessions/{supervision_session}/change": row(OK, OK, N, N, N, N, N, N, X),
    "/supervision/sessions/{supervision_session}/record": row(N, OK, N, N, N, N, N, N, X),
    "/supervision/sessions/{supervision_session}.ics": row(OK, OK, N, N, N, N, N, N, X),
    "/supervision/reflective-accounts/{account}": row(OK, N, N, N, N, N, N, N, X),
    "/supervision/reflective-accounts/{account}.pdf": row(OK, N, N, N, N, N, N, N, X),
    "/supervision/reflective-accounts/{account}.txt": row(OK, N, N, N, N, N, N, N, X),
    # The rota: a psychologist's own pattern (the lead psychologist's too; the coverage grid shows them all).
    "/consultations/rota/patterns/{pattern}/edit": row(X, OK, X, X, X, X, X, X, X),
    # A psychologist's saved paragraphs are their own.
    "/consultations/snippets/{snippet}": row(X, OK, X, X, X, N, X, X, X),
    # A published practice note is the partnership's; a request is offered as one by its holder alone, the
    # worker who asked alone answers, and the psychologist alone edits the draft.
    "/library/notes/{note}": row(OK, OK, OK, OK, OK, OK, OK, OK, X),
    "/library/offer/{closed}": row(N, OK, N, N, N, N, N, N, X),
    "/library/notes/{asked_note}/agreement": row(OK, N, N, N, N, N, N, N, X),
    "/library/notes/{draft_note}/edit": row(N, OK, N, N, N, N, N, N, X),
    # The service directory is every member of staff's to read and admins' to keep.
    "/directory/{service}": row(OK, OK, OK, OK, OK, OK, OK, OK, X),
    "/directory/{service}/edit": row(X, X, X, OK, X, X, X, OK, X),
    # The partnership board report: its figures are released as commissioners see them, for the whole partnership.
    "/reach/board-reports/{board_month}.pdf": row(X, OK, X, OK, X, OK, X, OK, OK),
    # Admin pages: admins.
    "/admin/organisations/{organisation}": row(X, X, X, OK, X, X, X, OK, X),
    "/admin/people/{person}": row(X, X, X, OK, X, X, X, OK, X),
    "/admin/teams/{team}": row(X, X, X, OK, X, X, X, OK, X),
}


def _clients(app):
    clients = {}
    for key in PERSONAS:
        client = app.test_client()
        sign_in(client, "commissioner@example.org" if key == "commissioner" else key)
        clients[key] = client
    return clients


def test_every_id_bearing_page_answers_each_role_as_it_should(app, session, world):
    clients = _clients(app)
    wrong = []
    for pattern, expected in GET_MATRIX.items():
        url = pattern.format(**world)
        for key, status in expected.items():
            got = clients[key].get(url).status_code
            if got != status:
                wrong.append(f"{url} as {key}: {got}, expected {status}")
    assert wrong == [], "\n".join(wrong)


def test_the_matrix_covers_every_id_bearing_page(app):
    covered = {pattern.split("/")[1:3][0] for pattern in GET_MATRIX}
    id_pages = [rule for rule in app.url_map.iter_rules()
                if "GET" in rule.methods and rule.arguments - {"filename", "token", "table"}]
    assert len(id_pages) == len(GET_MATRIX), sorted(r.rule for r in id_pages)
    assert covered >= {"consultations", "formulations", "reflective-practice", "admin"}


POSTS = [
    "/consultations/{consultation}/take", "/consultations/{consultation}/reply", "/consultations/{consultation}/advice",
    "/consultations/{consultation}/information", "/consultations/{consultation}/close",
    "/consultations/{consultation}/reassign", "/consultations/{consultation}/calls",
    "/consultations/{consultation}/calls/{call}/outcome", "/consultations/{consultation}/calls/{call}/move",
    "/consultations/{consultation}/calls/{call}/cancel", "/consultations/{consultation}/survey",
    "/consultations/{consultation}/suggest-template", "/formulations/{formulation}/comments",
    "/formulations/{formulation}", "/reflective-practice/sessions/{session}/register",
    "/reflective-practice/sessions/{session}/notes", "/reflective-practice/sessions/{session}/move",
    "/reflective-practice/sessions/{session}/cancel", "/reflective-practice/sessions/{session}/end-series",
    "/reflective-practice/sessions/{session}/book", "/reflective-practice/bookings/{booking}/cancel",
    "/reflective-practice/bookings/{booking}/accept", "/consultations/rota/patterns/{pattern}/end",
    "/formulations/versions/{version}/retire", "/formulations/versions/{version}/new-draft",
    "/formulations/versions/{version}/discard", "/reflective-practice/sessions/{clinic_session}/cases/new",
    "/reflective-practice/cases/{case}/review", "/reflective-practice/cases/{case}/edit",
    "/reflective-practice/cases/{case}/withdraw", "/reflective-practice/cases/{case}/recommendations",
    "/reflective-practice/sessions/{clinic_session}/teaching", "/consultations/{consultation}/actions",
    "/consultations/{consultation}/actions/{action}", "/directory/{service}/edit", "/directory/{service}/retire",
    "/consultations/snippets/{snippet}", "/consultations/snippets/{snippet}/delete", "/library/offer/{closed}",
    "/library/notes/{asked_note}/agreement", "/library/notes/{draft_note}/edit", "/library/notes/{note}/retire",
    "/consultations/{consultation}/guests", "/consultations/{consultation}/guests/{guest}/remove",
    "/supervision/agreements/{agreement}/versions/1/accept", "/supervision/agreements/{agreement}/versions/1/decline",
    "/supervision/agreements/{agreement}/change", "/supervision/agreements/{agreement}/end",
    "/supervision/sessions/{supervision_session}/move", "/supervision/sessions/{supervision_session}/cancel",
    "/supervision/sessions/{supervision_session}/record", "/supervision/sessions/{supervision_session}/confirm",
    "/supervision/sessions/{supervision_session}/correction", "/supervision/reflective-accounts/{account}",
]


@pytest.mark.parametrize("outsider", ["other_frontline", "other_team_lead", "commissioner"])
def test_people_from_another_organisation_can_change_nothing(app, session, world, outsider):
    client = app.test_client()
    sign_in(client, "commissioner@example.org" if outsider == "commissioner" else outsider)
    token_page = client.get("/account")
    for pattern in POSTS:
        url = pattern.format(**world)
        response = post_form(client, url, {"body": "x", "reason": "x", "outcome": "advice_only", "minutes": "10",
                                           "private_notes": "x", "themes": "x", "move-day": "2030-01-01",
                                           "move-start_time": "10:00"}, page_url="/account")
        assert response.status_code in (FORBIDDEN, NOT_FOUND), f"{url} as {outsider}: {response.status_code}"
    assert token_page.status_code == 200
    session.rollback()
    assert session.get(Booking, world["booking"]).status == "booked"
    assert session.get(GroupSession, world["session"]).status == "scheduled"
    assert session.get(Organisation, world["organisation"]) is not None
    assert session.get(LocalService, world["service"]).retired_at is None
    assert session.get(Snippet, world["snippet"]) is not None
    assert [session.get(PracticeNote, world[n]).status for n in ("note", "asked_note", "draft_note")] == \
        ["published", "asked", "draft"]
    assert session.get(SupervisionAgreement, world["agreement"]).status == "active"
    assert session.scalar(select(func.count()).select_from(SessionRecord)) == 1


CONSULTATION_POSTS = [p for p in POSTS if p.startswith("/consultations/{consultation}")]


def test_a_psychologist_not_involved_changes_nothing_and_sees_a_request_only_after_saying_why(app, session, world):
    from consult.models import AccessGrant, Consultation
    from core.audit import AuditEvent
    client = app.test_client()
    sign_in(client, "other_psychologist")
    url = "/consultations/{consultation}".format(**world)
    before = session.get(Consultation, world["consultation"]).updated_at
    for pattern in CONSULTATION_POSTS:
        response = post_form(client, pattern.format(**world), {"message-body": "x", "advice-body": "x"},
                             page_url="/account")
        assert response.status_code in (FORBIDDEN, NOT_FOUND), pattern
    session.rollback()
    assert session.get(Consultation, world["consultation"]).updated_at == before
    refused = client.get(url)
    assert refused.status_code == FORBIDDEN and "Why do you need to see this request?" in refused.get_data(as_text=True)
    no_reason = post_form(client, f"{url}/access", {"access-reason": "other"}, page_url=url)
    assert no_reason.status_code == FORBIDDEN and "Say why you need to see this request" in no_reason.get_data(as_text=True)
    assert post_form(client, f"{url}/access", {"access-reason": "covering", "access-details": "The holder is off sick today"},
                     page_url=url).status_code == 302
    assert client.get(url).status_code == OK
    session.rollback()
    grant = session.scalars(select(AccessGrant)).one()
    viewed = session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "consultation.viewed",
                                                             AuditEvent.actor_id == grant.person_id)).all()
    assert viewed and all(f'"grant": {grant.id}' in detail for detail in viewed)
    with time_machine.travel(utcnow() + timedelta(hours=9)):
        sign_in(client, "other_psychologist")
        assert client.get(url).status_code == FORBIDDEN  # the grant has run out


def test_the_lead_psychologist_reviews_every_view_given_with_a_reason(app, session, world):
    from core.accounts.models import PersonRole
    other = app.test_client()
    sign_in(other, "other_psychologist")
    url = "/consultations/{consultation}".format(**world)
    post_form(other, f"{url}/access", {"access-reason": "safeguarding", "access-details": "Child at the address"},
              page_url=url)
    session.rollback()  # a write must not start from a read begun before the request's commit
    lead = person(session, "psychologist")
    session.add(PersonRole(person_id=lead.id, role="lead_psychologist"))
    session.commit()
    reviewer = app.test_client()
    sign_in(reviewer, "psychologist")
    page = reviewer.get("/consultations/access-reviews").get_data(as_text=True)
    assert "Other Psychologist" in page and "A safeguarding concern: Child at the address" in page
    assert other.get("/consultations/access-reviews").status_code == FORBIDDEN
