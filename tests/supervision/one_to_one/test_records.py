"""Session records: the supervisor writes one once the session has taken place, the supervisee confirms it with
their own reflection, a correction is a new version both see; nobody else reads it."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.audit import AuditEvent
from supervision.one_to_one.models import RecordAction, SessionRecord
from tests.factories import agreement_in_force, raise_request, supervision_sessions
from tests.pages import open_page
from tests.support import date_boxes, person, post_form, signed_in, told

RECORD = {"caseload": "Twenty-two on the caseload; two in crisis this month.",
          "wellbeing": "Tired after a death on the caseload; taking leave in January.",
          "learning": "Wants to learn motivational interviewing.",
          "case_1_reference": "JB-0412", "case_1_discussion": "Mornings are hardest; try a morning check-in.",
          "action_1_what": "Book the motivational interviewing course", "action_1_owner": "supervisee",
          **date_boxes("action_1_due", date(2027, 1, 15))}


def held_session(app, session):
    """A supervision session that took place (30 November 2026, before today), with its agreement."""
    agreement = agreement_in_force(app, session)
    return agreement, supervision_sessions(session, agreement)[0]


def _write(app, sess, **changes):
    client = signed_in(app, "psychologist")
    return client, post_form(client, f"/supervision/sessions/{sess.id}/record", {**RECORD, **changes})


def test_the_supervisor_records_a_session_and_the_supervisee_confirms_it_with_a_reflection(app, session):
    agreement, sess = held_session(app, session)
    consultation = raise_request(app, session)  # the supervisee's own request, for the case to link to
    _, response = _write(app, sess, case_1_consultation=str(consultation.id))
    assert response.status_code == 302
    session.rollback()
    record = session.scalars(select(SessionRecord)).one()
    assert (record.number, record.confirmed_at) == (1, None)
    assert told(session, "frontline")[-1].startswith("Please confirm the record of your supervision")
    session.refresh(agreement)
    assert agreement.last_held_on.isoformat() == "2026-11-30" and agreement.next_due_on.isoformat() == "2026-12-14"
    supervisee = signed_in(app, "frontline")
    page = open_page(supervisee, "one_to_one.session", session_id=sess.id)
    assert "Mornings are hardest" in page and "Book the motivational interviewing course" in page
    assert f"/consultations/{consultation.id}" in page
    response = post_form(supervisee, f"/supervision/sessions/{sess.id}/confirm",
                         {"confirm-version": "1", "confirm-reflection": "I need to ask for help sooner."},
                         page_url=f"/supervision/sessions/{sess.id}")
    assert response.status_code == 302
    session.rollback()
    record = session.scalars(select(SessionRecord)).one()
    assert record.confirmed_at is not None and record.reflection == "I need to ask for help sooner."
    assert session.scalars(select(RecordAction.owner_id)).all() == [person(session, "frontline").id]
    assert told(session, "psychologist")[-1].endswith("confirmed the record of your supervision on "
                                                      "30 November 2026, 2:00pm")


def test_a_correction_is_a_new_version_that_needs_confirming_again_and_both_see_the_history(app, session):
    agreement, sess = held_session(app, session)
    client, _ = _write(app, sess)
    supervisee = signed_in(app, "frontline")
    post_form(supervisee, f"/supervision/sessions/{sess.id}/confirm", {"confirm-version": "1"},
              page_url=f"/supervision/sessions/{sess.id}")
    response = post_form(client, f"/supervision/sessions/{sess.id}/record", {**RECORD, "wellbeing": "Tired."})
    assert response.status_code == 200 and "Say what you corrected" in response.get_data(as_text=True)
    response = post_form(client, f"/supervision/sessions/{sess.id}/record",
                         {**RECORD, "wellbeing": "Tired.", "correction_note": "Leave is in February"})
    assert response.status_code == 302
    session.rollback()
    versions = session.scalars(select(SessionRecord).order_by(SessionRecord.number)).all()
    assert [(v.number, v.confirmed_at is not None) for v in versions] == [(1, True), (2, False)]
    assert versions[0].wellbeing.startswith("Tired after a death")  # the first version never changes
    for viewer in (client, supervisee):
        page = open_page(viewer, "one_to_one.session", session_id=sess.id)
        assert "Version 2" in page and "Leave is in February" in page and "Earlier versions" in page
    # Confirming what the supervisee read before the correction is refused: they must read the new version.
    response = post_form(supervisee, f"/supervision/sessions/{sess.id}/confirm", {"confirm-version": "1"},
                         page_url=f"/supervision/sessions/{sess.id}")
    assert "corrected since you opened it" in response.get_data(as_text=True)


def test_a_record_with_an_identifier_is_refused_and_what_was_typed_is_kept(app, session):
    _, sess = held_session(app, session)
    _, response = _write(app, sess, wellbeing="Worried about Mrs Patel at 12 High Street, NHS 943 476 5919")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in body and "NHS number" in body
    assert "Twenty-two on the caseload" in body
    _, response = _write(app, sess, case_1_reference="Jo Bloggs")
    assert "There is a problem" in response.get_data(as_text=True)
    assert session.scalars(select(SessionRecord)).all() == []


def test_nobody_but_the_two_people_sees_the_record_and_every_view_is_audited(app, session):
    _, sess = held_session(app, session)
    _write(app, sess)
    for key in ("team_lead", "admin", "other_psychologist", "other_team_lead"):
        open_page(signed_in(app, key), "one_to_one.session", status=404, session_id=sess.id)
    open_page(signed_in(app, "frontline"), "one_to_one.session", session_id=sess.id)
    open_page(signed_in(app, "frontline"), "one_to_one.write_record", status=404, session_id=sess.id)
    session.rollback()
    viewed = session.scalars(select(AuditEvent.actor_id).where(AuditEvent.action == "supervision_session.viewed")).all()
    assert viewed == [person(session, "frontline").id]


def test_a_session_still_to_come_cannot_be_recorded(app, session):
    agreement = agreement_in_force(app, session)
    later = supervision_sessions(session, agreement)[-1]  # in February 2027
    _, response = _write(app, later)
    assert "once the session has taken place" in response.get_data(as_text=True)


def test_retention_removes_every_version_of_a_record_and_keeps_the_date(app, session):
    from datetime import timedelta

    from governance.models import DEFAULT_DAYS
    from governance.retention import apply_retention
    from supervision.one_to_one.models import RecordCase, SupervisionSession

    agreement, sess = held_session(app, session)
    client, _ = _write(app, sess)
    post_form(client, f"/supervision/sessions/{sess.id}/record", {**RECORD, "correction_note": "A typo"})
    session.rollback()
    written = session.scalars(select(SessionRecord.written_at).order_by(SessionRecord.number.desc())).first()
    with app.app_context():
        assert apply_retention(session, "secret", written + timedelta(days=30))["session_notes"] == 0
        later = written + timedelta(days=DEFAULT_DAYS["session_notes"] + 1)
        assert apply_retention(session, "secret", later)["session_notes"] == 1
        session.commit()
    assert session.scalars(select(SessionRecord)).all() == [] and session.scalars(select(RecordCase)).all() == []
    kept = session.get(SupervisionSession, sess.id)
    assert kept.recorded_at is not None and kept.record_removed_at is not None
    page = open_page(signed_in(app, "frontline"), "one_to_one.session", session_id=sess.id)
    assert "removed" in page and "retention period" in page and "Twenty-two" not in page
