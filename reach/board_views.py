"""The partnership board reports: the list of past reports, and each one's PDF and CSV."""
from __future__ import annotations

from flask import abort, render_template
from sqlalchemy import select

from core import audit
from core.database import db
from core.pdf import download
from core.security import role_required

from . import bp, periods
from .board import BoardReport, past_reports
from .views import PARTNERSHIP_ROLES


@bp.route("/board-reports")
@role_required(*PARTNERSHIP_ROLES)
def board_reports():
    return render_template("reach/board_reports.html", reports=past_reports(db.session))


@bp.route("/board-reports/<month>.<kind>")
@role_required(*PARTNERSHIP_ROLES)
def board_report_file(month: str, kind: str):
    period = periods.parse(month)
    if period is None or period.months != 1 or kind not in ("pdf", "csv"):
        abort(404)
    found = db.session.scalar(select(BoardReport).where(BoardReport.month == period.key))
    if found is None:
        abort(404)
    audit.record(db.session, "reach.board_report_downloaded", "board_report", found.id, format=kind)
    name = f"partnership-board-report-{found.month}.{kind}"
    if kind == "pdf":
        return download(found.pdf, "application/pdf", name)
    return download(found.csv, "text/csv", name)
