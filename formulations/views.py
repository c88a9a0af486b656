"""Formulation library, template authoring, and filling in formulations."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from consult import access as consult_access
from consult import services as consult_services
from consult.models import Consultation, Status
from core import audit
from core.accounts.models import Role
from core.confirm import confirm_first
from core.database import db
from core.identifiers import free_text_problem
from core.pagination import paginate
from core.params import query_int, query_text
from core.refusals import attempt
from core.security import role_required
from core.text import css_string, plain_text
from core.timeutil import format_london, utcnow

from . import bp, services
from .forms import SECTIONS_HINT, CommentForm, StartForm, TemplateForm
from .listing import library_list
from .models import AUDIENCES, Formulation, FormulationComment, FormulationRevision, Template, TemplateVersion
from .sections import sections_text

MAX_ANSWER = 10000


# --- Library and templates --------------------------------------------------------

@bp.route("/")
def index():
    q, tag, audience = (query_text(k) for k in ("q", "tag", "audience"))
    audience = audience if audience in AUDIENCES else ""
    # The page is chosen by id first, so templates are counted as used for the 25 shown, not for every match.
    page = paginate(db.session, services.library_query(q, tag, audience), scalars=False, key=TemplateVersion.id,
                    counting=services.library_counted(q, tag, audience))
    drafts = []
    if current_user.has_role(Role.PSYCHOLOGIST):
        drafts = db.session.scalars(
            select(TemplateVersion).join(Template, Template.id == TemplateVersion.template_id)
            .where(Template.created_by_id == current_user.id, TemplateVersion.status == "draft")
            .order_by(TemplateVersion.created_at.desc()).limit(50)).all()
    args = {k: v for k, v in {"q": q, "tag": tag, "audience": audience}.items() if v}
    return render_template("formulations/library.html", page=page, q=q, tag=tag, audience=audience,
                           audiences=AUDIENCES, drafts=drafts, args=args, library_list=library_list)


def _template(template_id: int) -> Template:
    return db.get_or_404(Template, template_id)


def _version(version_id: int) -> TemplateVersion:
    version = db.session.scalar(select(TemplateVersion).options(joinedload(TemplateVersion.template),
                                                               joinedload(TemplateVersion.created_by))
                                .where(TemplateVersion.id == version_id))
    if version is None:
        abort(404)
    if not version.is_published and version.template.created_by_id != current_user.id:
        abort(404)  # drafts are their author's alone
    return version


def _editor(form: TemplateForm, version: TemplateVersion | None, preview=None, status: int = 200):
    return render_template("formulations/editor.html", form=form, version=version, preview=preview,
                           sections_hint=SECTIONS_HINT), status


@bp.route("/templates/new", methods=["GET", "POST"])
@role_required(Role.PSYCHOLOGIST)
def new_template():
    form = TemplateForm()
    if form.validate_on_submit():
        if request.form.get("action") == "preview":
            return _editor(form, None, preview=form.cleaned())
        version = services.create_template(db.session, current_user, form.cleaned())
        db.session.commit()
        flash("Draft saved. Publish it when it is ready.", "success")
        return redirect(url_for("formulations.version", version_id=version.id))
    return _editor(form, None)


@bp.route("/versions/<int:version_id>/edit", methods=["GET", "POST"])
@role_required(Role.PSYCHOLOGIST)
def edit_version(version_id: int):
    version = _version(version_id)
    if not services.can_author(current_user, version.template) or version.is_published:
        abort(403)
    # WTForms prefers an attribute of `obj` to `data`, and the stored sections are a list: give the text instead.
    shown = {name: getattr(version, name) for name in TemplateForm.field_order}
    shown.update(sections=sections_text(version.sections), tags=version.tags.replace(",", ", "))
    form = TemplateForm(data=None if request.method == "POST" else shown)
    if form.validate_on_submit():
        if request.form.get("action") == "preview":
            return _editor(form, version, preview=form.cleaned())
        services.update_draft(db.session, version, form.cleaned())
        db.session.commit()
        flash("Draft saved.", "success")
        return redirect(url_for("formulations.version", version_id=version.id))
    return _editor(form, version)


@bp.route("/templates/<int:template_id>")
def template(template_id: int):
    tpl = _template(template_id)
    # Its author sees the newest version, draft or not; everyone else the one the library shows.
    if services.can_author(current_user, tpl):
        latest = services.latest_version(db.session, tpl.id)
        shown = latest.id if latest else None
    else:
        shown = tpl.published_version_id
    if shown is None:
        abort(404)
    return redirect(url_for("formulations.version", version_id=shown))


@bp.route("/versions/<int:version_id>")
def version(version_id: int):
    v = _version(version_id)
    session = db.session
    history = session.scalars(select(TemplateVersion).where(TemplateVersion.template_id == v.template_id)
                              .order_by(TemplateVersion.number.desc())).all()
    if not services.can_author(current_user, v.template):
        history = [h for h in history if h.is_published]
    derived_from = session.get(TemplateVersion, v.template.derived_from_version_id) \
        if v.template.derived_from_version_id else None
    # Templates made from this one, each at its published version; one never published is its author's alone.
    derived = session.scalars(
        select(TemplateVersion).join(Template, Template.id == TemplateVersion.template_id)
        .where(Template.derived_from_version_id.in_([h.id for h in history]), Template.retired_at.is_(None),
               or_(TemplateVersion.id == Template.published_version_id,
                   and_(Template.published_version_id.is_(None), Template.created_by_id == current_user.id,
                        TemplateVersion.number == 1)))
        .order_by(TemplateVersion.title)).all()
    return render_template("formulations/version.html", v=v, history=history, derived_from=derived_from,
                           derived=derived, is_author=services.can_author(current_user, v.template),
                           audiences=AUDIENCES)


def _version_action(version_id: int, action, success: str, author_only: bool = True):
    v = _version(version_id)
    if author_only and not services.can_author(current_user, v.template):
        abort(403)
    target, refusal = attempt(db.session, lambda: action(v))
    if refusal is not None:
        flash(refusal, "error")
        return redirect(url_for("formulations.version", version_id=v.id))
    flash(success, "success")
    return redirect(url_for("formulations.version", version_id=(target or v).id))


@bp.route("/versions/<int:version_id>/publish", methods=["POST"])
@role_required(Role.PSYCHOLOGIST)
def publish(version_id: int):
    return _version_action(version_id, lambda v: services.publish(db.session, v),
                           "Published. This version can no longer change.")


@bp.route("/versions/<int:version_id>/new-draft", methods=["POST"])
@role_required(Role.PSYCHOLOGIST)
def new_draft(version_id: int):
    return _version_action(version_id, lambda v: services.new_draft(db.session, v.template, current_user),
                           "A new draft has been started from the latest version.")


@bp.route("/versions/<int:version_id>/retire", methods=["POST"])
@role_required(Role.PSYCHOLOGIST)
def retire(version_id: int):
    v = _version(version_id)
    if not services.can_author(current_user, v.template):
        abort(403)
    asking = confirm_first(f"Retire {v.title}?", [
        "It leaves the library: nobody can start a new formulation with it.",
        "Formulations already made with it keep it, and can still be read, edited and printed.",
        "You cannot undo this. To change a template instead, start a new draft."],
        "Yes, retire the template", url_for("formulations.version", version_id=v.id))
    if asking is not None:
        return asking
    return _version_action(version_id, lambda v: services.retire(db.session, v.template),
                           "Retired. It has left the library; formulations made with it still show it.")


@bp.route("/versions/<int:version_id>/discard", methods=["POST"])
@role_required(Role.PSYCHOLOGIST)
def discard(version_id: int):
    v = _version(version_id)
    if not services.can_author(current_user, v.template):
        abort(403)
    first = v.number == 1
    asking = confirm_first(f"Discard the draft of {v.title}?", [
        "The changes in this draft are lost." if not first else
        "This template has never been published, so it goes completely.",
        "Published versions stay as they are." if not first else "Nobody has used it: a draft is yours alone.",
        "You cannot undo this."], "Yes, discard the draft", url_for("formulations.version", version_id=v.id))
    if asking is not None:
        return asking
    shown, refusal = attempt(db.session, lambda: services.discard_draft(db.session, v))
    if refusal is not None:
        flash(refusal, "error")
        return redirect(url_for("formulations.version", version_id=v.id))
    flash("The draft has been discarded.", "success")
    return redirect(url_for("formulations.version", version_id=shown.id) if shown else url_for("formulations.index"))


@bp.route("/versions/<int:version_id>/derive", methods=["POST"])
@role_required(Role.PSYCHOLOGIST)
def derive(version_id: int):
    return _version_action(version_id, lambda v: services.derive(db.session, v, current_user),
                           "A new template has been started from this version. Edit your draft below.",
                           author_only=False)


@bp.route("/templates/<int:template_id>/differences")
def differences(template_id: int):
    tpl = _template(template_id)
    old = _version(query_int("from") or 0)
    new = _version(query_int("to") or 0)
    if old.template_id != tpl.id or new.template_id != tpl.id:
        abort(404)
    return render_template("formulations/differences.html", tpl=tpl, old=old, new=new,
                           lines=services.diff(old, new))


# --- Formulations -----------------------------------------------------------------------

def _my_cases():
    """Open cases this person raised or holds, to attach a formulation to."""
    return db.session.scalars(
        select(Consultation).where(
            (Consultation.requester_id == current_user.id) | (Consultation.psychologist_id == current_user.id))
        .where(Consultation.status != Status.CLOSED.value)
        .order_by(Consultation.created_at.desc()).limit(100)).all()


@bp.route("/versions/<int:version_id>/start", methods=["GET", "POST"])
def start(version_id: int):
    v = _version(version_id)
    cases = _my_cases()
    form = StartForm()
    form.consultation_id.choices = [(0, "Not linked to a case")] + [
        (c.id, f"{c.reference}, client {c.client_reference}") for c in cases]
    if request.method == "GET" and query_int("case") in {c.id for c in cases}:
        form.consultation_id.data = query_int("case")
    if form.validate_on_submit():
        f, refusal = attempt(db.session, lambda: services.start_formulation(db.session, current_user, v,
                                                                            form.consultation_id.data or None))
        if refusal is None:
            return redirect(url_for("formulations.formulation", formulation_id=f.id))
        form.form_errors.append(refusal)
    return render_template("formulations/start.html", v=v, form=form)


def _formulation(formulation_id: int) -> tuple[Formulation, Consultation | None]:
    f = db.session.scalar(select(Formulation).options(joinedload(Formulation.version).joinedload(TemplateVersion.template),
                                                      joinedload(Formulation.author))
                          .where(Formulation.id == formulation_id))
    consultation = db.session.get(Consultation, f.consultation_id) if f and f.consultation_id else None
    allowed = f is not None and (consult_access.can_view(db.session, current_user, consultation.id) if consultation
                                 else f.author_id == current_user.id)
    if not allowed:
        audit.record_refusal(db.session, "formulation.not_found", "formulation", formulation_id)
        abort(404)
    return f, consultation


def _page(f, consultation, answers=None, errors=None, comment_form=None, revision=None, status=200):
    session = db.session
    current = revision or services.latest_revision(session, f.id)
    comments = session.scalars(select(FormulationComment).options(joinedload(FormulationComment.author))
                               .where(FormulationComment.formulation_id == f.id)
                               .order_by(FormulationComment.created_at)).all()
    revisions = session.scalars(select(FormulationRevision.number).where(FormulationRevision.formulation_id == f.id)
                                .order_by(FormulationRevision.number.desc())).all()
    can_comment = consultation is not None and consult_services.is_allocated_psychologist(current_user, consultation)
    return render_template(
        "formulations/formulation.html", f=f, v=f.version, consultation=consultation,
        answers=answers if answers is not None else current.answers, revision=current, revisions=revisions,
        errors=errors or {}, comments=comments, can_edit=f.author_id == current_user.id and revision is None,
        can_comment=can_comment, comment_form=comment_form or CommentForm(formdata=None), printed_at=utcnow()), status


@bp.route("/<int:formulation_id>/print.css")
def print_margins(formulation_id: int):
    """Every printed page's margins say whose formulation it is, from which template version, printed when, and
    which page of how many. Page margins can hold only text written in the stylesheet, so it is made per
    formulation (and checked like the page itself)."""
    f, consultation = _formulation(formulation_id)
    who = consultation.client_reference if consultation else "Formulation"
    margins = {"top-left": css_string(f"{who} · {f.version.title}, version {f.version.number}"),
               "top-right": css_string("Printed " + format_london(utcnow(), with_time=False)),
               "bottom-right": '"Page " counter(page) " of " counter(pages)'}
    boxes = "".join(f"  @{box} {{ content: {content}; font: 9pt Arial, sans-serif; }}\n"
                    for box, content in margins.items())
    rules = f"@page {{\n  margin: 20mm 16mm;\n{boxes}}}\n"
    return Response(rules, mimetype="text/css", headers={"Cache-Control": "no-store"})


@bp.route("/<int:formulation_id>", methods=["GET", "POST"])
def formulation(formulation_id: int):
    f, consultation = _formulation(formulation_id)
    if request.method == "GET":
        audit.record(db.session, "formulation.viewed", "formulation", f.id)
        return _page(f, consultation)
    if f.author_id != current_user.id:
        abort(403)
    answers, errors = [], {}
    for s_index, section in enumerate(f.version.sections):
        row = []
        for p_index, _ in enumerate(section["prompts"]):
            key = f"answer-{s_index}-{p_index}"
            value = plain_text(request.form.get(key, ""))
            # The length first: the identifier check reads every character, so never of text past the limit.
            problem = f"Keep each answer to {MAX_ANSWER} characters or fewer" if len(value) > MAX_ANSWER \
                else free_text_problem(value)
            if problem:
                errors[key] = problem
            row.append(value)
        answers.append(row)
    if errors:
        return _page(f, consultation, answers=answers, errors=errors)
    saved = services.save_answers(db.session, f, current_user, answers)
    db.session.commit()
    flash("Saved." if saved else "Nothing had changed since you last saved.", "success")
    return redirect(url_for("formulations.formulation", formulation_id=f.id))


@bp.route("/<int:formulation_id>/revisions/<int:number>")
def revision(formulation_id: int, number: int):
    f, consultation = _formulation(formulation_id)
    rev = db.session.scalar(select(FormulationRevision).where(FormulationRevision.formulation_id == f.id,
                                                              FormulationRevision.number == number))
    if rev is None:
        abort(404)
    audit.record(db.session, "formulation.viewed", "formulation", f.id, revision=number)
    return _page(f, consultation, revision=rev)


@bp.route("/<int:formulation_id>/comments", methods=["POST"])
def comment(formulation_id: int):
    f, consultation = _formulation(formulation_id)
    if consultation is None or not consult_services.is_allocated_psychologist(current_user, consultation):
        abort(403)
    form = CommentForm()
    if form.validate_on_submit() and 0 <= form.section_index.data < len(f.version.sections):
        services.add_comment(db.session, f, current_user, form.section_index.data, form.body.data)
        consult_services.notify_about_formulation(db.session, consultation, f, current_user)
        db.session.commit()
        return redirect(url_for("formulations.formulation", formulation_id=f.id))
    if not form.errors:
        form.form_errors.append("Choose a section to comment on")
    return _page(f, consultation, comment_form=form)


@bp.route("/<int:formulation_id>.md")
def export(formulation_id: int):
    f, consultation = _formulation(formulation_id)
    heading = f"Formulation for {consultation.client_reference}" if consultation else "Formulation"
    text = services.as_markdown(f.version, services.latest_revision(db.session, f.id).answers, heading)
    audit.record(db.session, "formulation.exported", "formulation", f.id)
    return Response(text, mimetype="text/markdown",
                    headers={"Content-Disposition": f'attachment; filename="formulation-{f.id}.md"'})


@bp.route("/mine")
def mine():
    query = (select(Formulation).options(joinedload(Formulation.version))
             .where(Formulation.author_id == current_user.id)
             .order_by(Formulation.updated_at.desc(), Formulation.id.desc()))
    return render_template("formulations/mine.html", page=paginate(db.session, query))


