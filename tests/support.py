"""Helpers shared by the tests: signing in, posting forms with CSRF tokens, finding people."""
from __future__ import annotations

import re
import threading
from html.parser import HTMLParser

from sqlalchemy import event, select

from core.accounts.models import Person

PASSWORD = "correct-horse-battery-staple"


def email_for(key: str) -> str:
    return f"{key.replace('_', '.')}@example.org"


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(response) -> str:
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, "page has no CSRF token"
    return match.group(1)


def sign_in(client, key_or_email: str, password: str = PASSWORD, next_url: str | None = None, **kwargs):
    """Sign in through the form, starting from a browser with no cookie (as after closing it)."""
    email = key_or_email if "@" in key_or_email else email_for(key_or_email)
    client.delete_cookie("reach_session")
    page = client.get("/sign-in", **kwargs)
    url = "/sign-in" + (f"?next={next_url}" if next_url is not None else "")
    return client.post(url, data={"email": email, "password": password, "csrf_token": csrf_from(page)}, **kwargs)


def post_form(client, url: str, data: dict | None = None, page_url: str | None = None, **kwargs):
    """POST as a browser would: fetch the page first for its CSRF token."""
    page = client.get(page_url or url)
    return client.post(url, data={**(data or {}), "csrf_token": csrf_from(page)}, **kwargs)


class _FormReader(HTMLParser):
    """What a browser would post from the form whose action ends with `action`, as the page shows it."""

    def __init__(self, action: str, page_url: str):
        super().__init__(convert_charrefs=True)
        self.action, self.page_url, self.inside, self.values = action, page_url, False, {}
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = (a.get("action") or self.page_url).endswith(self.action)  # no action: the page itself
        elif not self.inside:
            return
        elif tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.values.setdefault(a["name"], []).append(a.get("value", "on"))
            elif a.get("type") != "submit":
                self.values[a["name"]] = [a.get("value") or ""]
        elif tag == "textarea":
            self._textarea = a["name"]
            self.values[a["name"]] = [""]
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = [a.get("value", "")]

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][0] += data


def form_as_shown(client, page_url: str, action: str) -> dict:
    """The fields of the page's form posting to `action`, with the values the page fills in."""
    reader = _FormReader(action, page_url)
    reader.feed(client.get(page_url).get_data(as_text=True))
    # A textarea's first newline is not part of its value (HTML parsing rules).
    return {name: (values[0].removeprefix("\n") if len(values) == 1 else values)
            for name, values in reader.values.items()}


def date_boxes(name: str, day) -> dict:
    """A date as the NHS.UK date input posts it: NAME-day, NAME-month and NAME-year."""
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


def shows_date(page: str, name: str, day) -> bool:
    """Whether the page's date input NAME shows this date in its three boxes."""
    return all(re.search(rf'name="{name}-{part}"[^>]*value="{value}"|value="{value}"[^>]*name="{name}-{part}"', page)
               for part, value in (("day", day.day), ("month", day.month), ("year", day.year)))


def person(session, key: str) -> Person:
    return session.scalar(select(Person).where(Person.email == email_for(key)))


def count_queries(app, client, url: str) -> int:
    """How many SQL statements one GET of this page runs."""
    engine = app.extensions["database"]["engine"]
    statements = []

    def listener(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def committed(session, done):
    """What the scheduler's runner does after a sweep: commit what it did. Returns what the sweep returned."""
    session.commit()
    return done


def two_schedulers_at_once(app, sweep) -> list:
    """Run `sweep(session)` in two threads released together, each with an app context and a session of its own,
    committed as the runner commits, as two scheduler processes would; returns what each returned. Any exception in either fails the test."""
    factory = app.extensions["database"]["session_factory"]
    results, errors, barrier = [], [], threading.Barrier(2)

    def run():
        try:
            with app.app_context(), factory() as session:
                barrier.wait()
                results.append(sweep(session))
                session.commit()  # as the scheduler's runner does
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


def sign_in_both(frontline, psychologist):
    """Sign in afresh at the travelled-to time: a cookie signed 'later' is refused as from the future."""
    sign_in(frontline, "frontline")
    sign_in(psychologist, "psychologist")


def at_moment(moment, app, session, action):
    """`action()` run and committed at `moment`, inside the app."""
    import time_machine
    with app.app_context(), time_machine.travel(moment, tick=False):
        result = action()
        session.commit()
        return result


def mail_to(session, key: str, subject_start: str = "") -> list:
    """The emails queued for someone, oldest first (optionally only those whose subject begins so)."""
    from core.notifications import OutboxMessage
    return session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == person(session, key).email,
                                                       OutboxMessage.subject.startswith(subject_start))
                           .order_by(OutboxMessage.id)).all()


def calendar_event(message):
    """An email's calendar invitation and its one event."""
    from icalendar import Calendar
    invite = Calendar.from_ical(message.calendar)
    return invite, invite.walk("VEVENT")[0]


def signed_in(app, key: str):
    """A new client, signed in as `key` (or an email address)."""
    client = app.test_client()
    sign_in(client, key)
    return client


def told(session, key: str) -> list[str]:
    """The titles of the notifications someone has been sent, oldest first."""
    from core.notifications import Notification
    return list(session.scalars(select(Notification.title).where(Notification.person_id == person(session, key).id)
                                .order_by(Notification.id)))
