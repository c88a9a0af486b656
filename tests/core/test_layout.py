"""The shared layout: the header is rendered once per distinct set of inputs, so it must still show each
person their own name, their own sign-out token and where they are."""
from __future__ import annotations

import re
from datetime import timedelta

import time_machine

from core.timeutil import utcnow
from tests.pages import open_page
from tests.support import csrf_from, sign_in


def _current(html: str) -> list[str]:
    return re.findall(r'class="nhsuk-header__navigation-link" href="([^"]+)" aria-current="page"', html)


def test_the_header_shows_each_person_their_name_token_and_the_page_they_are_on(app):
    worker, psychologist = app.test_client(), app.test_client()
    sign_in(worker, "frontline")
    sign_in(psychologist, "psychologist")
    consultations = open_page(worker, "consult.mine")
    formulations = open_page(worker, "formulations.index")
    assert _current(consultations) == ["/consultations/"] and _current(formulations) == ["/formulations/"]
    theirs = open_page(psychologist, "formulations.index")
    assert "Frontline (" in formulations and "Frontline (" not in theirs and "Psychologist (" in theirs
    assert csrf_from(worker.get("/")) != csrf_from(psychologist.get("/"))


def _tidy(html: str) -> str:
    """Whitespace between and inside tags does not change the page."""
    return re.sub(r"\s+", " ", re.sub(r"\s*>\s*", ">", re.sub(r"\s+<", "<", str(html)))).strip()


def test_the_tag_written_out_for_lists_is_the_design_systems_tag(app):
    """The lists use a lighter tag macro than NHS.UK's; it must give the same markup, escaping included."""
    ours = app.jinja_env.from_string('{{ tag(text, colour) }}')
    theirs = app.jinja_env.from_string('{% from "nhsuk/components/tag/macro.jinja" import tag %}'
                                       '{{ tag({"text": text, "classes": "nhsuk-tag--" ~ colour}) }}')
    for text, colour in [("Overdue", "red"), ("Place offered to you", "blue"), ("<script>x</script> & co", "grey")]:
        assert _tidy(ours.render(text=text, colour=colour)) == _tidy(theirs.render(text=text, colour=colour))
    assert "&lt;script&gt;" in ours.render(text="<script>", colour="red")


def test_the_summary_list_written_out_for_record_pages_is_the_design_systems(app):
    """Record pages use a lighter summary list than NHS.UK's macro; it must give the same markup, with text
    escaped, HTML values kept as HTML, and rows left out where the page has nothing to show."""
    from markupsafe import Markup
    rows = [("Asked by", "  Sam <b>Jones</b> & co "), ("Reply due", Markup('1 May 2026, 9:00am <strong class="x">Overdue</strong>')),
            None, ("Outcome", "Advice only (20 minutes)")]
    ours = app.jinja_env.from_string("{{ summary_list(rows) }}").render(rows=rows)
    theirs = app.jinja_env.from_string(
        '{% from "nhsuk/components/summary-list/macro.jinja" import summaryList %}'
        '{{ summaryList({"rows": nhs_rows}) }}').render(nhs_rows=[
            {"key": {"text": key}, "value": {"html": value} if isinstance(value, Markup) else {"text": value}}
            for key, value in filter(None, rows)])
    assert _tidy(ours) == _tidy(theirs)
    assert "Sam &lt;b&gt;Jones&lt;/b&gt; &amp; co" in ours and '<strong class="x">Overdue</strong>' in ours


def test_what_people_type_is_escaped_inside_the_design_system_components(app, session):
    """The NHS.UK components are .jinja files; they must escape like our own .html templates do."""
    from tests.support import person
    worker = person(session, "frontline")
    worker.name = '<img src=x onerror="alert(1)">'
    session.commit()
    client = app.test_client()
    sign_in(client, "frontline")
    page = open_page(client, "core.home")
    assert "<img src=x" not in page and "&lt;img src=x onerror=" in page
    tag = app.jinja_env.from_string('{% from "nhsuk/components/tag/macro.jinja" import tag %}{{ tag({"text": t}) }}')
    assert "<b>" not in tag.render(t="<b>bold</b>")


def test_fields_are_rendered_once_when_empty_and_never_kept_with_what_someone_typed(app):
    from core.templating import _COMPONENTS, component
    field = {"id": "question", "name": "question", "label": {"text": "Your question"}}
    with app.test_request_context("/"):
        empty = component("nhsuk/components/input/macro.jinja", "input", {**field, "value": ""})
        assert empty in _COMPONENTS.values()
        typed = component("nhsuk/components/input/macro.jinja", "input", {**field, "value": "Worried about J"})
        assert 'value="Worried about J"' in typed
        assert not any("Worried about J" in html for html in _COMPONENTS.values())


def test_a_sign_ins_pages_carry_one_csrf_token_that_its_forms_accept_later(app):
    """Signed once per sign-in (its header is then the same HTML from page to page), and still accepted
    from a page opened minutes before the form is sent."""
    client, other = app.test_client(), app.test_client()
    with time_machine.travel(utcnow(), tick=False) as clock:
        sign_in(client, "frontline")
        sign_in(other, "frontline")
        first = csrf_from(client.get("/"))
        clock.shift(timedelta(minutes=5))
        assert csrf_from(client.get("/formulations/")) == first != csrf_from(other.get("/"))
        assert client.post("/notifications/read", data={"csrf_token": first}).status_code == 302
        assert other.post("/notifications/read", data={"csrf_token": first}).status_code == 400


def test_where_csrf_tokens_expire_each_page_gets_one_signed_afresh(app):
    """The reuse above holds only while tokens last as long as the sign-in; with a time limit each token
    must carry the time it was handed out."""
    from factory import create_app
    expiring = create_app({**app.config, "WTF_CSRF_TIME_LIMIT": 3600})
    client = expiring.test_client()
    with time_machine.travel(utcnow(), tick=False) as clock:
        sign_in(client, "frontline")
        first = csrf_from(client.get("/"))
        clock.shift(timedelta(minutes=5))
        assert csrf_from(client.get("/formulations/")) != first
    expiring.extensions["database"]["engine"].dispose()


def test_a_web_worker_compiles_every_template_before_its_first_page(app, monkeypatch):
    import gc
    import runpy
    from types import SimpleNamespace

    import jinja2

    from core.config import PROJECT_ROOT
    compiled = []
    compile_source = jinja2.Environment.compile

    def noting(self, source, name=None, *args, **kwargs):
        compiled.append(name)
        return compile_source(self, source, name, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", noting)
    hooks = runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))
    thresholds = gc.get_threshold()
    try:
        hooks["post_worker_init"](SimpleNamespace(wsgi=app))  # what gunicorn calls as a worker starts
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
    assert "base.html" in compiled and "nhsuk/components/header/template.jinja" in compiled
    compiled.clear()
    client = app.test_client()
    sign_in(client, "psychologist")
    open_page(client, "consult.queue", status=200)
    assert compiled == []
