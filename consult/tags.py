"""The tags a consultation shows for its status, risks and reply time, on its page and on every row of a list,
and the table of consultations the lists share.

Python rather than template macros: a 25-row list called three macros a row, a tenth of the work of its page,
and the table's rows in Jinja were a third of the duty queue's time.
"""
from __future__ import annotations

from datetime import datetime

from flask import url_for
from markupsafe import Markup, escape

from core.templating import tag
from core.timeutil import format_london

from .models import OUTCOMES, RISKS, URGENCY, Listed, Status

STATUS_COLOURS = {"received": "grey", "allocated": "blue", "awaiting_information": "orange",
                  "advice_given": "green", "closed": "white"}

# Every tag a list can show, written once: 25 rows each making theirs afresh was a third of the duty queue's table.
_STATUS_TAGS = {s.value: tag(s.label, STATUS_COLOURS[s.value]) for s in Status}
_RISK_TAGS = {key: tag(label, "orange") for key, label in RISKS.items()}
_DANGER, _OVERDUE = tag("Immediate danger", "red"), tag("Overdue", "red")
_URGENCY_SHORT = {key: escape(label.split(" – ")[0]) for key, label in URGENCY.items()}
_OUTCOME_NOTES = {key: Markup('<br><span class="nhsuk-body-s">%s</span>') % label for key, label in OUTCOMES.items()}


def status_tag(c) -> Markup:
    return _STATUS_TAGS[c.status]


def risk_flags(c) -> Markup:
    flags = [_DANGER] if c.immediate_danger else []
    flags += [_RISK_TAGS[risk] for risk in c.risk_list]
    return Markup(" ".join(flags))  # each already HTML


_NOT_ACKNOWLEDGED = tag("Not acknowledged", "red")


def due(c, now: datetime, for_requester: bool = False) -> Markup:
    if c.due_at:
        when = escape(format_london(c.due_at))
        return Markup(f"{when} {_OVERDUE}") if c.due_at < now else when
    if c.status == "awaiting_information":
        return Markup("Paused until you answer" if for_requester else "Paused: waiting for the worker's answer")
    return Markup("–")


def acknowledgement(c, now: datetime) -> Markup:
    """Where an urgent request's acknowledgement clock stands: waiting for the next duty, running, or past and
    escalated."""
    if c.escalation_step:
        return Markup(f"{_NOT_ACKNOWLEDGED} other psychologists have been told")
    if not c.ack_due_at:
        return Markup("–")
    when = escape(format_london(c.ack_due_at))
    if c.ack_due_at <= now:
        return Markup(f"{_NOT_ACKNOWLEDGED} was due {when}")
    if c.ack_started_at > now:
        return Markup(f"Due {when} (the clock starts with the next duty)")
    return Markup(f"Due {when}")


def _acknowledge_note(c, now: datetime) -> str:
    return f'<br><span class="nhsuk-body-s">Acknowledgement: {acknowledgement(c, now)}</span>' \
        if c.awaiting_acknowledgement else ""


# A psychologist not involved in a request sees that it exists and how urgent it is, not whom it is about.
_SUMMARY_ONLY = Markup('–<span class="nhsuk-u-visually-hidden"> (not shown: you are not involved in this '
                       'request)</span>')

_HEADINGS = ("Reference", "Client", "Urgency and risks", "Status", "Asked by", "Held by", "Reply due")


def consultation_table(consultations: list[Listed], now: datetime, caption: str, show_requester: bool = True) -> Markup:
    """An NHS.UK responsive table of consultations, each row linking to its thread. "Asked by" is left out
    where every row is the reader's own."""
    headings = [h for h in _HEADINGS if show_requester or h != "Asked by"]
    # One link built by the router, the rest by its pattern: building 25 links was a tenth of the table.
    link = url_for("consult.show", consultation_id=0)[:-1]
    cell = '<td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading">{} </span>{}</td>'.format
    rows = []
    for c in consultations:
        cells = {"Reference": f'<a href="{link}{c.id}">{c.reference}</a>',
                 "Client": escape(c.client_reference) if c.in_full else _SUMMARY_ONLY,
                 "Urgency and risks": f"{_URGENCY_SHORT[c.urgency]} {risk_flags(c)}",
                 "Status": f"{_STATUS_TAGS[c.status]}{_OUTCOME_NOTES[c.outcome] if c.outcome else ''}"
                           f"{_acknowledge_note(c, now)}",
                 "Held by": escape(c.psychologist_name or "Duty psychologists"),
                 "Reply due": due(c, now, for_requester=not show_requester)}
        if show_requester:
            cells["Asked by"] = f"{escape(c.requester_name)}, {escape(c.team_name)}" if c.team_name \
                else escape(c.requester_name)
        rows.append(f'<tr class="nhsuk-table__row">{"".join(cell(h, cells[h]) for h in headings)}</tr>')
    head = "".join(f'<th scope="col" class="nhsuk-table__header">{h}</th>' for h in headings)
    return Markup(f'<table class="nhsuk-table-responsive"><caption class="nhsuk-table__caption">{escape(caption)}</caption>'
                  f'<thead class="nhsuk-table__head"><tr class="nhsuk-table__row">{head}</tr></thead>'
                  f'<tbody class="nhsuk-table__body">{"".join(rows)}</tbody></table>')
