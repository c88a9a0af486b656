"""The advice summary, downloaded for the worker's case notes as a PDF or as plain text."""
from __future__ import annotations

from flask import abort, render_template
from markupsafe import Markup

from core import audit
from core.database import db
from core.pdf import as_pdf, download
from core.text import css_string
from core.timeutil import utcnow

from . import bp
from .summary import RESPONSIBILITY, action_line, advice_summary, as_text
from .views import _load


def _summary(consultation_id: int, kind: str):
    c = _load(consultation_id)
    summary = advice_summary(db.session, c, utcnow())
    if summary is None:
        abort(404)  # no advice yet, so nothing to summarise
    audit.record(db.session, "consultation.summary_downloaded", "consultation", c.id, format=kind)
    return c, summary


@bp.route("/<int:consultation_id>/summary.pdf")
def summary_pdf(consultation_id: int):
    c, summary = _summary(consultation_id, "pdf")
    # css_string leaves only letters, digits, spaces and its own escapes, so it is safe inside the style sheet.
    footer = Markup(css_string(f"{c.reference} · client {c.client_reference}"))
    html = render_template("consult/summary.html", s=summary, action_line=action_line, footer=footer,
                           responsibility=RESPONSIBILITY)
    return download(as_pdf(html), "application/pdf", f"advice-{c.reference}.pdf")


@bp.route("/<int:consultation_id>/summary.txt")
def summary_text(consultation_id: int):
    c, summary = _summary(consultation_id, "text")
    return download(as_text(summary), "text/plain", f"advice-{c.reference}.txt")
