"""The one search: practice notes, formulation templates and services together; and the answers a worker is
shown before sending a request, with everything they typed kept, with or without scripts."""
from __future__ import annotations

from sqlalchemy import select, text

from consult.models import Consultation
from core.search import SearchEntry
from formulations import services as formulations
from formulations.models import Template, TemplateVersion
from formulations.starter import seed_starter_library
from tests.factories import FORM, local_service
from tests.pages import open_page
from tests.support import person, post_form, signed_in


def _library(app, session):
    with app.app_context():
        seed_starter_library(session, person(session, "psychologist"))
    session.commit()


def test_published_templates_are_found_and_a_retired_one_leaves_the_search(app, session):
    _library(app, session)
    worker = signed_in(app, "frontline")
    page = open_page(worker, "library.index", q="hindering substance")
    assert "What helps, what <mark>hinders</mark>" in page and "Formulation template" in page
    template = session.scalar(select(Template).join(TemplateVersion, TemplateVersion.id == Template.published_version_id)
                              .where(TemplateVersion.title.startswith("What helps, what hinders")))
    formulations.retire(session, template)
    session.commit()
    assert "What helps, what" not in open_page(worker, "library.index", q="hindering substance")


def test_notes_templates_and_services_are_searched_together(app, session):
    _library(app, session)
    local_service(session, name="Trauma Recovery Service", kind="talking_therapies",
                  who_for="Adults after trauma, whether or not they use drugs.")
    page = open_page(signed_in(app, "frontline"), "library.index", q="trauma")
    assert "Service" in page and "Trauma</mark> Recovery Service" in page
    assert "Formulation template" in page  # the safety and stabilisation template speaks of trauma


def test_check_for_existing_answers_shows_matches_and_keeps_everything_typed(app, session):
    _library(app, session)
    worker = signed_in(app, "frontline")
    typed = {**FORM, "question": "What helps and what hinders her substance use?", "check": "yes"}
    shown = post_form(worker, "/consultations/new", typed)
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "Existing answers that may help" in page
    assert "/formulations/templates/" in page and 'target="_blank"' in page and "<mark>hinders</mark>" in page
    assert 'value="JB-0412"' in page and "What helps and what hinders her substance use?</textarea>" in page
    assert "There is a problem" not in page
    session.rollback()
    assert session.scalars(select(Consultation)).all() == []  # checking sends nothing


def test_suggestions_while_typing_come_as_a_piece_of_a_page(app, session):
    _library(app, session)
    worker = signed_in(app, "frontline")
    piece = worker.get("/library/suggestions?q=hot+cross").get_data(as_text=True)
    assert "<mark>Hot</mark> <mark>cross</mark> bun" in piece and "<!DOCTYPE" not in piece
    assert worker.get("/library/suggestions?q=zzzqqq").get_data(as_text=True).strip() == ""


def test_migration_0031_put_the_templates_published_before_it_into_the_search(tmp_path):
    from alembic import command
    from sqlalchemy import create_engine

    from core.cli import alembic_config
    url = f"sqlite:///{tmp_path / 'upgrade.db'}"
    command.upgrade(alembic_config(url), "0030")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organisations (id, name, service_type, created_at) VALUES (1, 'Org', 'other', '2026-01-01')"))
        conn.execute(text("INSERT INTO people (id, email, name, password_hash, organisation_id, is_active, created_at) "
                          "VALUES (1, 'p@example.org', 'P', 'x', 1, 1, '2026-01-01')"))
        for template_id, retired in ((1, None), (2, "2026-06-01")):
            conn.execute(text("INSERT INTO formulation_templates (id, created_by_id, created_at, retired_at) "
                              "VALUES (:id, 1, '2026-01-01', :retired)"), {"id": template_id, "retired": retired})
            conn.execute(text(
                "INSERT INTO formulation_template_versions (id, template_id, number, status, title, summary, audience, "
                "tags, minutes_needed, source_note, sections_json, created_by_id, created_at, published_at) VALUES "
                "(:id, :id, 1, 'published', :title, 'About sleep', 'anyone', 'sleep,night', 10, '', '[]', 1, "
                "'2026-01-01', '2026-01-02')"), {"id": template_id, "title": f"Template {template_id}"})
            conn.execute(text("UPDATE formulation_templates SET published_version_id = :id WHERE id = :id"),
                         {"id": template_id})
    command.upgrade(alembic_config(url), "0031")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT e.record_id, e.tags FROM search_entries_fts JOIN search_entries AS e "
                                 "ON e.id = search_entries_fts.rowid WHERE search_entries_fts MATCH 'sleep'")).all()
    assert rows == [(1, "sleep, night")]  # the live one, found through the full-text index; not the retired
    engine.dispose()


def test_the_search_index_holds_one_entry_per_thing(app, session):
    _library(app, session)
    _library(app, session)  # seeding again adds nothing
    kinds = session.execute(select(SearchEntry.kind, SearchEntry.record_id)).all()
    assert len(kinds) == len(set(kinds)) == 5
