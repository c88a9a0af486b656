"""Template filters, the role-based navigation and the NHS.UK assets."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from functools import lru_cache

from flask import Flask, Response, abort, current_app, request, send_from_directory, url_for
from flask_login import current_user
from jinja2 import Undefined
from markupsafe import Markup, escape

from .accounts.models import Role
from .config import PROJECT_ROOT
from .database import db
from .markdown import render_markdown
from .scheduler import STALE_AFTER_SECONDS, heartbeat_status, last_heartbeat
from .security import safe_next
from .text import linked
from .timeutil import format_day, format_london, utcnow

NHSUK_DIST = PROJECT_ROOT / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
NHSUK_BUNDLES = {"nhsuk-frontend.min.css", "nhsuk-frontend.min.js",
                 "nhsuk-frontend.min.css.map", "nhsuk-frontend.min.js.map"}

# (label, endpoint, roles that see it); an empty tuple means everyone signed in.
CLIENT_LEVEL = tuple(r for r in Role if r is not Role.COMMISSIONER)
NAVIGATION = [
    ("Home", "core.home", ()),
    ("Consultations", "consult.index", CLIENT_LEVEL),
    ("Reflective practice", "supervision.index", CLIENT_LEVEL),
    ("Supervision", "one_to_one.index", CLIENT_LEVEL),
    ("Formulations", "formulations.index", CLIENT_LEVEL),
    ("Find answers", "library.index", CLIENT_LEVEL),
    ("Reach", "reach.dashboard", (Role.PSYCHOLOGIST, Role.LEAD_PSYCHOLOGIST, Role.TEAM_LEAD, Role.ADMIN,
                                  Role.COMMISSIONER)),
    ("My teams", "accounts_admin.my_teams", (Role.TEAM_LEAD,)),
    ("Admin", "accounts_admin.index", (Role.ADMIN,)),
]


@lru_cache(maxsize=64)
def _menu(roles: frozenset[str], script_root: str) -> tuple[tuple[str, str], ...]:
    """(label, address) of each menu item someone with these roles sees: worked out once, not on every page."""
    return tuple((label, url_for(endpoint)) for label, endpoint, allowed in NAVIGATION
                 if not allowed or roles & {role.value for role in allowed})


def navigation_items() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    path = request.path
    return [{"text": label, "href": href, "current": path == href if href == "/" else path.startswith(href)}
            for label, href in _menu(frozenset(current_user.roles), request.script_root)]


# Warnings shown at the top of every page to those who can act on them: each a function of no arguments (it
# reads current_user) returning what to say, or None. Areas add theirs with `register_page_warning`.
_PAGE_WARNINGS: list = []


def register_page_warning(warning) -> None:
    if warning not in _PAGE_WARNINGS:
        _PAGE_WARNINGS.append(warning)


def page_warnings() -> list[str]:
    if not current_user.is_authenticated:
        return []
    return [said for warning in _PAGE_WARNINGS if (said := warning())]


# Those who can act when the scheduler stops: its sweeps send every email, reminder and escalation.
SCHEDULER_WATCHERS = (Role.LEAD_PSYCHOLOGIST, Role.ADMIN)


def scheduler_warning() -> str | None:
    """For lead psychologists and admins, what to say on every page while the scheduler is not running.

    A beat seen fresh stays fresh until it is STALE_AFTER_SECONDS old (beats only move forward), so until then
    this worker need not look again: the check costs a query once every two minutes, not on every page."""
    if not current_user.is_authenticated or not current_user.has_role(*SCHEDULER_WATCHERS):
        return None
    now, seen = utcnow(), current_app.extensions.setdefault("scheduler_fresh_until", [None])
    if seen[0] is not None and now < seen[0]:
        return None
    beat = last_heartbeat(db.session)
    status = heartbeat_status(beat, now)
    if status == "ok":
        seen[0] = beat + timedelta(seconds=STALE_AFTER_SECONDS)
        return None
    since = "has not run yet" if status == "never" else f"last ran {format_london(beat)}"
    return (f"Messages and escalations are not going out: the scheduler {since}. Emails, reminders and urgent "
            "escalations wait until it runs again. Restart the scheduler process.")


register_page_warning(scheduler_warning)


@lru_cache(maxsize=1)
def stylesheet_without_remote_fonts() -> str:
    """The design system's CSS minus its @font-face rules.

    They load the Frutiger font from assets.nhs.uk: a request to another site
    from every page, which our CSP refuses. Pages fall back to Arial, as the
    design system intends when the font is unavailable.
    """
    css = (NHSUK_DIST / "nhsuk-frontend.min.css").read_text(encoding="utf-8")
    return re.sub(r"@font-face\{[^}]*\}", "", css)


def form_error_list(form) -> list[dict]:
    """The error summary's entries, in page order, each linking to its field."""
    fields = [f for f in form if f.type != "CSRFTokenField"]
    order = getattr(form, "field_order", None)
    if order:
        fields.sort(key=lambda f: order.index(f.name) if f.name in order else len(order))
    items = [{"text": message, "href": f"#{fields[0].id}"} for message in form.form_errors if fields]
    # A date's link goes to its first box, the day.
    items += [{"text": f.errors[0], "href": f"#{f.id}-day" if f.type == "DayField" else f"#{f.id}"}
              for f in fields if f.errors]
    return items


