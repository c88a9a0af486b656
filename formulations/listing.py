"""The library's list of templates, written out here rather than in Jinja: its 25 entries, each with a link,
three lines and its tags, were two fifths of the library page."""
from __future__ import annotations

from urllib.parse import quote

from flask import url_for
from markupsafe import Markup, escape

from .models import AUDIENCES, split_tags


def library_list(entries, audience: str) -> Markup:
    """An NHS.UK bordered list of library entries (id, title, summary, audience, minutes_needed, tags, uses),
    each tag linking to the templates that carry it, within the chosen audience."""
    library = url_for("formulations.index")
    link = url_for("formulations.version", version_id=0)[:-1]  # the router once, the pattern for the rest
    and_audience = escape(f"&audience={quote(audience)}") if audience else ""
    items = []
    for v in entries:
        tags = ", ".join(f'<a href="{library}?tag={quote(t)}{and_audience}">{escape(t)}</a>'
                         for t in split_tags(v.tags))
        items.append(f'<li><h2 class="nhsuk-heading-m"><a href="{link}{v.id}">{escape(v.title)}</a></h2>'
                     f'<p>{escape(v.summary)}</p><p class="nhsuk-body-s">{escape(AUDIENCES[v.audience])} · about '
                     f'{v.minutes_needed} minutes · used {v.uses} time{"" if v.uses == 1 else "s"}</p>'
                     f'<p class="nhsuk-body-s">{tags}</p></li>')
    return Markup(f'<ul class="nhsuk-list nhsuk-list--border">{"".join(items)}</ul>')
