"""Turning figures into what a person sees: labels, trends, and small numbers suppressed for commissioners."""
from __future__ import annotations

from .disclosure import SMALL, WITHHELD

SMALLEST_SHOWN = 5  # fewer people than this could be identified, so commissioners see "fewer than 5"
SUPPRESSED = "fewer than 5"
NOT_SHOWN = "not shown"  # withheld so that a small number elsewhere cannot be worked out

# key, label, kind: "count" figures are suppressed when small; hours are not counts of people.
HEADLINES = [
    ("consultations_raised", "Consultations raised", "count"),
    ("consultations_closed", "Consultations closed", "count"),
    ("staff_supported", "Frontline staff supported", "count"),
    ("teams_supported", "Teams supported", "count"),
    ("organisations_supported", "Organisations supported", "count"),
    ("client_references", "Clients discussed (distinct references)", "count"),
    ("sessions_held", "Group sessions held (reflective practice and case clinics)", "count"),
    ("attendances", "Group session attendances", "count"),
    ("attendees", "Distinct attendees", "count"),
    ("clinic_sessions", "Case clinic sessions held", "count"),
    ("cases_presented", "Cases presented at case clinics", "count"),
    ("clinic_attendees", "Distinct case clinic attendees", "count"),
    ("clinic_organisations", "Organisations whose staff attended case clinics", "count"),
    ("exclusions_recorded", "People recently turned away or discharged by a service (as recorded)", "count"),
    ("formulations", "Formulations started", "count"),
    ("templates_used", "Formulation templates used", "count"),
    ("answered_by_notes", "Questions answered by a practice note, with no request needed", "count"),
    ("supervision_sessions", "One-to-one supervision sessions held", "count"),
    ("supervisees", "Staff in one-to-one supervision (distinct supervisees)", "count"),
    ("psychologist_hours", "Psychologist hours (consultations, groups, case clinics and supervision)", "hours"),
    ("reach_multiplier", "Reach multiplier (staff supported per psychologist hour)", "ratio"),
]


class Presenter:
    """Shows figures to one viewer; `suppress` is on for commissioners."""

    def __init__(self, suppress: bool):
        self.suppress = suppress

    def hidden(self, count: int | None) -> bool:
        return self.suppress and count is not None and (count < 0 or 0 < count < SMALLEST_SHOWN)

    def count(self, value: int | None) -> str:
        if value is None:
            return "none"
        if value == WITHHELD:
            return NOT_SHOWN
        return SUPPRESSED if self.hidden(value) or value == SMALL else f"{value:,}"

    def share(self, part: int, whole: int) -> str:
        """A percentage, hidden when its denominator is a small group."""
        if not whole:
            return "none"
        return SUPPRESSED if self.hidden(whole) else f"{round(100 * part / whole)}%"

    def figure(self, key: str, kind: str, figures: dict) -> str:
        value = figures[key]
        if kind == "count":
            return self.count(value)
        if kind == "ratio":
            if value is None:
                return "none"
            return SUPPRESSED if self.hidden(figures["staff_supported"]) else f"{value:g}"
        return f"{value:g}"

    def trend(self, key: str, kind: str, now: dict, before: dict) -> str:
        shown_now, shown_before = self.figure(key, kind, now), self.figure(key, kind, before)
        if {SUPPRESSED, NOT_SHOWN} & {shown_now, shown_before} or now[key] is None or before[key] is None:
            return ""
        change = now[key] - before[key]
        if not change:
            return f"same as the previous period ({shown_before})"
        amount = f"{abs(change):,}" if kind == "count" else f"{abs(round(change, 2)):g}"
        return f"{'up' if change > 0 else 'down'} {amount} from {shown_before}"

    def headlines(self, now: dict, before: dict) -> list[dict]:
        return [{"key": key, "label": label, "value": self.figure(key, kind, now),
                 "previous": self.figure(key, kind, before), "trend": self.trend(key, kind, now, before)}
                for key, label, kind in HEADLINES]