def choice_items(field, multiple: bool) -> list[dict]:
    chosen = set(field.data or []) if multiple else {field.data}
    return [{"value": value, "text": label, "checked": value in chosen, "selected": value in chosen}
            for value, label in field.choices]


# Rendered design-system components, by their inputs. The header alone takes a millisecond or more to
# render from its macros on every page, yet its inputs (who is signed in, where they are, the menu) repeat.
_COMPONENTS: dict[tuple, Markup] = {}
COMPONENTS_KEPT = 4096


def _as_key(value) -> str:
    # A missing input and an empty one can render differently, so they must not share a key.
    return "\0undefined" if isinstance(value, Undefined) else f"{type(value).__name__}:{value}"


def component(template: str, macro: str, params: dict) -> Markup:
    """Render an NHS.UK component macro once per distinct set of inputs (same inputs, same HTML).

    A field holding what someone typed is rendered each time and not kept: the worker's memory should not
    collect people's words (about a client, say), and such a field is rarely shown twice alike."""
    def render() -> Markup:
        return Markup(getattr(current_app.jinja_env.get_template(template).module, macro)(params))

    if params.get("value") not in (None, ""):
        return render()
    key = (template, macro, json.dumps(params, sort_keys=True, default=_as_key))
    html = _COMPONENTS.get(key)
    if html is None:
        html = render()
        if len(_COMPONENTS) >= COMPONENTS_KEPT:
            _COMPONENTS.clear()  # a rough bound: the common pages are rendered again within a request or two
        _COMPONENTS[key] = html
    return html


def tag(text: str, colour: str) -> Markup:
    """An NHS.UK tag, written out here for lists that show one on every row: the design system's macro
    includes and evaluates its template on each call (7 ms of a 25-row duty queue). tests/test_layout.py
    checks both give the same HTML."""
    return Markup(f'<strong class="nhsuk-tag nhsuk-tag--{escape(colour)}">{escape(text)}</strong>')


def summary_list(rows) -> Markup:
    """An NHS.UK summary list of (key, value) rows, written out here: the design system's macro renders each
    row through a template of its own (two fifths of a consultation thread's page). tests/test_layout.py
    checks both give the same HTML. A value that is Markup goes in as HTML, anything else is escaped; a row
    that is None is left out."""
    def cell(value) -> Markup:
        return escape(value.strip() if isinstance(value, str) else value)

    items = "".join(f'<div class="nhsuk-summary-list__row"><dt class="nhsuk-summary-list__key">{cell(key)}</dt>'
                    f'<dd class="nhsuk-summary-list__value">{cell(value)}</dd></div>' for key, value in filter(None, rows))
    return Markup(f'<dl class="nhsuk-summary-list">{items}</dl>')


def compile_templates(app: Flask) -> int:
    """Compile every template now, for a web worker that has just started: otherwise its first pages each
    compile theirs (two to three seconds in all, spread over the first requests after a restart)."""
    names = app.jinja_env.list_templates()
    for name in names:
        app.jinja_env.get_template(name)
    return len(names)


# What a box rendered as Markdown can do, in words for pharmacy and hostel staff rather than Markdown's.
FORMATTING_HINT = "Start a line with - to make a list. Web addresses become links."


def init_templating(app: Flask) -> None:
    app.jinja_env.globals.update(form_error_list=form_error_list, choice_items=choice_items, component=component,
                                 tag=tag, summary_list=summary_list, formatting_hint=FORMATTING_HINT)
    app.jinja_env.filters["london"] = format_london
    app.jinja_env.filters["london_date"] = lambda value: format_london(value, with_time=False)
    app.jinja_env.filters["day"] = format_day
    # Links stored with notifications only ever point inside the app.
    app.jinja_env.filters["internal_link"] = safe_next
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["linked"] = linked  # plain text whose web addresses are links

    @app.context_processor
    def _layout_context():
        return {
            "service_name": app.config["SERVICE_NAME"],
            "navigation_items": navigation_items,
            "page_warnings": page_warnings,
        }

    @app.route("/assets/<path:filename>", endpoint="nhsuk_assets")
    def nhsuk_assets(filename: str):
        if filename == "nhsuk-frontend.min.css":
            response = Response(stylesheet_without_remote_fonts(), mimetype="text/css")
            response.cache_control.public = True
            response.cache_control.max_age = 86400
            return response
        folder = NHSUK_DIST if filename in NHSUK_BUNDLES else NHSUK_DIST / "assets"
        if not folder.is_dir():
            abort(404)
        return send_from_directory(folder, filename, max_age=86400)
