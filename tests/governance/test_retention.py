"""Retention: admins set periods; the sweep removes what is past its time, keeps the figures, logs each removal."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from consult.models import CloseOutSurvey, Consultation, Message
from core.audit import AuditEvent
from core.scheduler import run_sweep, sweeps_of
from formulations.models import Formulation, FormulationComment, FormulationRevision
from governance.retention import apply_retention, set_periods
from reach.figures import figures
from supervision.models import SessionNotes
from tests.pages import open_page
from tests.partnership_october import NOW, OCTOBER, utc
from tests.support import person, post_form, sign_in

SECRET = "test-secret-key-that-is-long-enough-for-tests"


def _add_old_records(session):
    c1 = session.scalars(select(Consultation).where(Consultation.client_reference == "RDA-001")
                         .order_by(Consultation.id)).first()
    session.add(Message(consultation_id=c1.id, author_id=c1.requester_id, kind="message", body="He drinks to sleep.",
                        created_at=utc(2026, 10, 1, 2)))
    f = session.scalars(select(Formulation).order_by(Formulation.created_at)).first()  # September's
    session.add(FormulationComment(formulation_id=f.id, section_index=0, author_id=f.author_id, body="Good start"))
    from supervision.models import GroupSession
    gs = session.scalars(select(GroupSession)).first()
    session.add(SessionNotes(session_id=gs.id, private_notes="Tired today", themes="Burnout", updated_at=utc(2026, 10, 14)))
    session.commit()
    return c1, f, gs


def test_the_sweep_removes_what_is_past_its_time_keeps_the_figures_and_logs_each_removal(app, session, october):
    c1, old_formulation, gs = _add_old_records(session)
    before = figures(session, OCTOBER, NOW)
    set_periods(session, {"closed_consultations": 45, "formulations": 60, "session_notes": 30}, None)
    session.commit()
    with app.app_context():
        done = apply_retention(session, SECRET, NOW)
        session.commit()
    # Closed before 9 October (45 days before 23 November): C1 (5 Oct) and C4 (2 Oct). C2 closed on 12 October stays.
    assert done == {"closed_consultations": 2, "formulations": 1, "session_notes": 1}

    session.expire_all()
    gone = session.get(Consultation, c1.id)
    assert gone.client_reference == "removed" and gone.question == "" and gone.details_removed_at
    assert session.scalar(select(func.count()).select_from(Message).where(Message.consultation_id == c1.id)) == 0
    assert (gone.outcome, gone.minutes_spent, gone.urgency) == ("joint_working", 30, "routine")
    assert session.get(CloseOutSurvey, c1.id).useful == "yes"
    kept = session.scalars(select(Consultation).where(Consultation.client_reference == "RDA-001")).one()
    assert kept.question == "?" and kept.details_removed_at is None

    assert session.get(Formulation, old_formulation.id).content_removed_at is not None
    revisions = session.scalars(select(FormulationRevision).where(
        FormulationRevision.formulation_id == old_formulation.id)).all()
    assert len(revisions) == 1 and "Good start" not in revisions[0].answers_json
    assert session.scalar(select(func.count()).select_from(FormulationComment)) == 0
    assert session.get(SessionNotes, gs.id) is None

    # The same figures as before, including distinct clients (the hashed reference still tells them apart).
    after = figures(session, OCTOBER, NOW)
    assert after == before

    logged = session.scalars(select(AuditEvent.action).where(AuditEvent.action.startswith("retention."))).all()
    assert sorted(logged) == sorted(["retention.periods_changed", "retention.consultation_details_removed",
                                     "retention.consultation_details_removed", "retention.formulation_content_removed",
                                     "retention.session_notes_removed"])
    with app.app_context():
        assert apply_retention(session, SECRET, NOW) == {"closed_consultations": 0, "formulations": 0,
                                                         "session_notes": 0}


def test_until_an_admin_sets_a_period_the_defaults_apply(app, session, october):
    from governance.models import DEFAULT_DAYS
    from governance.retention import periods
    assert periods(session) == {"closed_consultations": 2922, "formulations": 2922, "session_notes": 2192}
    _add_old_records(session)
    with app.app_context():
        run_sweep(app, sweeps_of(app)["retention"])  # nothing in the October partnership is eight years old
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Consultation).where(
        Consultation.details_removed_at.is_not(None))) == 0
    eight_years_on = NOW + timedelta(days=DEFAULT_DAYS["closed_consultations"] + 30)
    with app.app_context():
        done = apply_retention(session, SECRET, eight_years_on)
        session.commit()
    assert done["closed_consultations"] == 3 and done["session_notes"] == 1


def test_admins_are_warned_on_every_page_while_any_records_are_kept_for_ever(app, session):
    admin = app.test_client()
    sign_in(admin, "admin")
    assert "are kept for ever" not in open_page(admin, "core.home")  # the defaults apply
    post_form(admin, "/admin/retention", {"closed_consultations": "2922", "formulations": "", "session_notes": "2192"})
    for page in ("/", "/admin/", "/consultations/mine"):
        assert "Formulations are kept for ever" in admin.get(page).get_data(as_text=True), page
    frontline = app.test_client()
    sign_in(frontline, "frontline")
    assert "kept for ever" not in open_page(frontline, "core.home")


def test_a_removed_consultation_still_opens_and_says_what_happened(app, session, october):
    c1, _, _ = _add_old_records(session)
    set_periods(session, {"closed_consultations": 30, "formulations": None, "session_notes": None}, None)
    session.commit()
    with app.app_context():
        apply_retention(session, SECRET, NOW)
        session.commit()
    client = app.test_client()
    sign_in(client, "frontline")
    page = open_page(client, "consult.show", consultation_id=c1.id)
    assert "The details of this consultation were removed" in page and "He drinks to sleep" not in page


def test_admins_set_the_periods_with_clear_messages(app, session):
    admin = app.test_client()
    sign_in(admin, "admin")
    page = post_form(admin, "/admin/retention", {"closed_consultations": "7", "formulations": "lots",
                                                 "session_notes": "365"}).get_data(as_text=True)
    assert "Enter between 30 and 36,500 days" in page and "Enter a number of days" in page
    assert 'value="365"' in page  # what was typed stays
    assert post_form(admin, "/admin/retention", {"closed_consultations": "2555", "formulations": "",
                                                 "session_notes": "365"}).status_code == 302  # as a browser posts it
    session.rollback()
    from governance.retention import periods
    assert periods(session) == {"closed_consultations": 2555, "formulations": None, "session_notes": 365}
    frontline = app.test_client()
    sign_in(frontline, "frontline")
    open_page(frontline, "governance.retention", status=403)
    changed = session.scalars(select(AuditEvent).where(AuditEvent.action == "retention.periods_changed")).one()
    assert changed.actor_id == person(session, "admin").id
