"""Reflective accounts for revalidation: the worker's own, started from an activity they took part in, edited
in their regulator's format and downloaded. Nobody else sees them."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from core import audit
from core.database import db
from core.pagination import paginate
from core.params import form_int
from core.pdf import as_pdf, download
from core.refusals import attempt
from core.text import css_string
from supervision.register import attendance_record

from . import bp, revalidation
from .forms import AccountForm
from .models import ReflectiveAccount

RECENT = 10


@bp.route("/reflective-accounts")
def accounts():
    session = db.session
    page = paginate(session, revalidation.of_person(current_user))
    return render_template("one_to_one/accounts.html", page=page, kinds=revalidation.KIND_NAMES,
                           held=session.scalars(revalidation.held_sessions_of(current_user).limit(RECENT)).all(),
                           attended=session.scalars(attendance_record(session, current_user.id).limit(RECENT))
                           .unique().all())


@bp.route("/reflective-accounts/start", methods=["POST"])
def start_account():
    kind, source_id = (request.form.get("kind") or "")[:24], form_int("source")
    found = revalidation.activity(db.session, current_user, kind, source_id) if source_id else None
    if found is None:
        flash("You can start a reflective account only from a session you took part in.", "error")
        return redirect(url_for("one_to_one.accounts"))
    account, _ = attempt(db.session, lambda: revalidation.start(
        db.session, current_user, found, revalidation.default_regulator(current_user)))
    return redirect(url_for("one_to_one.account", account_id=account.id))


def _mine(account_id: int) -> ReflectiveAccount:
    account = db.session.get(ReflectiveAccount, account_id)
    if account is None or account.person_id != current_user.id:
        abort(404)
    return account


@bp.route("/reflective-accounts/<int:account_id>", methods=["GET", "POST"])
def account(account_id: int):
    account = _mine(account_id)
    form = AccountForm(obj=account)
    if form.validate_on_submit():
        found = revalidation.activity(db.session, current_user, account.source_kind, account.source_id)
        _, refusal = attempt(db.session, lambda: revalidation.save(db.session, account, found, form.regulator.data,
                                                                   form.answers()))
        if refusal is None:
            flash("Your reflective account is saved.", "success")
            return redirect(url_for("one_to_one.account", account_id=account.id))
        form.form_errors.append(refusal)
    elif request.method == "GET":
        audit.record(db.session, "reflective_account.viewed", "reflective_account", account.id)
    regulator = revalidation.REGULATORS.get(form.regulator.data) or revalidation.REGULATORS[account.regulator]
    for key in revalidation.QUESTIONS:  # the questions in the regulator's own words
        form[key].label.text = regulator.labels[key]
    return render_template("one_to_one/account.html", form=form, account=account, regulator=regulator,
                           heading=revalidation.heading(account), questions=revalidation.QUESTIONS)


@bp.route("/reflective-accounts/<int:account_id>.pdf")
def account_pdf(account_id: int):
    account = _mine(account_id)
    audit.record(db.session, "reflective_account.downloaded", "reflective_account", account.id, format="pdf")
    html = render_template("one_to_one/account_print.html", account=account,
                           regulator=revalidation.REGULATORS[account.regulator], questions=revalidation.QUESTIONS,
                           heading=revalidation.heading(account), footer=Markup(css_string(current_user.name)))
    return download(as_pdf(html), "application/pdf", f"reflective-account-{account.activity_on.isoformat()}.pdf")


@bp.route("/reflective-accounts/<int:account_id>.txt")
def account_text(account_id: int):
    account = _mine(account_id)
    audit.record(db.session, "reflective_account.downloaded", "reflective_account", account.id, format="text")
    return download(revalidation.as_text(account, current_user), "text/plain; charset=utf-8",
                    f"reflective-account-{account.activity_on.isoformat()}.txt")
