"""The reach dashboard: figures for a period with their trend, charts beside tables, CSV of every table."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from core import audit
from core.accounts.models import Organisation, Role
from core.csv_export import csv_response
from core.database import db
from core.security import role_required
from core.timeutil import LONDON, utcnow

from . import bp, periods
from .disclosure import released
from .figures import Scope, kinds_of_service
from .forms import DashboardFilterForm, PeriodForm
from .presenting import Presenter
from .snapshots import cached_report
from .tables import charts_of, tables_of

DASHBOARD_ROLES = (Role.PSYCHOLOGIST, Role.LEAD_PSYCHOLOGIST, Role.TEAM_LEAD, Role.ADMIN, Role.COMMISSIONER)
PARTNERSHIP_ROLES = (Role.PSYCHOLOGIST, Role.LEAD_PSYCHOLOGIST, Role.ADMIN, Role.COMMISSIONER)


def _midnight(day) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON)


def _day(day) -> str:
    return f"{day.day} {day:%B %Y}"


def _commissioners_filters():
    """Commissioners choose a whole month or quarter, for the whole partnership: a period of days, or one
    organisation's figures, could be subtracted from another's to leave a small number."""
    form = PeriodForm(request.args)
    today = datetime.now(LONDON).date()
    offered = periods.finished(today)
    form.period.choices = [(p.key, p.label) for p in offered]
    chosen = periods.parse(form.period.data or "") if request.args and form.validate() else None
    period = chosen or periods.last_month(today)
    form.period.data = form.period.data if chosen else period.key
    return form, Scope(*period.bounds()), (period.first, period.end - timedelta(days=1)), True, period


def _filters():
    """The form, the scope it chooses, who is looking, and for a commissioner the month or quarter. Team leads
    see their own teams only."""
    if current_user.has_role(Role.COMMISSIONER):
        form, scope, days, whole, period = _commissioners_filters()
        return form, scope, days, whole, kinds_of_service(db.session), period
    form = DashboardFilterForm(request.args)
    organisations = db.session.execute(select(Organisation.id, Organisation.name, Organisation.service_type)
                                       .order_by(Organisation.name)).all()
    form.organisation_id.choices = [(0, "All organisations")] + [(o.id, o.name) for o in organisations]
    valid = form.validate() if request.args else True
    today = datetime.now(LONDON).date()
    start, end = form.period(today) if valid else (today - timedelta(days=364), today)
    whole_partnership = current_user.has_role(*PARTNERSHIP_ROLES)
    scope = Scope(start=_midnight(start), end=_midnight(end + timedelta(days=1)),
                  organisation_id=(form.organisation_id.data or None) if valid else None,
                  service_type=(form.service_type.data or None) if valid else None,
                  team_ids=None if whole_partnership else tuple(sorted(current_user.led_team_ids)))
    return form, scope, (start, end), whole_partnership, {o.id: o.service_type for o in organisations}, None


def figures_for(scope: Scope, service_types: dict[int, str], period: periods.Period | None, now: datetime):
    """The figures and when they were worked out: for a commissioner (a `period`), as released to them."""
    max_age = current_app.config["REACH_CACHE_SECONDS"]
    if period is None:
        return cached_report(db.session, scope, now, max_age, service_types)
    oldest = [now]

    def fetch(p: periods.Period):
        figures, worked_out = cached_report(db.session, Scope(*p.bounds()), now, max_age, service_types)
        oldest[0] = min(oldest[0], worked_out)
        return figures

    return released(period, fetch), oldest[0]


def _tables(scope: Scope, presenter: Presenter, service_types: dict[int, str],
            period: periods.Period | None = None) -> tuple[dict, dict]:
    figures, worked_out = figures_for(scope, service_types, period, utcnow())
    tables, raw = tables_of(figures, presenter)
    return tables, {**raw, "worked_out": worked_out}


def _shareable(form: DashboardFilterForm) -> dict:
    """The filters chosen, as the short query string of a link to share or download (dates as YYYY-MM-DD)."""
    return {name: value.isoformat() if hasattr(value, "isoformat") else value
            for name, value in form.data.items() if value not in (None, "", 0)}


@bp.route("/")
@role_required(*DASHBOARD_ROLES)
def dashboard():
    form, scope, period, whole_partnership, service_types, chosen = _filters()
    if any(key.endswith(("-day", "-month", "-year")) for key in request.args) and not form.errors:
        return redirect(url_for("reach.dashboard", **_shareable(form)))  # the date boxes, as a link to keep
    presenter = Presenter(suppress=chosen is not None)
    tables, raw = _tables(scope, presenter, service_types, chosen)
    audit.record(db.session, "reach.dashboard_viewed", None, None, start=period[0].isoformat(),
                 end=period[1].isoformat(), organisation=scope.organisation_id, service_type=scope.service_type)
    args = _shareable(form)
    return render_template("reach/dashboard.html", form=form, tables=tables, charts=charts_of(raw, presenter),
                           period_text=chosen.label if chosen else f"{_day(period[0])} to {_day(period[1])}",
                           chosen=chosen, whole_partnership=whole_partnership, args=args,
                           suppressing=presenter.suppress, worked_out=raw["worked_out"],
                           refresh_minutes=current_app.config["REACH_CACHE_SECONDS"] // 60)


@bp.route("/<table>.csv")
@role_required(*DASHBOARD_ROLES)
def table_csv(table: str):
    _, scope, period, _, service_types, chosen = _filters()
    tables, _ = _tables(scope, Presenter(suppress=chosen is not None), service_types, chosen)
    if table not in tables:
        abort(404)
    header, rows = tables[table]
    audit.record(db.session, "reach.csv_downloaded", None, None, table=table, start=period[0].isoformat(),
                 end=period[1].isoformat())
    return csv_response(f"reach-{table}-{period[0].isoformat()}-to-{period[1].isoformat()}.csv", header, rows)
