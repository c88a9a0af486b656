"""Directory pages: everyone signed in searches and reads it; admins keep it."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from core.accounts.models import Role
from core.confirm import confirm_first
from core.database import db
from core.pagination import PER_PAGE, page_number, paginate
from core.params import query_text
from core.refusals import attempt
from core.security import role_required

from . import bp, services
from .forms import ServiceForm
from .models import LocalService


@bp.route("/")
def index():
    q = query_text("q")
    if q:  # best match first, from the search index
        number = page_number()
        found, results = services.found(db.session, q, PER_PAGE, (number - 1) * PER_PAGE)
        return render_template("directory/index.html", q=q, found=results.page(found, number, PER_PAGE))
    return render_template("directory/index.html", q="", page=paginate(db.session, services.LISTED))


def _service(service_id: int) -> LocalService:
    service = services.with_instead(db.session, service_id)
    if service is None:
        abort(404)
    return service


@bp.route("/<int:service_id>")
def service(service_id: int):
    service = _service(service_id)
    return render_template("directory/service.html", service=service,
                           sent_here=services.sent_here(db.session, service))


def _form(service: LocalService | None = None) -> tuple[ServiceForm, list]:
    """The form, and the services it offers as "instead" (any but this one), grouped by kind."""
    groups = services.choices(db.session, leave_out=service.id if service else None)
    form = ServiceForm(obj=service)
    form.instead_id.choices = services.offered(groups)
    return form, groups


def _form_page(form: ServiceForm, service: LocalService | None, groups: list):
    return render_template("directory/form.html", form=form, service=service, groups=groups)


def _save(form: ServiceForm, service: LocalService | None):
    saved, refusal = attempt(db.session, lambda: services.save(db.session, service, form.cleaned(), current_user))
    if refusal:
        form.instead_id.errors.append(refusal)
        return None
    flash(f"{saved.name} has been saved in the directory.", "success")
    return redirect(url_for("directory.service", service_id=saved.id))


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_service():
    form, groups = _form()
    if form.validate_on_submit():
        done = _save(form, None)
        if done:
            return done
    return _form_page(form, None, groups)


@bp.route("/<int:service_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_service(service_id: int):
    service = _service(service_id)
    if service.retired_at is not None:
        abort(404)
    form, groups = _form(service)
    if form.validate_on_submit():
        done = _save(form, service)
        if done:
            return done
        service = _service(service_id)  # reloaded after the refusal's rollback
    return _form_page(form, service, groups)


@bp.route("/<int:service_id>/retire", methods=["POST"])
@role_required(Role.ADMIN)
def retire_service(service_id: int):
    service = _service(service_id)
    back = url_for("directory.service", service_id=service.id)
    if service.retired_at is not None:
        return redirect(back)
    asking = confirm_first(f"Take {service.name} out of the directory?", [
        "It will no longer be offered when a psychologist recommends a referral, or found by a search.",
        "Requests already referred to it keep showing what it was."], "Yes, take it out", back)
    if asking is not None:
        return asking
    _, refusal = attempt(db.session, lambda: services.retire(db.session, service, current_user))
    flash(refusal or f"{service.name} is no longer in the directory.", "error" if refusal else "success")
    return redirect(back if refusal else url_for("directory.index"))
