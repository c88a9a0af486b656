"""Every page a test fetches is checked as a person's browser and screen reader would meet it: the HTML parses
without errors, there is one main heading, no two elements share an id, every form that changes something
carries its CSRF token, and the window title names the page. `open_page()` fetches by endpoint name."""
from __future__ import annotations

import re
from collections import Counter

import html5lib
from flask import url_for
from flask.testing import FlaskClient

_SPACE = re.compile(r"\s+")


def _text(element) -> str:
    return _SPACE.sub(" ", "".join(element.itertext())).strip()


def page_problems(html: str) -> list[str]:
    """What is wrong with a page, in words; empty when nothing is."""
    parser = html5lib.HTMLParser(namespaceHTMLElements=False)
    tree = parser.parse(html)
    # Forms show back exactly what was sent, and the fuzzing tests send control characters no keyboard makes
    # (browsers show them as a replacement character), so a character html5lib calls invalid is not a fault.
    problems = [f"HTML does not parse at line {line}, column {col}: {code} {data or ''}".strip()
                for (line, col), code, data in parser.errors if code != "invalid-codepoint"]
    headings = tree.findall(".//h1")
    if len(headings) != 1:
        problems.append(f"{len(headings)} <h1> headings (one names the page)")
    repeated = [i for i, n in Counter(e.get("id") for e in tree.iter() if e.get("id")).items() if n > 1]
    if repeated:
        problems.append(f"ids used more than once: {', '.join(sorted(repeated))}")
    for form in tree.iter("form"):
        if (form.get("method") or "get").lower() == "post" and \
                not any((i.get("name") or "").endswith("csrf_token") for i in form.iter("input")):
            problems.append(f"the form posting to {form.get('action')!r} has no CSRF token")
    title = tree.find(".//title")
    named = _text(title).split(" – ")[0].removeprefix("Error: ") if title is not None else ""
    if headings and not named.casefold().startswith(_text(headings[0]).casefold()):
        problems.append(f"the title {named!r} does not begin with the page's heading {_text(headings[0])!r}")
    if not named:
        problems.append("the title does not name the page")
    return problems


class CheckingClient(FlaskClient):
    """A test client that checks every full HTML page it is given."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        if response.mimetype == "text/html" and not kwargs.get("buffered") \
                and response.get_data(as_text=True).lstrip().lower().startswith("<!doctype"):
            problems = page_problems(response.get_data(as_text=True))
            assert not problems, f"{response.request.path}: " + "; ".join(problems)
        return response


def open_page(client: FlaskClient, endpoint: str, status: int = 200, **values) -> str:
    """The page at `endpoint` (with its path and query values), after the checks above; asserts its status."""
    with client.application.test_request_context():
        url = url_for(endpoint, **values)
    response = client.get(url)
    assert response.status_code == status, f"{url} answered {response.status_code}, not {status}"
    return response.get_data(as_text=True)
