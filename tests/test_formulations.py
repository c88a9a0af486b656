"""Formulation templates: the version life cycle, the library, filling in, comments and who sees what."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from core.notifications import Notification
from core.text import css_string
from formulations.models import Formulation, FormulationRevision, PublishedVersionIsFrozen, Template, TemplateVersion
from formulations.starter import STARTER, seed_starter_library

from .factories import on_duty_throughout
from .support import count_queries, form_as_shown, person, post_form, sign_in
from .test_consultations import newest, raise_request

TEMPLATE = {
    "title": "Cycle of change map",
    "summary": "Where the person is with change, in their words.",
    "audience": "plain",
    "tags": "Motivation, alcohol",
    "minutes_needed": "15",
    "source_note": "Prochaska and DiClemente (1983).",
    "sections": "## Where they are now\nAsk gently.\n? What do they say about change?\n\n## Next step\n? What is one small step?",
    "action": "save",
}


@pytest.fixture
def author(app):
    client = app.test_client()
    sign_in(client, "psychologist")
    return client


def _new_draft(author, session, **changes):
    response = post_form(author, "/formulations/templates/new", {**TEMPLATE, **changes})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    session.rollback()
    return session.scalars(select(TemplateVersion).order_by(TemplateVersion.id.desc())).first()


def _publish(author, version_id):
    return post_form(author, f"/formulations/versions/{version_id}/publish", page_url=f"/formulations/versions/{version_id}")


def test_write_preview_save_and_publish_a_template(author, session):
    preview = post_form(author, "/formulations/templates/new", {**TEMPLATE, "action": "preview"})
    body = preview.get_data(as_text=True)
    assert "Preview" in body and "What is one small step?" in body
    assert session.scalars(select(TemplateVersion)).all() == []  # a preview saves nothing
    draft = _new_draft(author, session)
    assert draft.status == "draft" and draft.tags == "motivation,alcohol" and len(draft.sections) == 2
    assert draft.sections[0] == {"heading": "Where they are now", "guidance": "Ask gently.",
                                 "prompts": ["What do they say about change?"]}
    assert _publish(author, draft.id).status_code == 302
    session.rollback()
    assert session.get(TemplateVersion, draft.id).status == "published"


def test_a_published_version_never_changes(author, session):
    draft = _new_draft(author, session)
    _publish(author, draft.id)
    edit = post_form(author, f"/formulations/versions/{draft.id}/edit", {**TEMPLATE, "title": "Changed"},
                     page_url=f"/formulations/versions/{draft.id}")
    assert edit.status_code == 403
    session.rollback()
    version = session.get(TemplateVersion, draft.id)
    version.title = "Sneaky change"
    with pytest.raises(PublishedVersionIsFrozen):
        session.flush()
    session.rollback()
    assert session.get(TemplateVersion, draft.id).title == "Cycle of change map"


def test_sections_that_cannot_be_read_are_explained(author):
    response = post_form(author, "/formulations/templates/new", {**TEMPLATE, "sections": "Just some text"})
    assert "Start the sections with a heading line beginning" in response.get_data(as_text=True)
    response = post_form(author, "/formulations/templates/new", {**TEMPLATE, "sections": "## Heading only"})
    body = response.get_data(as_text=True)
    assert "Add at least one prompt" in body and "Cycle of change map" in body  # what was typed is kept


def test_new_drafts_history_and_differences(author, session):
    first = _new_draft(author, session)
    _publish(author, first.id)
    response = post_form(author, f"/formulations/versions/{first.id}/new-draft", page_url=f"/formulations/versions/{first.id}")
    session.rollback()
    second = session.scalars(select(TemplateVersion).where(TemplateVersion.template_id == first.template_id,
                                                           TemplateVersion.number == 2)).one()
    assert response.headers["Location"].endswith(f"/versions/{second.id}")
    again = post_form(author, f"/formulations/versions/{first.id}/new-draft", page_url="/")
    assert again.status_code == 302  # refused with a message: one draft at a time
    assert "already has a draft" in author.get(again.headers["Location"]).get_data(as_text=True)
    post_form(author, f"/formulations/versions/{second.id}/edit",
              {**TEMPLATE, "sections": TEMPLATE["sections"] + "\n? Who could help?"},
              page_url=f"/formulations/versions/{second.id}")
    _publish(author, second.id)
    page = author.get(f"/formulations/templates/{first.template_id}/differences?from={first.id}&to={second.id}")
    body = page.get_data(as_text=True)
    assert re.search(r'<ins class="reach-added">.*\? Who could help\?</ins>', body)
    assert "<del" not in body.split("<pre", 1)[1]


def test_the_library_shows_each_template_at_its_latest_published_version(app, author, session):
    first = _new_draft(author, session)
    _publish(author, first.id)
    post_form(author, f"/formulations/versions/{first.id}/new-draft", page_url=f"/formulations/versions/{first.id}")
    session.rollback()
    second = session.scalars(select(TemplateVersion).where(TemplateVersion.number == 2)).one()
    post_form(author, f"/formulations/versions/{second.id}/edit", {**TEMPLATE, "title": "Cycle of change, revised"},
              page_url=f"/formulations/versions/{second.id}")
    worker = app.test_client()
    sign_in(worker, "frontline")
    library = worker.get("/formulations/").get_data(as_text=True)
    assert f"/formulations/versions/{first.id}\"" in library and "revised" not in library  # a draft is not shown
    _publish(author, second.id)
    library = worker.get("/formulations/").get_data(as_text=True)
    assert f"/formulations/versions/{second.id}\"" in library and "Cycle of change, revised" in library
    assert f"/formulations/versions/{first.id}\"" not in library and "Cycle of change map" not in library


def test_a_templates_address_opens_its_newest_version_for_its_author_and_the_published_one_for_others(
        app, author, session):
    first = _new_draft(author, session)
    _publish(author, first.id)
    post_form(author, f"/formulations/versions/{first.id}/new-draft", page_url=f"/formulations/versions/{first.id}")
    session.rollback()
    second = session.scalars(select(TemplateVersion).where(TemplateVersion.number == 2)).one()
    worker = app.test_client()
    sign_in(worker, "frontline")
    address = f"/formulations/templates/{first.template_id}"
    assert author.get(address).headers["Location"].endswith(f"/formulations/versions/{second.id}")
    assert worker.get(address).headers["Location"].endswith(f"/formulations/versions/{first.id}")


def test_retired_templates_leave_the_library_but_stay_readable_on_formulations(app, author, session):
    draft = _new_draft(author, session)
    _publish(author, draft.id)
    worker = app.test_client()
    sign_in(worker, "frontline")
    post_form(worker, f"/formulations/versions/{draft.id}/start", {"consultation_id": "0"})
    session.rollback()
    formulation = session.scalars(select(Formulation)).one()
    url = f"/formulations/versions/{draft.id}"
    asked = post_form(author, f"{url}/retire", page_url=url).get_data(as_text=True)
    assert "Retire Cycle of change map?" in asked and "You cannot undo this" in asked
    assert "Cycle of change map" in worker.get("/formulations/").get_data(as_text=True)  # asking changes nothing
    assert post_form(author, f"{url}/retire", {"confirmed": "yes"}, page_url=url).status_code == 302
    assert "Cycle of change map" not in worker.get("/formulations/").get_data(as_text=True)
    page = worker.get(f"/formulations/{formulation.id}").get_data(as_text=True)
    assert "Cycle of change map" in page and "What do they say about change?" in page


def test_derive_a_new_template_shows_where_it_came_from(app, author, session):
    draft = _new_draft(author, session)
    _publish(author, draft.id)
    other = app.test_client()
    sign_in(other, "other_psychologist")
    response = post_form(other, f"/formulations/versions/{draft.id}/derive", page_url=f"/formulations/versions/{draft.id}")
    session.rollback()
    derived = session.scalars(select(TemplateVersion).order_by(TemplateVersion.id.desc())).first()
    assert derived.title == "Cycle of change map (adapted)" and derived.status == "draft"
    assert session.get(Template, derived.template_id).derived_from_version_id == draft.id
    assert "Derived from" in other.get(response.headers["Location"]).get_data(as_text=True)
    # An unpublished draft is its author's alone, here too.
    assert "(adapted)" not in author.get(f"/formulations/versions/{draft.id}").get_data(as_text=True)
    assert "(adapted)" in other.get(f"/formulations/versions/{draft.id}").get_data(as_text=True)
    _publish(other, derived.id)
    original = author.get(f"/formulations/versions/{draft.id}").get_data(as_text=True)
    assert "Templates derived from this one" in original and "(adapted)" in original


def test_drafts_are_their_authors_alone(app, author, session):
    draft = _new_draft(author, session)
    worker = app.test_client()
    sign_in(worker, "frontline")
    assert worker.get(f"/formulations/versions/{draft.id}").status_code == 404
    other = app.test_client()
    sign_in(other, "other_psychologist")
    assert post_form(other, f"/formulations/versions/{draft.id}/publish", page_url="/").status_code == 404


def test_only_psychologists_write_templates(app):
    worker = app.test_client()
    sign_in(worker, "frontline")
    assert worker.get("/formulations/templates/new").status_code == 403


def test_the_library_searches_filters_and_counts_uses(app, session):
    with app.app_context():
        seed_starter_library(session, person(session, "psychologist"))
        session.commit()
    client = app.test_client()
    sign_in(client, "frontline")
    everything = client.get("/formulations/").get_data(as_text=True)
    assert all(spec["title"].replace("'", "&#39;") in everything for spec in STARTER)
    assert 'href="/formulations/?tag=trauma"' in everything  # each tag links to the templates carrying it
    trauma = client.get("/formulations/?tag=trauma").get_data(as_text=True)
    assert "What happened to you" in trauma and "The 5 Ps" not in trauma
    specialist = client.get("/formulations/?audience=specialist").get_data(as_text=True)
    assert "Power Threat Meaning" in specialist and "Hot cross bun" not in specialist
    assert "?tag=" in specialist and all("audience=specialist" in link for link in
                                         re.findall(r'href="(/formulations/\?tag=[^"]*)"', specialist))
    searched = client.get("/formulations/?q=cross+bun").get_data(as_text=True)
    assert "Hot cross bun" in searched and "The 5 Ps" not in searched
    five_ps = session.scalar(select(TemplateVersion).where(TemplateVersion.title.like("The 5 Ps%")))
    post_form(client, f"/formulations/versions/{five_ps.id}/start", {"consultation_id": "0"})
    post_form(client, f"/formulations/versions/{five_ps.id}/start", {"consultation_id": "0"})
    listing = client.get("/formulations/?q=5+ps").get_data(as_text=True)
    assert "used 2 times" in listing


def test_the_library_shows_what_authors_typed_as_text_and_links_tags_safely(app, author, session):
    draft = _new_draft(author, session, title="<b>Bold</b> map", summary="Ask <i>gently</i> & listen",
                       tags="self & others, <img src=x>")
    _publish(author, draft.id)
    worker = app.test_client()
    sign_in(worker, "frontline")
    library = worker.get("/formulations/?audience=plain").get_data(as_text=True)
    assert "&lt;b&gt;Bold&lt;/b&gt; map" in library and "Ask &lt;i&gt;gently&lt;/i&gt; &amp; listen" in library
    assert "<b>Bold" not in library and "<img src=x>" not in library
    assert 'href="/formulations/?tag=self%20%26%20others&amp;audience=plain">self &amp; others</a>' in library
    assert 'href="/formulations/?tag=%3Cimg%20src%3Dx%3E&amp;audience=plain">&lt;img src=x&gt;</a>' in library
    assert len(worker.get("/formulations/?tag=self+%26+others").get_data(as_text=True).split("&lt;b&gt;Bold")) == 2


def test_the_starter_library_has_five_sourced_templates(app, session):
    with app.app_context():
        assert seed_starter_library(session, person(session, "psychologist")) == 5
        assert seed_starter_library(session, person(session, "psychologist")) == 0  # only adds what is missing
        session.commit()
    versions = session.scalars(select(TemplateVersion)).all()
    assert len(versions) == 5 and all(v.status == "published" and v.source_note for v in versions)


# --- Filling in, comments, revisions -------------------------------------------------

def _case_with_formulation(app, author, session):
    draft = _new_draft(author, session)
    _publish(author, draft.id)
    worker = app.test_client()
    sign_in(worker, "frontline")
    raise_request(worker)
    case = newest(session)
    on_duty_throughout(session, "psychologist")  # so the request waiting in the pool is theirs to take
    post_form(author, f"/consultations/{case.id}/take", page_url=f"/consultations/{case.id}")
    start = post_form(worker, f"/formulations/versions/{draft.id}/start", {"consultation_id": str(case.id)})
    session.rollback()
    formulation = session.scalars(select(Formulation)).one()
    assert start.headers["Location"].endswith(f"/formulations/{formulation.id}")
    return worker, case, formulation


def test_fill_in_comment_revise_and_see_earlier_revisions(app, author, session):
    worker, case, formulation = _case_with_formulation(app, author, session)
    url = f"/formulations/{formulation.id}"
    post_form(worker, url, {"answer-0-0": "Says he might cut down.", "answer-1-0": ""})
    comment = post_form(author, f"{url}/comments", {"section_index": "0", "body": "Ask *when* he drinks most."},
                        page_url=url)
    assert comment.status_code == 302
    post_form(worker, url, {"answer-0-0": "Says he might cut down in the evenings.", "answer-1-0": "Text his sister."})
    session.rollback()
    revisions = session.scalars(select(FormulationRevision.number).where(
        FormulationRevision.formulation_id == formulation.id)).all()
    assert revisions == [1, 2, 3]
    latest = worker.get(url).get_data(as_text=True)
    assert "in the evenings" in latest and "<em>when</em>" in latest
    earlier = worker.get(f"{url}/revisions/2").get_data(as_text=True)
    assert "Says he might cut down.</p>" in earlier and "Text his sister" not in earlier
    markdown = worker.get(f"{url}.md")
    assert markdown.mimetype == "text/markdown"
    assert "**What is one small step?**\n\nText his sister." in markdown.get_data(as_text=True)


def test_a_formulation_started_on_a_case_is_linked_both_ways_and_the_psychologist_is_told(app, author, session):
    worker, case, formulation = _case_with_formulation(app, author, session)
    notice = session.scalars(select(Notification).where(Notification.person_id == person(session, "psychologist").id,
                                                        Notification.title.startswith("A formulation was started"))
                             ).one()
    assert notice.link == f"/formulations/{formulation.id}" and case.reference in notice.title
    assert not session.scalars(select(Notification).where(Notification.person_id == person(session, "frontline").id,
                                                          Notification.title.startswith("A formulation"))).all()
    case_page = author.get(f"/consultations/{case.id}").get_data(as_text=True)
    assert "Formulations for this client" in case_page
    assert f'<a href="/formulations/{formulation.id}">Cycle of change map, version 1</a>' in case_page
    assert "started a formulation with the template" in case_page  # on the thread
    assert f'href="/consultations/{case.id}"' in author.get(f"/formulations/{formulation.id}").get_data(as_text=True)


def test_answers_with_identifiers_are_refused_and_kept_on_the_page(app, author, session):
    worker, case, formulation = _case_with_formulation(app, author, session)
    url = f"/formulations/{formulation.id}"
    response = post_form(worker, url, {"answer-0-0": "NHS number 943 476 5919", "answer-1-0": "A plan"})
    body = response.get_data(as_text=True)
    assert "There is a problem" in body and "looks like an NHS number" in body and ">A plan</textarea>" in body
    session.rollback()
    assert len(session.scalars(select(FormulationRevision)).all()) == 1


# As the case: its requester, their team lead and the psychologist holding it; a psychologist not involved does
# not find it (they would say why they need the case first).
@pytest.mark.parametrize("key, expected", [
    ("frontline", 200), ("team_lead", 200), ("psychologist", 200), ("other_psychologist", 404),
    ("admin", 404), ("other_frontline", 404),
])
def test_a_formulation_on_a_case_is_seen_by_those_who_see_the_case(app, author, session, key, expected):
    _worker, _case, formulation = _case_with_formulation(app, author, session)
    client = app.test_client()
    sign_in(client, key)
    assert client.get(f"/formulations/{formulation.id}").status_code == expected
    # The print margins name the client reference, so they are guarded like the page.
    assert client.get(f"/formulations/{formulation.id}/print.css").status_code == expected


def test_printed_pages_say_whose_formulation_from_which_version_and_the_page_number(app, author, session):
    worker, case, formulation = _case_with_formulation(app, author, session)
    session.execute(update(TemplateVersion).values(title='Five "Ps"; } body { display: none'))
    session.commit()
    sheet = worker.get(f"/formulations/{formulation.id}/print.css")
    assert sheet.mimetype == "text/css"
    rules = sheet.get_data(as_text=True)
    top_left = re.search(r"@top-left \{ content: (\"[^\"]*\");", rules)
    assert top_left is not None, "the title's quote and brace cannot end the string early"
    assert top_left.group(1) == css_string(f'{case.client_reference} · Five "Ps"; }} body {{ display: none, version 1')
    assert 'counter(page) " of " counter(pages)' in rules
    assert rules.count("{") == rules.count("}")


def test_a_standalone_formulation_is_its_authors_alone(app, author, session):
    draft = _new_draft(author, session)
    _publish(author, draft.id)
    worker = app.test_client()
    sign_in(worker, "frontline")
    post_form(worker, f"/formulations/versions/{draft.id}/start", {"consultation_id": "0"})
    session.rollback()
    formulation = session.scalars(select(Formulation)).one()
    for key in ["team_lead", "psychologist", "admin"]:
        client = app.test_client()
        sign_in(client, key)
        assert client.get(f"/formulations/{formulation.id}").status_code == 404, key


def test_only_the_allocated_psychologist_comments(app, author, session):
    worker, case, formulation = _case_with_formulation(app, author, session)
    other = app.test_client()
    sign_in(other, "other_psychologist")
    url = f"/formulations/{formulation.id}"
    assert post_form(other, f"{url}/comments", {"section_index": "0", "body": "x"}, page_url="/").status_code == 404
    assert post_form(worker, f"{url}/comments", {"section_index": "0", "body": "x"}, page_url=url).status_code == 403


def test_a_psychologist_suggests_a_template_on_a_case(app, author, session):
    worker, case, _formulation = _case_with_formulation(app, author, session)
    version = session.scalars(select(TemplateVersion)).first()
    url = f"/consultations/{case.id}"
    response = post_form(author, f"{url}/suggest-template", {"suggest-version_id": str(version.id)}, page_url=url)
    assert response.status_code == 302
    thread = worker.get(url).get_data(as_text=True)
    assert f'href="/formulations/versions/{version.id}/start?case={case.id}"' in thread


# --- Pages stay fast -------------------------------------------------------------------

def _bulk_templates(app, session, count, versions_each):
    from formulations.sections import parse_sections
    from formulations.services import create_template, new_draft, publish
    author = person(session, "psychologist")
    with app.app_context():
        for n in range(count):
            v = create_template(session, author, {**TEMPLATE, "title": f"Bulk template {n:03d}", "minutes_needed": 10,
                                                  "sections": parse_sections(TEMPLATE["sections"])})
            publish(session, v)
            for _ in range(versions_each - 1):
                publish(session, new_draft(session, session.get(Template, v.template_id), author))
        session.commit()
    return v


def test_library_and_history_pages_run_a_fixed_number_of_queries(app, session):
    client = app.test_client()
    sign_in(client, "frontline")
    last = _bulk_templates(app, session, 3, 2)
    few_library = count_queries(app, client, "/formulations/")
    few_history = count_queries(app, client, f"/formulations/versions/{last.id}")
    last = _bulk_templates(app, session, 40, 6)
    assert count_queries(app, client, "/formulations/") == few_library
    assert count_queries(app, client, f"/formulations/versions/{last.id}") == few_history
    assert "Page 1 of 2" in client.get("/formulations/").get_data(as_text=True)


def test_publishing_a_new_version_never_changes_an_existing_formulation(app, author, session):
    worker, case, formulation = _case_with_formulation(app, author, session)
    first = session.get(TemplateVersion, formulation.template_version_id)
    post_form(author, f"/formulations/versions/{first.id}/new-draft", page_url=f"/formulations/versions/{first.id}")
    session.rollback()
    second = session.scalars(select(TemplateVersion).where(TemplateVersion.number == 2)).one()
    post_form(author, f"/formulations/versions/{second.id}/edit",
              {**TEMPLATE, "title": "Renamed map", "sections": "## Entirely new\n? A new prompt"},
              page_url=f"/formulations/versions/{second.id}")
    _publish(author, second.id)
    session.rollback()
    assert session.get(Formulation, formulation.id).template_version_id == first.id
    page = worker.get(f"/formulations/{formulation.id}").get_data(as_text=True)
    assert "Cycle of change map, version 1" in page and "A new prompt" not in page


def test_only_the_current_version_of_a_live_template_starts_a_formulation_and_older_ones_say_so(app, author, session):
    first = _new_draft(author, session)
    _publish(author, first.id)
    worker = app.test_client()
    sign_in(worker, "frontline")
    post_form(worker, f"/formulations/versions/{first.id}/start", {"consultation_id": "0"})
    session.rollback()
    made = session.scalars(select(Formulation)).one()
    post_form(author, f"/formulations/versions/{first.id}/new-draft", page_url=f"/formulations/versions/{first.id}")
    session.rollback()
    second = session.scalars(select(TemplateVersion).where(TemplateVersion.number == 2)).one()
    _publish(author, second.id)

    old = worker.get(f"/formulations/versions/{first.id}/start").get_data(as_text=True)
    assert "This is an older version" in old and f"/formulations/versions/{second.id}/start" in old
    assert 'type="submit"' not in old.split('id="maincontent"', 1)[1]  # a form that cannot succeed is not shown
    refused = post_form(worker, f"/formulations/versions/{first.id}/start", {"consultation_id": "0"},
                        page_url=f"/formulations/versions/{second.id}/start")
    assert refused.status_code == 200 and "a newer one has been published" in refused.get_data(as_text=True)
    assert "A newer version of the template exists" in worker.get(f"/formulations/{made.id}").get_data(as_text=True)

    post_form(author, f"/formulations/versions/{second.id}/retire", {"confirmed": "yes"},
              page_url=f"/formulations/versions/{second.id}")
    assert "This template has been retired" in worker.get(f"/formulations/versions/{second.id}/start").get_data(as_text=True)
    refused = post_form(worker, f"/formulations/versions/{second.id}/start", {"consultation_id": "0"},
                        page_url=f"/formulations/versions/{second.id}")
    assert "retired, so new formulations cannot be made with it" in refused.get_data(as_text=True)
    assert "The template has been retired" in worker.get(f"/formulations/{made.id}").get_data(as_text=True)
    session.rollback()
    assert len(session.scalars(select(Formulation)).all()) == 1


def test_a_draft_opened_for_editing_shows_its_sections_as_written_and_saves_unchanged(author, session):
    draft = _new_draft(author, session)
    url = f"/formulations/versions/{draft.id}/edit"
    shown = form_as_shown(author, url, url)
    assert shown["sections"].replace("\r\n", "\n") == TEMPLATE["sections"]
    assert shown["tags"] == "motivation, alcohol"
    for action in ("preview", "save"):
        response = author.post(url, data={**shown, "action": action})
        assert response.status_code in (200, 302) and "There is a problem" not in response.get_data(as_text=True)
    session.rollback()
    session.expire_all()
    assert session.get(TemplateVersion, draft.id).sections == draft.sections


def test_a_draft_can_be_discarded_after_saying_what_will_go(app, author, session):
    draft = _new_draft(author, session)
    url = f"/formulations/versions/{draft.id}"
    asked = post_form(author, f"{url}/discard", page_url=url).get_data(as_text=True)
    assert "Discard the draft of Cycle of change map?" in asked and "goes completely" in asked
    other = app.test_client()
    sign_in(other, "other_psychologist")
    assert post_form(other, f"{url}/discard", {"confirmed": "yes"}, page_url="/formulations/").status_code in (403, 404)
    gone = post_form(author, f"{url}/discard", {"confirmed": "yes"}, page_url=url)
    assert gone.status_code == 302 and gone.headers["Location"].endswith("/formulations/")
    session.rollback()
    session.expire_all()
    assert session.scalars(select(Template)).all() == []
    # A draft of a published template goes alone: the published version stays.
    published = _new_draft(author, session)
    _publish(author, published.id)
    post_form(author, f"/formulations/versions/{published.id}/new-draft", page_url=f"/formulations/versions/{published.id}")
    session.rollback()
    second = session.scalars(select(TemplateVersion).order_by(TemplateVersion.id.desc())).first()
    assert second.status == "draft" and second.number == 2
    done = post_form(author, f"/formulations/versions/{second.id}/discard", {"confirmed": "yes"},
                     page_url=f"/formulations/versions/{second.id}")
    assert done.headers["Location"].endswith(f"/formulations/versions/{published.id}")
    session.rollback()
    session.expire_all()
    assert [v.status for v in session.scalars(select(TemplateVersion))] == ["published"]
    refused = post_form(author, f"/formulations/versions/{published.id}/discard", {"confirmed": "yes"},
                        page_url=f"/formulations/versions/{published.id}", follow_redirects=True)
    assert "Only a draft can be discarded" in refused.get_data(as_text=True)
