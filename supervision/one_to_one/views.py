"""One-to-one supervision pages: your agreements and sessions; offering, accepting, changing and ending an
agreement; one session, moved or cancelled, with its record; and the views above the pairs (a team lead's
compliance view, the lead psychologists' view of who supervises whom)."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import bindparam, case, select
from sqlalchemy.orm import aliased, joinedload

from core import audit
from core.accounts.models import Person, Role
from core.accounts.services import find_person_by_email
from core.confirm import confirm_first
from core.database import db
from core.pagination import paginate
from core.refusals import attempt
from core.timeutil import london, utcnow
from supervision.forms import CancelSessionForm, MoveSessionForm
from supervision.recurrence import wall_clock

from . import agreements, bp, overdue, sessions
from .forms import CONFIDENTIALITY, COVERS, DeclineForm, EndForm, OfferForm, TermsForm
from .models import LIVE, MODES, AgreementVersion, SessionStatus, SupervisionAgreement, SupervisionSession

_OTHER = aliased(Person)
# The other person in an agreement, for whoever is asking ("me").
_THE_OTHER = _OTHER.id == case((SupervisionAgreement.supervisor_id == bindparam("me"),
                                SupervisionAgreement.supervisee_id), else_=SupervisionAgreement.supervisor_id)
_MINE = (SupervisionAgreement.supervisor_id == bindparam("me")) | (SupervisionAgreement.supervisee_id == bindparam("me"))
# The agreements someone is in, either side, with the other person's name; run with "me".
MINE = (select(SupervisionAgreement, _OTHER.name).join(_OTHER, _THE_OTHER).where(_MINE)
        .order_by(SupervisionAgreement.status.in_(LIVE).desc(), SupervisionAgreement.next_due_on,
                  SupervisionAgreement.id.desc()))
# Their sessions still to come, soonest first, with the other person's name; run with "me" and "now".
TO_COME = (select(SupervisionSession, _OTHER.name)
           .join(SupervisionAgreement, SupervisionAgreement.id == SupervisionSession.agreement_id)
           .join(_OTHER, _THE_OTHER)
           .where(_MINE, SupervisionSession.status == SessionStatus.SCHEDULED,
                  SupervisionSession.ends_at > bindparam("now"))
           .order_by(SupervisionSession.starts_at))
SESSIONS_SHOWN = 8


@bp.route("/")
def index():
    now = utcnow()
    page = paginate(db.session, MINE, scalars=False, params={"me": current_user.id})
    to_come = db.session.execute(TO_COME.limit(SESSIONS_SHOWN), {"me": current_user.id, "now": now}).all()
    return render_template("one_to_one/index.html", page=page, to_come=to_come,
                           today=agreements.today(now), standing=overdue.standing,
                           may_offer=agreements.may_supervise(current_user))


def _agreement(agreement_id: int) -> SupervisionAgreement:
    """An agreement for one of its two people; anyone else is told it does not exist."""
    agreement = db.session.scalar(select(SupervisionAgreement).options(
        joinedload(SupervisionAgreement.supervisor), joinedload(SupervisionAgreement.supervisee))
        .where(SupervisionAgreement.id == agreement_id))
    if agreement is None or agreements.party(current_user, agreement) is None:
        abort(404)
    return agreement


def _terms_defaults() -> dict:
    return {"covers": COVERS, "confidentiality": CONFIDENTIALITY}


def _terms_of(version: AgreementVersion) -> dict:
    return {key: getattr(version, key) for key in agreements.TERMS}


@bp.route("/agreements/new", methods=["GET", "POST"])
def offer():
    if not agreements.may_supervise(current_user):
        abort(403)
    form = OfferForm(data=_terms_defaults())
    if form.validate_on_submit():
        supervisee = find_person_by_email(db.session, form.supervisee_email.data.strip())
        if supervisee is None:
            form.supervisee_email.errors.append("There is no one with that email address here: check it, or ask "
                                                "an admin to invite them first")
        else:
            made, refusal = attempt(db.session, lambda: agreements.offer(db.session, current_user, supervisee,
                                                                         form.terms()))
            if refusal is None:
                flash(f"The agreement is offered to {supervisee.name}. It holds once they accept it.", "success")
                return redirect(url_for("one_to_one.agreement", agreement_id=made.id))
            form.form_errors.append(refusal)
    return render_template("one_to_one/terms.html", form=form, agreement=None, offering=True)


@bp.route("/agreements/<int:agreement_id>")
def agreement(agreement_id: int):
    agreement = _agreement(agreement_id)
    session = db.session
    page = paginate(session, select(SupervisionSession).where(SupervisionSession.agreement_id == agreement.id)
                    .order_by(SupervisionSession.starts_at.desc()))
    audit.record(session, "supervision_agreement.viewed", "supervision_agreement", agreement.id)
    return render_template("one_to_one/agreement.html", agreement=agreement, page=page, modes=MODES,
                           terms=agreements.in_force(session, agreement),
                           proposal=agreements.open_proposal(session, agreement),
                           versions=agreements.versions(session, agreement),
                           role=agreements.party(current_user, agreement), now=utcnow(),
                           standing=overdue.standing(agreement, agreements.today(utcnow())),
                           decline_form=DeclineForm(formdata=None), end_form=EndForm(formdata=None))


def _done(refusal: str | None, done: str, agreement_id: int):
    flash(refusal or done, "error" if refusal else "success")
    return redirect(url_for("one_to_one.agreement", agreement_id=agreement_id))


@bp.route("/agreements/<int:agreement_id>/versions/<int:number>/accept", methods=["POST"])
def accept(agreement_id: int, number: int):
    agreement = _agreement(agreement_id)
    _, refusal = attempt(db.session, lambda: agreements.accept(db.session, agreement, number, current_user))
    return _done(refusal, "You accepted the agreement. Your sessions follow it, and the calendar invitations "
                 "come by email.", agreement_id)


@bp.route("/agreements/<int:agreement_id>/versions/<int:number>/decline", methods=["POST"])
def decline(agreement_id: int, number: int):
    agreement = _agreement(agreement_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        return _done(form.note.errors[0] if form.note.errors else "Try again.", "", agreement_id)
    _, refusal = attempt(db.session, lambda: agreements.decline(db.session, agreement, number, current_user,
                                                                form.note.data or ""))
    return _done(refusal, "Done: the other person has been told.", agreement_id)


@bp.route("/agreements/<int:agreement_id>/change", methods=["GET", "POST"])
def change(agreement_id: int):
    """Propose a change, or at a review confirm or change the terms: a new version for the other to accept."""
    agreement = _agreement(agreement_id)
    terms = agreements.in_force(db.session, agreement)
    if terms is None or agreement.status != "active":
        abort(404)
    form = TermsForm(data=_terms_of(terms))
    if form.validate_on_submit():
        _, refusal = attempt(db.session, lambda: agreements.propose_change(
            db.session, agreement, current_user, form.terms(), form.change_note.data or ""))
        if refusal is None:
            flash("Your proposal is sent. It holds once the other person accepts it; until then the current "
                  "agreement stands.", "success")
            return redirect(url_for("one_to_one.agreement", agreement_id=agreement.id))
        form.form_errors.append(refusal)
    elif request.method == "GET":
        audit.record(db.session, "supervision_agreement.viewed_to_change", "supervision_agreement", agreement.id)
    return render_template("one_to_one/terms.html", form=form, agreement=agreement, offering=False)


@bp.route("/agreements/<int:agreement_id>/end", methods=["POST"])
def end(agreement_id: int):
    agreement = _agreement(agreement_id)
    form = EndForm()
    if not form.validate_on_submit():
        return _done(form.note.errors[0] if form.note.errors else "Try again.", "", agreement_id)
    asking = confirm_first("End this supervision agreement?", [
        "Every session still to come is cancelled, and both of you are sent the cancelled invitations.",
        "The records of past sessions stay, for both of you.", "You cannot undo this: to start again, offer a new "
        "agreement."], "Yes, end the agreement", url_for("one_to_one.agreement", agreement_id=agreement.id),
        {form.note.name: form.note.data or ""})
    if asking is not None:
        return asking
    _, refusal = attempt(db.session, lambda: agreements.end(db.session, agreement, current_user, form.note.data or ""))
    return _done(refusal, "The agreement has ended and the sessions to come are cancelled.", agreement_id)


# --- One session --------------------------------------------------------------------------

def load_session(session_id: int) -> tuple[SupervisionSession, SupervisionAgreement]:
    sess = db.session.get(SupervisionSession, session_id)
    if sess is None:
        abort(404)
    return sess, _agreement(sess.agreement_id)


def _change_page(sess, agreement, **forms):
    local = london(sess.starts_at)
    forms.setdefault("move", MoveSessionForm(formdata=None, data={"day": local.date(),
                                                                  "start_time": local.strftime("%H:%M")}))
    forms.setdefault("cancel_form", CancelSessionForm(formdata=None))
    return render_template("one_to_one/change_session.html", sess=sess, agreement=agreement, **forms)


@bp.route("/sessions/<int:session_id>/change")
def change_session(session_id: int):
    sess, agreement = load_session(session_id)
    return _change_page(sess, agreement)


def _apply(sess, agreement, form, form_name: str, change, done: str):
    if not form.validate_on_submit():
        return _change_page(sess, agreement, **{form_name: form})
    _, refusal = attempt(db.session, lambda: change(form))
    if refusal is not None:
        form.form_errors.append(refusal)
        return _change_page(sess, agreement, **{form_name: form})
    flash(done, "success")
    return redirect(url_for("one_to_one.session", session_id=sess.id))


@bp.route("/sessions/<int:session_id>/move", methods=["POST"])
def move_session(session_id: int):
    sess, agreement = load_session(session_id)
    return _apply(sess, agreement, MoveSessionForm(), "move", lambda f: sessions.move(
        db.session, sess, current_user, wall_clock(f.day.data, f.start_time.data, "Europe/London"),
        f.reason.data or ""), "The session is moved, and the other person told.")


@bp.route("/sessions/<int:session_id>/cancel", methods=["POST"])
def cancel_session(session_id: int):
    sess, agreement = load_session(session_id)
    return _apply(sess, agreement, CancelSessionForm(), "cancel_form", lambda f: sessions.cancel(
        db.session, sess, current_user, f.reason.data or ""), "The session is cancelled, and the other person told.")


@bp.route("/sessions/<int:session_id>.ics")
def session_calendar(session_id: int):
    sess, agreement = load_session(session_id)
    ics = sessions.invitation(sess, sessions.terms_of(db.session, sess), agreement.supervisor, agreement.supervisee)
    return Response(ics, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="supervision-{sess.id}.ics"'})


# --- Above the pairs ----------------------------------------------------------------------

@bp.route("/team")
def team():
    """A team lead's compliance view: who is in supervision, the last session, and whether it is overdue. Never
    what anyone discussed."""
    if not current_user.has_role(Role.TEAM_LEAD):
        abort(403)
    teams = current_user.led_team_ids
    page = paginate(db.session, overdue.COMPLIANCE, scalars=False, params={"teams": teams})
    audit.record(db.session, "supervision.compliance_viewed", "team", ",".join(map(str, teams)) or None)
    return render_template("one_to_one/team.html", page=page, today=agreements.today(utcnow()),
                           standing=overdue.standing, team_names=overdue.teams_named(db.session, teams))


@bp.route("/supervisors")
def who_supervises_whom():
    if not current_user.has_role(Role.LEAD_PSYCHOLOGIST):
        abort(403)
    page = paginate(db.session, overdue.WHO_SUPERVISES_WHOM, scalars=False)
    audit.record(db.session, "supervision.pairs_viewed")
    return render_template("one_to_one/supervisors.html", page=page, today=agreements.today(utcnow()),
                           standing=overdue.standing)
