"""The dashboard's tables (display strings, suppressed for commissioners) and the charts beside them, for the
page, its CSV downloads and the board report alike."""
from __future__ import annotations

from .charts import bar_chart
from .figures import Report
from .presenting import SUPPRESSED, Presenter


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


def tables_of(figures: Report, presenter: Presenter) -> tuple[dict, dict]:
    """Every table as (header, rows) of display strings, and the figures behind them for the charts."""
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
    return tables, {**current, "joint": joint}


def _urgent_rows(urgent: dict, presenter: Presenter) -> list[list[str]]:
    def minutes(value) -> str:
        return "none" if value is None or presenter.hidden(urgent["acknowledged"]) else f"{value:g}"

    return [["Urgent requests raised", presenter.count(urgent["raised"])],
            ["Acknowledged by a psychologist", presenter.count(urgent["acknowledged"])],
            ["Minutes to acknowledge, median", minutes(urgent["median_minutes"])],
            ["Minutes to acknowledge, 90th percentile", minutes(urgent["p90_minutes"])],
            ["Follow-ups opened to re-engage a client missing appointments",
             presenter.count(urgent["re_engage_follow_ups"])]]


def charts_of(raw: dict, presenter: Presenter, prefix: str = "chart") -> dict:
    def bars(items, label_key, value_key):
        return [(i[label_key], None if presenter.hidden(i[value_key]) else i[value_key], presenter.count(i[value_key]))
                for i in items]

    compliance = [(c["label"], None if presenter.hidden(c["decided"]) or not c["decided"]
                   else 100 * c["met"] / c["decided"], presenter.share(c["met"], c["decided"]))
                  for c in raw["compliance"]]
    return {
        "compliance": bar_chart(f"{prefix}-compliance", "Share answered within the response target", compliance,
                                "Per cent of requests answered within the target", top=100),
        "outcomes": bar_chart(f"{prefix}-outcomes", "Outcomes of closed consultations",
                              bars(raw["outcomes"], "label", "count"), "Number of consultations closed"),
        "joint": bar_chart(f"{prefix}-joint", "Requests by kind of service", bars(raw["joint"], "label", "requests"),
                           "Number of requests"),
    }
