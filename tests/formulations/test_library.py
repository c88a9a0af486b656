"""Formulation templates: the version life cycle, drafts, the library and its search, and what it costs."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from formulations import services
from formulations.models import PublishedVersionIsFrozen, Template, TemplateVersion
from formulations.starter import STARTER, seed_starter_library
from tests.factories import TEMPLATE_FORM, new_draft, publish, worker_starts_a_formulation
from tests.pages import open_page
from tests.support import count_queries, form_as_shown, person, post_form, sign_in, signed_in


def test_write_preview_save_and_publish_a_template(author, session):
    preview = post_form(author, "/formulations/templates/new", {**TEMPLATE_FORM, "action": "preview"})
    body = preview.get_data(as_text=True)
    assert "Preview" in body and "What is one small step?" in body
    assert session.scalars(select(TemplateVersion)).all() == []  # a preview saves nothing
    draft = new_draft(author, session)
    assert draft.status == "draft" and draft.tags == "motivation,alcohol" and len(draft.sections) == 2
    assert draft.sections[0] == {"heading": "Where they are now", "guidance": "Ask gently.",
                                 "prompts": ["What do they say about change?"]}
    assert publish(author, draft.id).status_code == 302
    session.rollback()
    assert session.get(TemplateVersion, draft.id).status == "published"


def test_a_published_version_never_changes(author, session):
    draft = new_draft(author, session)
    publish(author, draft.id)
    edit = post_form(author, f"/formulations/versions/{draft.id}/edit", {**TEMPLATE_FORM, "title": "Changed"},
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
    response = post_form(author, "/formulations/templates/new", {**TEMPLATE_FORM, "sections": "Just some text"})
    assert "Start the sections with a heading line beginning" in response.get_data(as_text=True)
    response = post_form(author, "/formulations/templates/new", {**TEMPLATE_FORM, "sections": "## Heading only"})
    body = response.get_data(as_text=True)
    assert "Add at least one prompt" in body and "Cycle of change map" in body  # what was typed is kept


def test_new_drafts_history_and_differences(author, session):
    first = new_draft(author, session)
    publish(author, first.id)
    response = post_form(author, f"/formulations/versions/{first.id}/new-draft", page_url=f"/formulations/versions/{first.id}")
    session.rollback()
    second = session.scalars(select(TemplateVersion).where(TemplateVersion.template_id == first.template_id,
                                                           TemplateVersion.number == 2)).one()
    assert response.headers["Location"].endswith(f"/versions/{second.id}")
    again = post_form(author, f"/formulations/versions/{first.id}/new-draft", page_url="/")
    assert again.status_code == 302  # refused with a message: one draft at a time
    assert "already has a draft" in author.get(again.headers["Location"]).get_data(as_text=True)
    post_form(author, f"/formulations/versions/{second.id}/edit",
              {**TEMPLATE_FORM, "sections": TEMPLATE_FORM["sections"] + "\n? Who could help?"},
              page_url=f"/formulations/versions/{second.id}")
    publish(author, second.id)
    page = author.get(f"/formulations/templates/{first.template_id}/differences?from={first.id}&to={second.id}")
    body = page.get_data(as_text=True)
    assert re.search(r'<ins class="reach-added">.*\? Who could help\?</ins>', body)
    assert "<del" not in body.split("<pre", 1)[1]


def test_the_library_shows_each_template_at_its_latest_published_version(app, author, session):
    first = new_draft(author, session)
    publish(author, first.id)
    post_form(author, f"/formulations/versions/{first.id}/new-draft", page_url=f"/formulations/versions/{first.id}")
    session.rollback()
    second = session.scalars(select(TemplateVersion).where(TemplateVersion.number == 2)).one()
    post_form(author, f"/formulations/versions/{second.id}/edit", {**TEMPLATE_FORM, "title": "Cycle of change, revised"},
              page_url=f"/formulations/versions/{second.id}")
    worker = app.test_client()
    sign_in(worker, "frontline")
    library = open_page(worker, "formulations.index")
    assert f"/formulations/versions/{first.id}\"" in library and "revised" not in library  # a draft is not shown
    publish(author, second.id)
    library = open_page(worker, "formulations.index")
    assert f"/formulations/versions/{second.id}\"" in library and "Cycle of change, revised" in library
    assert f"/formulations/versions/{first.id}\"" not in library and "Cycle of change map" not in library


def test_a_templates_address_opens_its_newest_version_for_its_author_and_the_published_one_for_others(
        app, author, session):
    first = new_draft(author, session)
    publish(author, first.id)
    post_form(author, f"/formulations/versions/{first.id}/new-draft", page_url=f"/formulations/versions/{first.id}")
    session.rollback()
    second = session.scalars(select(TemplateVersion).where(TemplateVersion.number == 2)).one()
    worker = app.test_client()
    sign_in(worker, "frontline")
    address = f"/formulations/templates/{first.template_id}"
    assert author.get(address).headers["Location"].endswith(f"/formulations/versions/{second.id}")
    assert worker.get(address).headers["Location"].endswith(f"/formulations/versions/{first.id}")


def test_retired_templates_leave_the_library_but_stay_readable_on_formulations(app, author, session):
    draft, formulation, worker = worker_starts_a_formulation(app, author, session)
    url = f"/formulations/versions/{draft.id}"
    asked = post_form(author, f"{url}/retire", page_url=url).get_data(as_text=True)
    assert "Retire Cycle of change map?" in asked and "You cannot undo this" in asked
    assert "Cycle of change map" in open_page(worker, "formulations.index")  # asking changes nothing
    assert post_form(author, f"{url}/retire", {"confirmed": "yes"}, page_url=url).status_code == 302
    assert "Cycle of change map" not in open_page(worker, "formulations.index")
    page = open_page(worker, "formulations.formulation", formulation_id=formulation.id)
    assert "Cycle of change map" in page and "What do they say about change?" in page


def test_derive_a_new_template_shows_where_it_came_from(app, author, session):
    draft = new_draft(author, session)
    publish(author, draft.id)
    other = app.test_client()
    sign_in(other, "other_psychologist")
    response = post_form(other, f"/formulations/versions/{draft.id}/derive", page_url=f"/formulations/versions/{draft.id}")
    session.rollback()
    derived = session.scalars(select(TemplateVersion).order_by(TemplateVersion.id.desc())).first()
    assert derived.title == "Cycle of change map (adapted)" and derived.status == "draft"
    assert session.get(Template, derived.template_id).derived_from_version_id == draft.id
    assert "Derived from" in other.get(response.headers["Location"]).get_data(as_text=True)
    # An unpublished draft is its author's alone, here too.
    assert "(adapted)" not in open_page(author, "formulations.version", version_id=draft.id)
    assert "(adapted)" in open_page(other, "formulations.version", version_id=draft.id)
    publish(other, derived.id)
    original = open_page(author, "formulations.version", version_id=draft.id)
    assert "Templates derived from this one" in original and "(adapted)" in original


def test_drafts_are_their_authors_alone(app, author, session):
    draft = new_draft(author, session)
    worker = app.test_client()
    sign_in(worker, "frontline")
    open_page(worker, "formulations.version", status=404, version_id=draft.id)
    other = app.test_client()
    sign_in(other, "other_psychologist")
    assert post_form(other, f"/formulations/versions/{draft.id}/publish", page_url="/").status_code == 404


def test_only_psychologists_write_templates(app):
    worker = app.test_client()
    sign_in(worker, "frontline")
    open_page(worker, "formulations.new_template", status=403)


def test_the_library_searches_filters_and_counts_uses(app, session):
    with app.app_context():
        seed_starter_library(session, person(session, "psychologist"))
        session.commit()
    client = app.test_client()
    sign_in(client, "frontline")
    everything = open_page(client, "formulations.index")
    assert all(spec["title"].replace("'", "&#39;") in everything for spec in STARTER)
    assert 'href="/formulations/?tag=trauma"' in everything  # each tag links to the templates carrying it
    trauma = open_page(client, "formulations.index", tag="trauma")
    assert "What happened to you" in trauma and "The 5 Ps" not in trauma
    specialist = open_page(client, "formulations.index", audience="specialist")
    assert "Power Threat Meaning" in specialist and "Hot cross bun" not in specialist
    assert "?tag=" in specialist and all("audience=specialist" in link for link in
                                         re.findall(r'href="(/formulations/\?tag=[^"]*)"', specialist))
    searched = open_page(client, "formulations.index", q="cross bun")
    assert "Hot cross bun" in searched and "The 5 Ps" not in searched
    five_ps = session.scalar(select(TemplateVersion).where(TemplateVersion.title.like("The 5 Ps%")))
    post_form(client, f"/formulations/versions/{five_ps.id}/start", {"consultation_id": "0"})
    post_form(client, f"/formulations/versions/{five_ps.id}/start", {"consultation_id": "0"})
    listing = open_page(client, "formulations.index", q="5 ps")
    assert "used 2 times" in listing


def test_the_library_shows_what_authors_typed_as_text_and_links_tags_safely(app, author, session):
    draft = new_draft(author, session, title="<b>Bold</b> map", summary="Ask <i>gently</i> & listen",
                       tags="self & others, <img src=x>")
    publish(author, draft.id)
    worker = app.test_client()
    sign_in(worker, "frontline")
    library = open_page(worker, "formulations.index", audience="plain")
    assert "&lt;b&gt;Bold&lt;/b&gt; map" in library and "Ask &lt;i&gt;gently&lt;/i&gt; &amp; listen" in library
    assert "<b>Bold" not in library and "<img src=x>" not in library
    assert 'href="/formulations/?tag=self%20%26%20others&amp;audience=plain">self &amp; others</a>' in library
    assert 'href="/formulations/?tag=%3Cimg%20src%3Dx%3E&amp;audience=plain">&lt;img src=x&gt;</a>' in library
    assert len(open_page(worker, "formulations.index", tag="self & others").split("&lt;b&gt;Bold")) == 2


def test_the_starter_library_has_five_sourced_templates(app, session):
    with app.app_context():
        assert seed_starter_library(session, person(session, "psychologist")) == 5
        assert seed_starter_library(session, person(session, "psychologist")) == 0  # only adds what is missing
        session.commit()
    versions = session.scalars(select(TemplateVersion)).all()
    assert len(versions) == 5 and all(v.status == "published" and v.source_note for v in versions)


# --- Pages stay fast -------------------------------------------------------------------


def _bulk_templates(app, session, count, versions_each):
    from formulations.sections import parse_sections
    from formulations.services import create_template, new_draft, publish
    author = person(session, "psychologist")
    with app.app_context():
        for n in range(count):
            v = create_template(session, author, {**TEMPLATE_FORM, "title": f"Bulk template {n:03d}", "minutes_needed": 10,
                                                  "sections": parse_sections(TEMPLATE_FORM["sections"])})
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
    assert "Page 1 of 2" in open_page(client, "formulations.index")


def test_the_library_counts_the_templates_it_lists(app, author, session):
    """Counted from the templates alone when nothing is chosen: a retired template and a draft never published
    are left out, as they are from the list."""
    from formulations.sections import parse_sections
    _bulk_templates(app, session, 30, 1)
    published, _, _ = worker_starts_a_formulation(app, author, session)
    post_form(author, f"/formulations/versions/{published.id}/retire", {"confirmed": "yes"},
              page_url=f"/formulations/versions/{published.id}")
    session.rollback()  # see the retirement
    with app.app_context():
        services.create_template(session, person(session, "psychologist"), {
            **TEMPLATE_FORM, "title": "Never published", "minutes_needed": 10,
            "sections": parse_sections(TEMPLATE_FORM["sections"])})
    session.commit()
    listed = session.scalar(select(func.count()).select_from(services.library_query().subquery()))
    assert session.scalar(select(func.count()).select_from(services.library_counted().subquery())) == listed == 30
    assert "Page 2 of 2 (30 in all)" in open_page(signed_in(app, "frontline"), "formulations.index", page="2")


def test_a_draft_opened_for_editing_shows_its_sections_as_written_and_saves_unchanged(author, session):
    draft = new_draft(author, session)
    url = f"/formulations/versions/{draft.id}/edit"
    shown = form_as_shown(author, url, url)
    assert shown["sections"].replace("\r\n", "\n") == TEMPLATE_FORM["sections"]
    assert shown["tags"] == "motivation, alcohol"
    for action in ("preview", "save"):
        response = author.post(url, data={**shown, "action": action})
        assert response.status_code in (200, 302) and "There is a problem" not in response.get_data(as_text=True)
    session.rollback()
    session.expire_all()
    assert session.get(TemplateVersion, draft.id).sections == draft.sections


def test_a_draft_can_be_discarded_after_saying_what_will_go(app, author, session):
    draft = new_draft(author, session)
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
    published = new_draft(author, session)
    publish(author, published.id)
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
