"""The one search index: kept in step by the database with the rows the packages write, stemming English,
ranking the closer match first, marking the matched words (escaped), and reading nothing of a search but its
words, on SQLite (FTS5) and PostgreSQL (tsvector) alike."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from core import search


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request):
    app = request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")
    s = Session(bind=app.extensions["database"]["engine"])
    yield s
    s.rollback()
    s.close()


def _found(db, q: str, kinds=("note", "service")) -> list[int]:
    return [hit.record_id for hit in search.find(db, q, kinds).hits]


def _three(db) -> None:
    search.put(db, "note", 1, "Drinking before appointments",
               "She drinks before each appointment to manage her anxiety about being judged.")
    search.put(db, "note", 2, "Sleep and cannabis", "Stopping cannabis suddenly made his sleep worse.")
    search.put(db, "service", 3, "Alcohol detox service", "Community detox for people who drink every day.",
               tags="Drug and alcohol treatment")
    db.commit()


def test_a_search_finds_other_forms_of_the_same_word(db):
    _three(db)
    assert set(_found(db, "drinking")) == {1, 3}
    assert 2 in _found(db, "slept badly after stopping")  # "stopping" and "stopped" share a stem
    assert _found(db, "appointment") == [1]


def test_every_word_first_else_any_with_the_closer_match_first(db):
    _three(db)
    every = search.find(db, "drinks appointments", ("note", "service"))
    assert every.every_word and [h.record_id for h in every.hits] == [1]  # only one has both
    some = search.find(db, "anxiety drinks sleepless nights", ("note", "service"))
    assert not some.every_word and [h.record_id for h in some.hits][0] == 1  # none has all four: the most first
    assert some.total == 2


def test_a_search_matching_more_than_are_ranked_ranks_the_newest_and_says_so(db, monkeypatch):
    """Ranking reads every match it is given, so past MOST_RANKED it is given the newest: an older, better match
    drops out, and the count stops at one more than are ranked."""
    monkeypatch.setattr(search, "MOST_RANKED", 3)
    search.put(db, "note", 1, "Anxiety, anxiety, anxiety", "Anxiety about appointments: anxiety at night.")
    for n in range(2, 7):
        search.put(db, "note", n, f"Note {n}", "Some anxiety before appointments.")
    db.commit()
    found = search.find(db, "anxiety", ("note",), limit=2)
    assert found.more and found.total == 4
    assert [h.record_id for h in found.hits] == [4, 5]  # equal matches, the older first
    assert [h.record_id for h in search.find(db, "anxiety", ("note",), limit=2, offset=2).hits] == [6]
    assert search.find(db, "anxiety", ("note",), limit=2, offset=4).hits == []
    page = found.page(found.hits, 1, 2)
    assert (page.total, page.pages, page.more) == (3, 2, True)
    monkeypatch.setattr(search, "MOST_RANKED", 10)
    every = search.find(db, "anxiety", ("note",))
    assert not every.more and every.total == 6 and every.hits[0].record_id == 1  # all ranked: the best first


def test_the_whole_page_says_when_only_the_newest_are_ranked(app, session, monkeypatch):
    from tests.pages import open_page
    from tests.support import signed_in
    monkeypatch.setattr(search, "MOST_RANKED", 2)
    for n in range(1, 5):
        search.put(session, "note", n, f"Note {n}", "Drinking before appointments.")
    session.commit()
    page = open_page(signed_in(app, "frontline"), "library.index", q="drinking")
    assert "More than 2 results. The 2 added most recently are shown" in page


def test_kinds_are_kept_apart(db):
    _three(db)
    assert _found(db, "anxiety drinks appointments")[0] == 1
    assert _found(db, "drink", kinds=("service",)) == [3]
    assert search.find(db, "drink", ("note", "service")).total == 2
    assert _found(db, "drink", kinds=("note", "template")) == [1]
    assert set(_found(db, "drink", kinds=search.KINDS)) == {1, 3}


def test_a_half_typed_last_word_already_matches(db):
    _three(db)
    assert _found(db, "cannab") == [2]


def test_matched_words_are_marked_and_everything_else_escaped(db):
    search.put(db, "note", 9, "<script>alert(1)</script> anxiety", "Worry <b>and</b> anxiety at night.")
    db.commit()
    [hit] = search.find(db, "anxiety", ("note",)).hits
    assert "<script>" not in hit.title and "&lt;script&gt;" in hit.title
    assert "<mark>anxiety</mark>" in hit.title and "<mark>anxiety</mark>" in hit.snippet
    assert "<b>" not in hit.snippet


def test_the_markers_the_database_uses_cannot_be_forged_in_indexed_text(db):
    search.put(db, "note", 9, "Plain \x02title\x03", "body \x02with\x03 markers")
    db.commit()
    [hit] = search.find(db, "title", ("note",)).hits
    assert "<mark>" in hit.title and hit.title.count("<mark>") == 1 and "body with markers" in hit.snippet


def test_changing_or_removing_an_entry_changes_the_results_at_once(db):
    _three(db)
    search.put(db, "note", 2, "Sleep and nicotine", "Nicotine late in the evening kept him awake.")
    db.commit()
    assert _found(db, "cannabis") == [] and _found(db, "nicotine") == [2]
    search.remove(db, "note", 2)
    db.commit()
    assert _found(db, "nicotine") == []


def test_search_syntax_and_odd_input_are_only_words(db):
    _three(db)
    for odd in ('" OR 1=1 --', "NEAR(drink anxiety)", "drink* AND NOT", "a:* & !b | (c", "'; DROP TABLE x;",
                "\x00\x01", "ünïcödé drïnk", "the and of"):
        search.find(db, odd, ("note",))  # no error from either database's search syntax
    assert _found(db, '"drink" OR -') != []
    assert search.find(db, "the and of", ("note",)).hits == []  # only words too common to look for
    assert search.words("x" * 10_000 + " drink") == ["x" * search.LONGEST_WORD]  # cut to length first


def test_only_the_index_machinery_is_left_out_when_comparing_with_the_models(app):
    with app.extensions["database"]["engine"].connect() as conn:
        tables = {row[0] for row in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))}
    machinery = {name for name in tables if not search.include_in_comparison(None, name, "table", True, None)}
    assert machinery and all(name.startswith("search_entries_fts") for name in machinery)
    assert search.include_in_comparison(None, "search_entries", "table", True, None)
