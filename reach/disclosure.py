"""The figures a commissioner may see, released so that no small number can be worked out from them.

Following NHS England's statistical disclosure control: a count of 1 to 4 is shown as "fewer than 5" and every
other count is rounded to the nearest 5. Rounding each figure on its own is not enough: a total rounded on its
own, less its other parts rounded on their own, can pin a hidden part down (1 + 8 + 8 = 17 is shown as 15, 10
and 10, and only 1 fits). So every figure that adds up others is added up from their rounded values, and a
quarter's counts are added up from its months' rounded counts. Everything shown is then worked out from each
month's rounded counts alone, and a hidden count of 1 looks exactly like a hidden 2 (and 3 like 4).

Distinct counts (people, teams, organisations) do not add up over months, so a quarter's are counted over the
quarter and rounded, and withheld when the same count was hidden in any of its months (a quarter's count is
at most its months' added together, which could otherwise narrow a hidden month down).

Figures that are not counts of people (minutes, hours, averages) are shown as they are, hidden with the count
they are worked out from.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .figures import Report

SMALL = -1  # 1 to 4: "fewer than 5"
WITHHELD = -2  # withheld so that a small count elsewhere cannot be worked out from it

# Keys naming a row in each list of rows in a report.
_ROW_KEYS = ("urgency", "outcome", "answer", "reason", "service_type")
# Figures that are not counts of people, and shown as they are (with minutes, whatever their name).
_NOT_COUNTS = {"before", "now", "reach_multiplier", "psychologist_hours", "hours_to_first_reply"}
DISTINCT = {"staff_supported", "teams_supported", "organisations_supported", "client_references", "attendees",
            "templates_used", "clinic_attendees", "clinic_organisations", "supervisees"}


def _is_distinct(path: str) -> bool:
    return path.split(".")[-1].removesuffix("_elsewhere") in DISTINCT


def flatten(report: Report) -> dict[str, int | float | None]:
    """Every figure in a report by its path: `consultations_raised`, `outcomes.advice_only.count`,
    `joint.housing.requests`, `urgent.raised`."""
    cells: dict = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key != "label":
                    walk(f"{prefix}{key}.", inner)
        elif isinstance(value, list):
            for row in value:
                name = next(row[k] for k in _ROW_KEYS if k in row)
                walk(f"{prefix}{name}.", {k: v for k, v in row.items() if k not in _ROW_KEYS})
        else:
            cells[prefix[:-1]] = value

    walk("", report.current)
    walk("joint.", report.joint)
    return cells


def _is_count(path: str, value) -> bool:
    name = path.split(".")[-1]
    return (isinstance(value, int) and not isinstance(value, bool) and name not in _NOT_COUNTS
            and not name.endswith("_minutes"))


def _totals(cells: dict) -> dict[str, list[str]]:
    """Each figure that adds up others, and the parts (some not shown) it adds up."""
    kinds = [p.split(".")[1] for p in cells if p.startswith("joint.") and p.endswith(".requests")]
    reasons = [p.split(".")[1] for p in cells if p.startswith("exclusions.") and p.endswith(".total")]
    outcomes = [p for p in cells if p.startswith("outcomes.")]
    sides = ("mental_health", "drug_and_alcohol", "other")
    totals = {f"exclusions.{r}.total": [f"exclusions.{r}.{side}" for side in sides] for r in reasons}
    totals["exclusions_recorded"] = [f"exclusions.{r}.total" for r in reasons]
    totals["consultations_raised"] = [f"joint.{k}.requests" for k in kinds]
    totals["outcomes.joint_working.count"] = [f"joint.{k}.joint_working" for k in kinds]
    totals["consultations_closed"] = [*outcomes, "consultations_closed_elsewhere"]
    totals["sessions_held"] = ["clinic_sessions", "sessions_held_elsewhere"]
    for key in ("attendances", "clinic_attendees", "supervisees"):
        totals[key] = [*(f"joint.{k}.{key}" for k in kinds), f"{key}_elsewhere"]
    totals["referral_avoided_by_psychologist"] = ["outcomes.referral_avoided.count"]
    return totals


def _with_remainders(cells: dict) -> dict:
    """The parts of each total that no table shows (closed with no outcome recorded, attendances at groups for the
    whole partnership, reflective practice sessions), so that the totals can be added up from parts."""
    cells = dict(cells)
    for total, parts in _totals(cells).items():
        for part in parts:
            if part.endswith("_elsewhere"):
                known = sum(int(cells.get(p) or 0) for p in parts if p != part and p in cells)
                cells[part] = max(0, int(cells.get(total) or 0) - known)
    return cells


def rounded(count: int) -> int:
    return 5 * ((count + 2) // 5)


def _shown(count: int) -> int:
    return SMALL if 0 < count < 5 else rounded(count)


@dataclass
class Released:
    """One period's released figures: what is shown (`shown`), and each count's rounded value to add up
    (`parts`: a hidden count adds in as 0 or 5, as rounded)."""

    shown: dict
    parts: dict
    template: Report

    def report_with(self, previous: Released) -> Report:
        """A report of what is shown, the same shape as the figures, with the previous period's released
        figures beside it (its totals are the previous period's own, so the two views agree)."""
        def rebuild(prefix: str, value):
            if isinstance(value, dict):
                return {k: v if k == "label" else rebuild(f"{prefix}{k}.", v) for k, v in value.items()}
            if isinstance(value, list):
                return [{**row, **rebuild(f"{prefix}{next(row[k] for k in _ROW_KEYS if k in row)}.",
                                          {k: v for k, v in row.items() if k not in _ROW_KEYS})} for row in value]
            return self.shown.get(prefix[:-1], value)

        current, joint = rebuild("", self.template.current), rebuild("joint.", self.template.joint)
        for row in current["exclusions"]:
            row["previous_total"] = previous.shown.get(f"exclusions.{row['reason']}.total", 0)
        return Report(current, {key: previous.shown.get(key) for key in self.template.previous}, joint)


def _add_up(shown: dict, parts: dict, cells: dict) -> None:
    """Totals from their parts' rounded values: hidden when a part is withheld, "fewer than 5" when they add up
    to nothing but a part is not nothing."""
    for total, members in _totals(cells).items():
        members = [m for m in members if m in parts]
        if total not in cells:
            continue
        if any(shown.get(m) == WITHHELD for m in members):
            shown[total], parts[total] = WITHHELD, 0
            continue
        added = sum(parts[m] for m in members)
        parts[total] = added
        shown[total] = SMALL if not added and any(shown.get(m) == SMALL for m in members) else added
    hours = cells.get("psychologist_hours")
    if "reach_multiplier" in shown:  # from the rounded count of staff (hidden with it when it is hidden)
        shown["reach_multiplier"] = round(parts["staff_supported"] / hours, 2) if hours else None


def _base(cells: dict) -> list[str]:
    totals = _totals(cells)
    return [p for p, v in cells.items() if _is_count(p, v) and p not in totals]


def release_month(report: Report) -> Released:
    """A month's figures: each count rounded, and the totals added up from them."""
    cells = _with_remainders(flatten(report))
    shown = {p: v for p, v in cells.items() if not _is_count(p, v)}
    parts = {}
    for path in _base(cells):
        parts[path], shown[path] = rounded(int(cells[path])), _shown(int(cells[path]))
    _add_up(shown, parts, cells)
    return Released(shown, parts, report)


def release_quarter(quarter: Report, months: list[Released]) -> Released:
    """A quarter's figures: counts that add up over time added up from the months' rounded counts, distinct
    counts counted over the quarter (and withheld when hidden in a month), the rest as the quarter has them."""
    cells = _with_remainders(flatten(quarter))
    for month in months:  # a row (a kind of service, say) that only a month has
        cells.update({p: 0 for p in month.parts if p not in cells})
    shown = {p: v for p, v in cells.items() if not _is_count(p, v)}
    parts = {}
    for path in _base(cells):
        if _is_distinct(path):
            parts[path] = rounded(int(cells[path]))
            hidden_in_a_month = any(m.shown.get(path) in (SMALL, WITHHELD) for m in months)
            shown[path] = WITHHELD if hidden_in_a_month else _shown(int(cells[path]))
        else:
            parts[path] = sum(m.parts.get(path, 0) for m in months)
            small = any(m.shown.get(path) == SMALL for m in months)
            shown[path] = SMALL if not parts[path] and small else parts[path]
    _add_up(shown, parts, cells)
    return Released(shown, parts, quarter)


def released(period, fetch: Callable) -> Report:
    """The released report for a month or a quarter (`period`, from reach.periods), with the previous one
    beside it for the trend. `fetch(period)` gives the raw figures for a month or a quarter."""
    def one(p) -> Released:
        if p.months == 1:
            return release_month(fetch(p))
        return release_quarter(fetch(p), [release_month(fetch(m)) for m in p.each_month()])

    return one(period).report_with(one(period.before()))
