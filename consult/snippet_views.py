"""A psychologist's saved paragraphs: their own list to keep (the advice form puts them in: `views.advise`)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from core.accounts.models import Role
from core.confirm import confirm_first
from core.database import db
from core.refusals import attempt
from core.security import role_required
from core.timeutil import utcnow

from . import bp, snippets
from .forms import SnippetForm
from .models import Snippet


def _list_page(form: SnippetForm, status: int = 200):
    return render_template("consult/snippets.html", snippets=snippets.mine(db.session, current_user), form=form,
                           most=snippets.MOST_PER_PSYCHOLOGIST), status


def _saved(form: SnippetForm, snippet: Snippet | None):
    saved, refusal = attempt(db.session, lambda: snippets.save(db.session, current_user, snippet, form.title.data,
                                                                form.body.data, utcnow()))
    if refusal:
        form.form_errors.append(refusal)
        return None
    flash(f"Saved ‘{saved.title}’.", "success")
    return redirect(url_for("consult.snippets"))


@bp.route("/snippets", methods=["GET", "POST"], endpoint="snippets")
@role_required(Role.PSYCHOLOGIST)
def snippets_page():
    form = SnippetForm()
    if form.validate_on_submit():
        done = _saved(form, None)
        if done:
            return done
    return _list_page(form)


def _own(snippet_id: int) -> Snippet:
    snippet = snippets.owned(db.session, current_user, snippet_id)
    if snippet is None:
        abort(404)
    return snippet


@bp.route("/snippets/<int:snippet_id>", methods=["GET", "POST"])
@role_required(Role.PSYCHOLOGIST)
def snippet(snippet_id: int):
    snippet = _own(snippet_id)
    form = SnippetForm(obj=snippet)
    if form.validate_on_submit():
        done = _saved(form, snippet)
        if done:
            return done
    return render_template("consult/snippet.html", snippet=snippet, form=form)


@bp.route("/snippets/<int:snippet_id>/delete", methods=["POST"])
@role_required(Role.PSYCHOLOGIST)
def delete_snippet(snippet_id: int):
    snippet = _own(snippet_id)
    asking = confirm_first(f"Delete ‘{snippet.title}’?", [
        "Advice you have already sent keeps the paragraph; it is only gone from your saved paragraphs."],
        "Yes, delete it", url_for("consult.snippet", snippet_id=snippet.id))
    if asking is not None:
        return asking
    title = snippet.title
    db.session.delete(snippet)
    db.session.commit()
    flash(f"Deleted ‘{title}’.", "success")
    return redirect(url_for("consult.snippets"))

