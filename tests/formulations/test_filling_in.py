"""Filled-in formulations: answers, comments and revisions, linked to a case, printed, and who sees them."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from core.notifications import Notification
from core.text import css_string
from formulations.models import Formulation, FormulationRevision, TemplateVersion
from tests.factories import (
    TEMPLATE_FORM,
    new_draft,
    newest,
    on_duty_throughout,
    post_request,
    publish,
    worker_starts_a_formulation,
)
from tests.pages import open_page
from tests.support import person, post_form, sign_in

# --- Filling in, comments, revisions -------------------------------------------------


def _case_with_formulation(app, author, session):
    draft = new_draft(author, session)
    publish(author, draft.id)
    worker = app.test_client()
    sign_in(worker, "frontline")
    post_request(worker)
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
    case_page = open_page(author, "consult.show", consultation_id=case.id)
    assert "Formulations for this client" in case_page
    assert f'<a href="/formulations/{formulation.id}">Cycle of change map, version 1</a>' in case_page
    assert "started a formulation with the template" in case_page  # on the thread
    assert f'href="/consultations/{case.id}"' in open_page(author, "formulations.formulation", formulation_id=formulation.id)


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
    draft, formulation, worker = worker_starts_a_formulation(app, author, session)
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


def test_publishing_a_new_version_never_changes_an_existing_formulation(app, author, session):
    worker, case, formulation = _case_with_formulation(app, author, session)
    first = session.get(TemplateVersion, formulation.template_version_id)
    post_form(author, f"/formulations/versions/{first.id}/new-draft", page_url=f"/formulations/versions/{first.id}")
    session.rollback()
    second = session.scalars(select(TemplateVersion).where(TemplateVersion.number == 2)).one()
    post_form(author, f"/formulations/versions/{second.id}/edit",
              {**TEMPLATE_FORM, "title": "Renamed map", "sections": "## Entirely new\n? A new prompt"},
              page_url=f"/formulations/versions/{second.id}")
    publish(author, second.id)
    session.rollback()
    assert session.get(Formulation, formulation.id).template_version_id == first.id
    page = open_page(worker, "formulations.formulation", formulation_id=formulation.id)
    assert "Cycle of change map, version 1" in page and "A new prompt" not in page


def test_only_the_current_version_of_a_live_template_starts_a_formulation_and_older_ones_say_so(app, author, session):
    first, made, worker = worker_starts_a_formulation(app, author, session)
    post_form(author, f"/formulations/versions/{first.id}/new-draft", page_url=f"/formulations/versions/{first.id}")
    session.rollback()
    second = session.scalars(select(TemplateVersion).where(TemplateVersion.number == 2)).one()
    publish(author, second.id)

    old = open_page(worker, "formulations.start", version_id=first.id)
    assert "This is an older version" in old and f"/formulations/versions/{second.id}/start" in old
    assert 'type="submit"' not in old.split('id="maincontent"', 1)[1]  # a form that cannot succeed is not shown
    refused = post_form(worker, f"/formulations/versions/{first.id}/start", {"consultation_id": "0"},
                        page_url=f"/formulations/versions/{second.id}/start")
    assert refused.status_code == 200 and "a newer one has been published" in refused.get_data(as_text=True)
    assert "A newer version of the template exists" in open_page(worker, "formulations.formulation", formulation_id=made.id)

    post_form(author, f"/formulations/versions/{second.id}/retire", {"confirmed": "yes"},
              page_url=f"/formulations/versions/{second.id}")
    assert "This template has been retired" in open_page(worker, "formulations.start", version_id=second.id)
    refused = post_form(worker, f"/formulations/versions/{second.id}/start", {"consultation_id": "0"},
                        page_url=f"/formulations/versions/{second.id}")
    assert "retired, so new formulations cannot be made with it" in refused.get_data(as_text=True)
    assert "The template has been retired" in open_page(worker, "formulations.formulation", formulation_id=made.id)
    session.rollback()
    assert len(session.scalars(select(Formulation)).all()) == 1
