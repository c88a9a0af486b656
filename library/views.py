"""Library pages: the one search, suggestions while a worker types, practice notes and how they are made."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from consult.models import Consultation
from core import search
from core.accounts.models import Role
from core.database import db
from core.pagination import PER_PAGE, page_number
from core.params import query_text
from core.refusals import attempt
from core.timeutil import utcnow

from . import bp, services
from .forms import NoteForm
from .models import NoteStatus, PracticeNote


@bp.route("/")
def index():
    q = query_text("q", search.LONGEST_QUERY)
    number = page_number()
    results = search.find(db.session, q, search.KINDS, PER_PAGE, (number - 1) * PER_PAGE)
    return render_template("library/search.html", q=q, every_word=results.every_word, most=search.MOST_RANKED,
                           found=results.page(results.hits, number, PER_PAGE))


@bp.route("/suggestions")
def suggestions():
    """The notes and templates matching what a worker has typed so far, as a piece of a page (the request form's
    script asks as they type; the form's "Check for existing answers" button shows the same without it)."""
    q = query_text("q", search.LONGEST_QUERY)
    return render_template("library/suggestions.html", hits=search.suggestions(db.session, q))


def _one_or_404(query):
    found = db.session.scalar(query)
    if found is None:
        abort(404)
    return found


def _note(note_id: int) -> PracticeNote:
    return _one_or_404(select(PracticeNote).options(joinedload(PracticeNote.psychologist))
                       .where(PracticeNote.id == note_id))


def _may_retire(note: PracticeNote) -> bool:
    return note.psychologist_id == current_user.id or current_user.has_role(Role.LEAD_PSYCHOLOGIST)


@bp.route("/notes/<int:note_id>")
def note(note_id: int):
    """A published note is the partnership's; any other is its psychologist's (and a lead's, once retired)."""
    note = _note(note_id)
    mine = note.psychologist_id == current_user.id
    if note.status != NoteStatus.PUBLISHED.value and not mine and \
            not (note.status == NoteStatus.RETIRED.value and current_user.has_role(Role.LEAD_PSYCHOLOGIST)):
        abort(404)
    return render_template("library/note.html", note=note, tags=services.tags(note), mine=mine,
                           may_retire=_may_retire(note) and note.status == NoteStatus.PUBLISHED.value,
                           may_answer=note.status == NoteStatus.PUBLISHED.value and current_user.has_role(
                               Role.FRONTLINE, Role.TEAM_LEAD))


@bp.route("/notes/<int:note_id>/answered", methods=["POST"])
def answered(note_id: int):
    note = _note(note_id)
    if note.status != NoteStatus.PUBLISHED.value:
        abort(404)
    _, refusal = attempt(db.session, lambda: services.answered(db.session, note, current_user, utcnow()))
    if refusal:
        flash(refusal, "error")
        return redirect(url_for("library.note", note_id=note.id))
    flash("Thank you: this is counted as a question answered by a practice note. If things change, or the note "
          "does not fit after all, raise a request.", "success")
    return redirect(url_for("consult.new"))


def _request(consultation_id: int) -> Consultation:
    return _one_or_404(select(Consultation).options(joinedload(Consultation.organisation))
                       .where(Consultation.id == consultation_id))


@bp.route("/offer/<int:consultation_id>", methods=["GET", "POST"])
def offer(consultation_id: int):
    c = _request(consultation_id)
    if not services.may_offer(current_user, c) or services.note_for(db.session, c.id) is not None:
        abort(404)  # the holder alone offers a request, once: to anyone else it is not there
    if request.method == "POST":
        _, refusal = attempt(db.session, lambda: services.offer(db.session, c, current_user, utcnow()))
        flash(refusal or "The worker has been asked. You will be told their answer.", "error" if refusal else "success")
        return redirect(url_for("consult.show", consultation_id=c.id))
    return render_template("library/offer.html", c=c)


def _asked_of_me(note_id: int) -> tuple[PracticeNote, Consultation]:
    note = _note(note_id)
    c = _request(note.consultation_id) if note.consultation_id else None
    if c is None or c.requester_id != current_user.id:
        abort(404)
    return note, c


@bp.route("/notes/<int:note_id>/agreement", methods=["GET", "POST"])
def agreement(note_id: int):
    note, c = _asked_of_me(note_id)
    if request.method == "POST" and note.status == NoteStatus.ASKED.value:
        agreed = request.form.get("agree") == "yes"
        _, refusal = attempt(db.session, lambda: services.decide(db.session, note, c, current_user, agreed, utcnow()))
        flash(refusal or ("Thank you. The psychologist will take out anything identifying before it is published."
                          if agreed else "Thank you. Nothing of your request will be made into a note."),
              "error" if refusal else "success")
        return redirect(url_for("consult.show", consultation_id=c.id))
    return render_template("library/agreement.html", note=note, c=c)


def _mine(note_id: int) -> PracticeNote:
    note = _note(note_id)
    if note.psychologist_id != current_user.id or note.status not in (NoteStatus.DRAFT.value,
                                                                      NoteStatus.PUBLISHED.value):
        abort(404)
    return note


@bp.route("/notes/<int:note_id>/edit", methods=["GET", "POST"])
def edit(note_id: int):
    note = _mine(note_id)
    form = NoteForm(data={"title": note.title, "question": note.question, "advice": note.advice,
                          "needs": note.need_list, "services": note.service_list})
    if form.validate_on_submit():
        data = form.cleaned()
        for name, reason in services.problems(db.session, note, data).items():
            form[name].errors.append(reason)
        if not form.errors:
            publishing = request.form.get("publish") == "yes" and note.status == NoteStatus.DRAFT.value

            def change():
                services.save(db.session, note, data, utcnow())
                if publishing:
                    services.publish(db.session, note, current_user, utcnow())

            _, refusal = attempt(db.session, change)
            if refusal is None:
                flash("Published: workers now find it when they search or ask." if publishing else "Saved.",
                      "success")
                return redirect(url_for("library.note", note_id=note.id) if publishing
                                else url_for("library.edit", note_id=note.id))
            form.form_errors.append(refusal)
            note = _mine(note_id)  # reloaded after the refusal's rollback
    return render_template("library/edit.html", note=note, form=form)


@bp.route("/notes/<int:note_id>/retire", methods=["POST"])
def retire(note_id: int):
    note = _note(note_id)
    if not _may_retire(note):
        abort(404)
    _, refusal = attempt(db.session, lambda: services.retire(db.session, note, current_user, utcnow()))
    flash(refusal or "The note is out of the library and the search.", "error" if refusal else "success")
    return redirect(url_for("library.note", note_id=note.id))
