"""A supervision session's page with its record: the supervisor writes or corrects it (a new version each
time), the supervisee confirms it with their own reflection or asks for a correction. Only the two of them."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from core import audit
from core.database import db
from core.params import whole_number
from core.refusals import attempt
from core.timeutil import utcnow

from . import bp, records
from .agreements import party
from .forms import ACTIONS, CASES, ConfirmForm, CorrectionForm, RecordForm
from .models import MODES, ReflectiveAccount
from .sessions import terms_of
from .views import load_session


def _people(agreement) -> dict[int, str]:
    return {agreement.supervisor_id: agreement.supervisor.name, agreement.supervisee_id: agreement.supervisee.name}


@bp.route("/sessions/<int:session_id>")
def session(session_id: int):
    sess, agreement = load_session(session_id)
    return _session_page(sess, agreement)


def _session_page(sess, agreement, **forms):
    history = records.history(db.session, sess)
    role = party(current_user, agreement)
    forms.setdefault("confirm_form", ConfirmForm(formdata=None, data={"version": history[0].number} if history
                                                 else None))
    forms.setdefault("correction_form", CorrectionForm(formdata=None))
    account = db.session.scalar(select(ReflectiveAccount.id).where(
        ReflectiveAccount.person_id == current_user.id, ReflectiveAccount.source_kind == "supervision",
        ReflectiveAccount.source_id == sess.id))
    audit.record(db.session, "supervision_session.viewed", "supervision_session", sess.id)
    return render_template("one_to_one/session.html", sess=sess, agreement=agreement, terms=terms_of(db.session, sess),
                           modes=MODES, history=history, role=role, now=utcnow(), people=_people(agreement),
                           account=account, **forms)


def _record_defaults(history, agreement) -> dict:
    """The form filled from the latest version, for a correction."""
    if not history:
        return {}
    latest = history[0]
    data = {key: getattr(latest, key) for key in ("caseload", "wellbeing", "learning")}
    for n, case in enumerate(latest.cases[:CASES], start=1):
        data.update({f"case_{n}_reference": case.client_reference, f"case_{n}_consultation": case.consultation_id,
                     f"case_{n}_discussion": case.discussion})
    for n, action in enumerate(latest.actions[:ACTIONS], start=1):
        data.update({f"action_{n}_what": action.what, f"action_{n}_due": action.due_on,
                     f"action_{n}_owner": "supervisor" if action.owner_id == agreement.supervisor_id else "supervisee"})
    return data


def _cases(form) -> list[records.CaseDiscussed]:
    return [records.CaseDiscussed(form[f"case_{n}_reference"].data.strip(), form[f"case_{n}_consultation"].data,
                                  (form[f"case_{n}_discussion"].data or "").strip())
            for n in range(1, CASES + 1) if form[f"case_{n}_reference"].data]


def _actions(form, agreement) -> list[records.ActionAgreed]:
    owner = {"supervisor": agreement.supervisor_id, "supervisee": agreement.supervisee_id}
    return [records.ActionAgreed(form[f"action_{n}_what"].data.strip(), owner[form[f"action_{n}_owner"].data],
                                 form[f"action_{n}_due"].data)
            for n in range(1, ACTIONS + 1) if form[f"action_{n}_what"].data]


@bp.route("/sessions/<int:session_id>/record", methods=["GET", "POST"])
def write_record(session_id: int):
    sess, agreement = load_session(session_id)
    if current_user.id != agreement.supervisor_id:
        abort(404)
    history = records.history(db.session, sess)
    form = RecordForm(data=_record_defaults(history, agreement) if request.method == "GET" else None)
    if request.method == "GET":
        audit.record(db.session, "supervision_record.viewed_to_write", "supervision_session", sess.id)
    choices = [("", "None")] + [(cid, f"{reference} (client {client})") for cid, reference, client
                                in records.supervisees_consultations(db.session, agreement)]
    for n in range(1, CASES + 1):
        form[f"case_{n}_consultation"].choices = choices
    if history and request.method == "POST" and not (form.correction_note.data or "").strip():
        form.validate()
        form.correction_note.errors.append("Say what you corrected: both of you see it in the history")
    elif form.validate_on_submit():
        _, refusal = attempt(db.session, lambda: records.write(
            db.session, sess, current_user, form.themes(), _cases(form), _actions(form, agreement),
            (form.correction_note.data or "").strip()))
        if refusal is None:
            flash(f"The record is saved. {agreement.supervisee.name} is asked to confirm it.", "success")
            return redirect(url_for("one_to_one.session", session_id=sess.id))
        form.form_errors.append(refusal)
    return render_template("one_to_one/record.html", form=form, sess=sess, agreement=agreement, history=history,
                           cases=CASES, actions=ACTIONS)


@bp.route("/sessions/<int:session_id>/confirm", methods=["POST"])
def confirm(session_id: int):
    sess, agreement = load_session(session_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        _, refusal = attempt(db.session, lambda: records.confirm(
            db.session, sess, current_user, whole_number(form.version.data) or 0, (form.reflection.data or "").strip()))
        if refusal is None:
            flash("You confirmed the record.", "success")
            return redirect(url_for("one_to_one.session", session_id=sess.id))
        form.form_errors.append(refusal)
    return _session_page(sess, agreement, confirm_form=form)


@bp.route("/sessions/<int:session_id>/correction", methods=["POST"])
def ask_for_correction(session_id: int):
    sess, agreement = load_session(session_id)
    form = CorrectionForm()
    if form.validate_on_submit():
        _, refusal = attempt(db.session, lambda: records.ask_for_correction(db.session, sess, current_user,
                                                                            form.note.data.strip()))
        if refusal is None:
            flash(f"{agreement.supervisor.name} is asked to correct the record.", "success")
            return redirect(url_for("one_to_one.session", session_id=sess.id))
        form.form_errors.append(refusal)
    return _session_page(sess, agreement, correction_form=form)


