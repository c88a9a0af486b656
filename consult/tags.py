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

from .models import OUTCOMES, RISKS, URGENCY, Listed

STATUS_COLOURS = {"received": "grey", "allocated": "blue", "awaiting_information": "orange",
                  "advice_given": "green", "closed": "white"}


def status_tag(c) -> Markup:
    return tag(c.status_label, STATUS_COLOURS[c.status])


def risk_flags(c) -> Markup:
    flags = [tag("Immediate danger", "red")] if c.immediate_danger else []
    flags += [tag(RISKS[risk], "orange") for risk in c.risk_list]
    return Markup(" ").join(flags)


def due(c, now: datetime) -> Markup:
    if c.due_at:
        overdue = Markup(" ") + tag("Overdue", "red") if c.due_at < now else ""
        return escape(format_london(c.due_at)) + overdue
    return Markup("Paused until you answer" if c.status == "awaiting_information" else "–")


_HEADINGS = ("Reference", "Client", "Urgency and risks", "Status", "Asked by", "Held by", "Reply due")


def consultation_table(consultations: list[Listed], now: datetime, caption: str, show_requester: bool = True) -> Markup:
    """An NHS.UK responsive table of consultations, each row linking to its thread. "Asked by" is left out
    where every row is the reader's own."""
    headings = [h for h in _HEADINGS if show_requester or h != "Asked by"]
    # One link built by the router, the rest by its pattern: building 25 links was a tenth of the table.
    link = url_for("consult.show", consultation_id=0)[:-1]
    rows = []
    for c in consultations:
        status = status_tag(c)
        if c.outcome:
            status += Markup('<br><span class="nhsuk-body-s">%s</span>') % OUTCOMES[c.outcome]
        cells = {"Reference": Markup('<a href="%s%d">%s</a>') % (link, c.id, c.reference),
                 "Client": escape(c.client_reference),
                 "Urgency and risks": escape(URGENCY[c.urgency].split(" – ")[0]) + " " + risk_flags(c),
                 "Status": status,
                 "Held by": escape(c.psychologist_name or "Duty psychologists"),
                 "Reply due": due(c, now)}
        if show_requester:
            cells["Asked by"] = escape(c.requester_name) + (", " + escape(c.team_name) if c.team_name else "")
        rows.append('<tr class="nhsuk-table__row">' + "".join(
            f'<td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading">{h} </span>{cells[h]}</td>'
            for h in headings) + "</tr>")
    head = "".join(f'<th scope="col" class="nhsuk-table__header">{h}</th>' for h in headings)
    return Markup(f'<table class="nhsuk-table-responsive"><caption class="nhsuk-table__caption">{escape(caption)}</caption>'
                  f'<thead class="nhsuk-table__head"><tr class="nhsuk-table__row">{head}</tr></thead>'
                  f'<tbody class="nhsuk-table__body">{"".join(rows)}</tbody></table>')
