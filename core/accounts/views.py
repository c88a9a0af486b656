"""Sign in and out, two-factor, password reset, invitations and the account page."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_login import current_user, logout_user

from .. import audit
from ..database import db
from ..security import public, safe_next
from . import pending, services, throttle, totp
from .forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    NewPasswordForm,
    SignInForm,
    TwoFactorForm,
)
from .models import Person
from .passwords import hash_password, needs_rehash, verify_password
from .sessions import end_all_sign_ins, end_sign_in, start_sign_in

bp = Blueprint("accounts", __name__)

SIGN_IN_ERROR = "Enter a correct email address and password"


def _address() -> str:
    return request.remote_addr or "unknown"


def _finish_sign_in(session, person: Person, next_url: str | None):
    throttle.note_attempt(session, person.email, _address(), succeeded=True)
    start_sign_in(session, person)
    audit.record(session, "sign_in.succeeded", "person", person.id, actor_id=person.id)
    session.commit()
    return redirect(safe_next(next_url) or url_for("core.home"))


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("core.home"))
    form = SignInForm()
    next_url = safe_next(request.args.get("next"))
    status = 200
    if form.validate_on_submit():
        session = db.session
        email = form.email.data.strip().lower()
        wait = throttle.wait_needed(session, email, _address())
        if wait:
            audit.record(session, "sign_in.throttled", "person", None, email=email)
            session.commit()
            form.form_errors.append(
                f"Too many sign-in attempts. Wait {throttle.describe_wait(wait)}, then try again.")
            status = 429
        else:
            person = services.find_person_by_email(session, email)
            # The slow password check runs outside the write transaction, so no sign-in holds up the others.
            session.commit()
            ok = verify_password(person.password_hash if person else None, form.password.data)
            if person is None or not ok or not person.is_active:
                throttle.note_attempt(session, email, _address(), succeeded=False)
                audit.record(session, "sign_in.failed", "person", person.id if person else None, email=email)
                session.commit()
                form.form_errors.append(SIGN_IN_ERROR)
            else:
                if needs_rehash(person.password_hash):
                    person.password_hash = hash_password(form.password.data)
                step = pending.next_step(person)
                if step is not None:
                    pending.begin(session, person, step, next_url)
                    session.commit()
                    return redirect(url_for("accounts.two_factor" if step == pending.ENTER_CODE
                                            else "accounts.set_up_two_factor_at_sign_in"))
                return _finish_sign_in(session, person, next_url)
    return render_template("accounts/sign_in.html", form=form), status


@bp.route("/sign-in/two-factor", methods=["GET", "POST"])
@public
def two_factor():
    session = db.session
    person, waiting = pending.find(session, pending.ENTER_CODE)
    if person is None:
        return redirect(url_for("accounts.sign_in"))
    form = TwoFactorForm()
    status = 200
    if form.validate_on_submit():
        wait = throttle.wait_needed(session, person.email, _address())
        step = None if wait else totp.matching_step(person.totp_secret, form.code.data, person.totp_last_step)
        if wait:
            form.code.errors.append(f"Too many attempts. Wait {throttle.describe_wait(wait)}, then try again.")
            status = 429
        elif step is None:
            throttle.note_attempt(session, person.email, _address(), succeeded=False)
            audit.record(session, "sign_in.two_factor_failed", "person", person.id, actor_id=person.id)
            session.commit()
            form.code.errors.append("The code is not right. Enter the current 6-digit code from your app")
        else:
            person.totp_last_step = step
            next_url = waiting.next_url
            pending.finish(session, waiting)
            return _finish_sign_in(session, person, next_url)
    return render_template("accounts/two_factor.html", form=form), status


def _enrolment_secret() -> str:
    secret = flask_session.get("totp_enrolment")
    if not secret:
        secret = totp.new_secret()
        flask_session["totp_enrolment"] = secret
    return secret


def _enrol(session, person: Person, form: TwoFactorForm) -> bool:
    """Check the first code from the app; on success two-factor is on for this person."""
    secret = _enrolment_secret()
    step = totp.matching_step(secret, form.code.data, None)
    if step is None:
        form.code.errors.append("The code is not right. Enter the current 6-digit code from your app")
        return False
    person.totp_secret = secret
    person.totp_last_step = step
    flask_session.pop("totp_enrolment", None)
    audit.record(session, "two_factor.enabled", "person", person.id, actor_id=person.id)
    return True


def _enrolment_page(person: Person, form: TwoFactorForm, template: str):
    secret = _enrolment_secret()
    uri = totp.provisioning_uri(secret, person.email, current_app.config["SERVICE_NAME"])
    return render_template(template, form=form, secret=secret, qr_svg=totp.qr_svg(uri))


@bp.route("/sign-in/set-up-two-factor", methods=["GET", "POST"])
@public
def set_up_two_factor_at_sign_in():
    """Only for someone whose password step has just passed and whose role requires two-factor."""
    session = db.session
    person, waiting = pending.find(session, pending.ENROL)
    if person is None:
        return redirect(url_for("accounts.sign_in"))
    form = TwoFactorForm()
    if form.validate_on_submit() and _enrol(session, person, form):
        next_url = waiting.next_url
        pending.finish(session, waiting)
        return _finish_sign_in(session, person, next_url)
    return _enrolment_page(person, form, "accounts/two_factor_setup.html")


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    session = db.session
    sign_in = current_user.sign_in
    person_id = current_user.id
    end_sign_in(session, sign_in, "signed_out")
    audit.record(session, "sign_out", "person", person_id, actor_id=person_id)
    session.commit()
    logout_user()
    flask_session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("accounts.sign_in"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        session = db.session
        services.request_password_reset(session, form.email.data)
        session.commit()
        return render_template("accounts/forgot_password_sent.html", email=form.email.data.strip())
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    session = db.session
    reset = services.open_password_reset(session, token)
    if reset is None:
        return render_template("accounts/link_expired.html", what="password reset"), 410
    person = session.get(Person, reset.person_id)
    form = NewPasswordForm(email=person.email)
    if form.validate_on_submit():
        services.complete_password_reset(session, reset, form.password.data)
        session.commit()
        if current_user.is_authenticated:
            logout_user()
        flask_session.clear()
        flash("Your password has been changed. Sign in with your new password.", "success")
        return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    session = db.session
    invitation = services.open_invitation(session, token)
    if invitation is None:
        return render_template("accounts/link_expired.html", what="invitation"), 410
    if services.find_person_by_email(session, invitation.email):
        return render_template("accounts/link_expired.html", what="invitation"), 410
    form = AcceptInvitationForm(email=invitation.email)
    if form.validate_on_submit():
        services.accept_invitation(session, invitation, form.name.data, form.password.data)
        session.commit()
        if current_user.is_authenticated:
            logout_user()
        flash("Your account is ready. Sign in with your email address and new password.", "success")
        return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/accept_invitation.html", form=form, invitation=invitation)


@bp.route("/account")
def account():
    return render_template("accounts/account.html")


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    session = db.session
    person = current_user._get_current_object()
    form = ChangePasswordForm(email=person.email)
    if form.validate_on_submit():
        if not verify_password(person.password_hash, form.current_password.data):
            form.current_password.errors.append("Your current password is not right")
        else:
            person.password_hash = hash_password(form.password.data)
            # Other devices signed in with the old password are signed out; this one stays.
            end_all_sign_ins(session, person.id, "password_changed", keep=current_user.sign_in)
            audit.record(session, "password.changed", "person", person.id)
            session.commit()
            flash("Your password has been changed.", "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/account/two-factor", methods=["GET", "POST"])
def set_up_two_factor():
    session = db.session
    person = current_user._get_current_object()
    if person.two_factor_enabled:
        return redirect(url_for("accounts.account"))
    form = TwoFactorForm()
    if form.validate_on_submit() and _enrol(session, person, form):
        session.commit()
        flash("Two-factor sign-in is now on for your account.", "success")
        return redirect(url_for("accounts.account"))
    return _enrolment_page(person, form, "accounts/two_factor_setup.html")
