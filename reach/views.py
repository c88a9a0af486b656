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

from . import bp
from .charts import bar_chart
from .figures import Scope
from .forms import DashboardFilterForm
from .presenting import SUPPRESSED, Presenter
from .snapshots import cached_report

DASHBOARD_ROLES = (Role.PSYCHOLOGIST, Role.LEAD_PSYCHOLOGIST, Role.TEAM_LEAD, Role.ADMIN, Role.COMMISSIONER)
PARTNERSHIP_ROLES = (Role.PSYCHOLOGIST, Role.LEAD_PSYCHOLOGIST, Role.ADMIN, Role.COMMISSIONER)


def _midnight(day) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON)


def _day(day) -> str:
    return f"{day.day} {day:%B %Y}"


def _filters():
    """The form, the scope it chooses and who is looking. Team leads see their own teams only."""
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
    return form, scope, (start, end), whole_partnership, {o.id: o.service_type for o in organisations}


def _confidence_rows(confidence: dict, presenter: Presenter) -> list[list[str]]:
    """Workers' confidence before asking and now (1 to 5), hidden with its count when few answered."""
    answered, before, now = confidence["answered"], confidence["before"], confidence["now"]

    def shown(value, signed: bool = False) -> str:
        if value is None:
            return "none"
        return SUPPRESSED if presenter.hidden(answered) else f"{value:+g}" if signed else f"{value:g}"
    return [["Surveys that said how confident the worker felt", presenter.count(answered)],
            ["Average confidence before asking (1 to 5)", shown(before)],
            ["Average confidence now (1 to 5)", shown(now)],
            ["Change", shown(None if before is None else round(now - before, 1), signed=True)]]


def _tables(scope: Scope, presenter: Presenter, service_types: dict[int, str]) -> tuple[dict, dict]:
    """Every table as (header, rows) of display strings, and the raw figures behind them for the charts."""
    figures, worked_out = cached_report(db.session, scope, utcnow(), current_app.config["REACH_CACHE_SECONDS"],
                                        service_types)
    current, before, joint = figures.current, figures.previous, figures.joint
    show = presenter.count
    tables = {
        "headlines": (["Figure", "This period", "Previous period", "Trend"],
                      [[h["label"], h["value"], h["previous"], h["trend"]]
                       for h in presenter.headlines(current, before)]),
        "compliance": (["Urgency", "Answered or overdue", "Answered within target", "Share within target"],
                       [[c["label"], show(c["decided"]), show(c["met"]), presenter.share(c["met"], c["decided"])]
                        for c in current["compliance"]]),
        "outcomes": (["Outcome", "Consultations closed"],
                     [[o["label"], show(o["count"])] for o in current["outcomes"]]),
        "survey": (["Answer", "Was the advice useful?", "More confident afterwards?"],
                   [[s["label"], show(s["useful"]), show(s["more_confident"])] for s in current["survey"]]),
        "joint": (["Kind of service", "Requests", "Average hours to first reply", "Joint working agreed",
                   "Group session attendances", "Case clinic attendees", "Staff in supervision"],
                  [[j["label"], show(j["requests"]),
                    "none" if j["hours_to_first_reply"] is None or presenter.hidden(j["responded"])
                    else f"{j['hours_to_first_reply']:g}",
                    show(j["joint_working"]), show(j["attendances"]), show(j["clinic_attendees"]),
                    show(j["supervisees"])] for j in joint]),
        "urgent": (["Measure", "This period"], _urgent_rows(current["urgent"], presenter)),
        "worker_outcomes": (["Without the advice, the worker would have", "Requests closed"],
                            [*([w["label"], show(w["count"])] for w in current["without_advice"]),
                             ["Referral avoided, as the psychologist recorded it",
                              show(current["referral_avoided_by_psychologist"])]]),
        "confidence": (["Measure", "This period"], _confidence_rows(current["confidence"], presenter)),
        "exclusions": (["Reason given", "Mental health services", "Drug and alcohol services", "Other services",
                        "All services", "Previous period"],
                       [[e["label"], *(show(e[k]) for k in ("mental_health", "drug_and_alcohol", "other", "total",
                                                            "previous_total"))] for e in current["exclusions"]]),
    }
    return tables, {**current, "joint": joint, "worked_out": worked_out}


def _urgent_rows(urgent: dict, presenter: Presenter) -> list[list[str]]:
    def minutes(value) -> str:
        return "none" if value is None or presenter.hidden(urgent["acknowledged"]) else f"{value:g}"

    return [["Urgent requests raised", presenter.count(urgent["raised"])],
            ["Acknowledged by a psychologist", presenter.count(urgent["acknowledged"])],
            ["Minutes to acknowledge, median", minutes(urgent["median_minutes"])],
            ["Minutes to acknowledge, 90th percentile", minutes(urgent["p90_minutes"])],
            ["Follow-ups opened to re-engage a client missing appointments",
             presenter.count(urgent["re_engage_follow_ups"])]]


def _charts(raw: dict, presenter: Presenter) -> dict:
    def bars(items, label_key, value_key):
        return [(i[label_key], None if presenter.hidden(i[value_key]) else i[value_key], presenter.count(i[value_key]))
                for i in items]

    compliance = [(c["label"], None if presenter.hidden(c["decided"]) or not c["decided"]
                   else 100 * c["met"] / c["decided"], presenter.share(c["met"], c["decided"]))
                  for c in raw["compliance"]]
    return {
        "compliance": bar_chart("chart-compliance", "Share answered within the response target", compliance,
                                "Per cent of requests answered within the target", top=100),
        "outcomes": bar_chart("chart-outcomes", "Outcomes of closed consultations",
                              bars(raw["outcomes"], "label", "count"), "Number of consultations closed"),
        "joint": bar_chart("chart-joint", "Requests by kind of service", bars(raw["joint"], "label", "requests"),
                           "Number of requests"),
    }


def _shareable(form: DashboardFilterForm) -> dict:
    """The filters chosen, as the short query string of a link to share or download (dates as YYYY-MM-DD)."""
    return {name: value.isoformat() if hasattr(value, "isoformat") else value
            for name, value in form.data.items() if value not in (None, "", 0)}


@bp.route("/")
@role_required(*DASHBOARD_ROLES)
def dashboard():
    form, scope, period, whole_partnership, service_types = _filters()
    if any(key.endswith(("-day", "-month", "-year")) for key in request.args) and not form.errors:
        return redirect(url_for("reach.dashboard", **_shareable(form)))  # the date boxes, as a link to keep
    presenter = Presenter(suppress=current_user.has_role(Role.COMMISSIONER))
    tables, raw = _tables(scope, presenter, service_types)
    audit.record(db.session, "reach.dashboard_viewed", None, None, start=period[0].isoformat(),
                 end=period[1].isoformat(), organisation=scope.organisation_id, service_type=scope.service_type)
    args = _shareable(form)
    return render_template("reach/dashboard.html", form=form, tables=tables, charts=_charts(raw, presenter),
                           period_text=f"{_day(period[0])} to {_day(period[1])}", whole_partnership=whole_partnership, args=args,
                           suppressing=presenter.suppress, worked_out=raw["worked_out"],
                           refresh_minutes=current_app.config["REACH_CACHE_SECONDS"] // 60)


@bp.route("/<table>.csv")
@role_required(*DASHBOARD_ROLES)
def table_csv(table: str):
    _, scope, period, _, service_types = _filters()
    tables, _ = _tables(scope, Presenter(suppress=current_user.has_role(Role.COMMISSIONER)), service_types)
    if table not in tables:
        abort(404)
    header, rows = tables[table]
    audit.record(db.session, "reach.csv_downloaded", None, None, table=table, start=period[0].isoformat(),
                 end=period[1].isoformat())
    return csv_response(f"reach-{table}-{period[0].isoformat()}-to-{period[1].isoformat()}.csv", header, rows)
