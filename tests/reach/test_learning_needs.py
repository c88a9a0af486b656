"""What workers need to learn, against a hand count: needs and risks by month across the October clock change,
the pairs brought together most, "not more confident" answers, facilitators' themes, one kind of service,
group topics and templates suggested from tags; lead psychologists only."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from consult.models import CloseOutSurvey, Consultation
from core.timeutil import LONDON
from formulations.starter import seed_starter_library
from reach import periods
from reach.learning import learning_needs
from reach.rollups import DailyFigures, OutOfDateDay
from supervision.models import GroupSession, SessionNotes
from tests.factories import make_lead_psychologist, series
from tests.pages import open_page
from tests.partnership_october import consultation
from tests.reach.test_rollups import _roll_up_all, without_roll_ups
from tests.support import person, signed_in

MONTHS = [periods.Period(date(2026, m, 1), 1) for m in (9, 10, 11)]
AFTER = datetime(2026, 12, 2, 9, tzinfo=timezone.utc)  # November closed and rolled up


def _partnership(session) -> None:
    """September 30 23:30 BST: alcohol and mental health, suicide or self-harm (September in London, though
    22:30 in UTC). 25 October 01:30 (the clocks go back that night): alcohol, intoxication, answered "no".
    31 October 23:30 GMT: drugs, intoxication, answered "no". 1 November 00:30 GMT: alcohol, suicide or
    self-harm, answered "yes". The other organisation (housing, say) on 14 October: housing, no risk, "no"."""
    plan = [("frontline", datetime(2026, 9, 30, 23, 30), "alcohol,mental_health", "suicide_self_harm", None),
            ("frontline", datetime(2026, 10, 25, 1, 30), "alcohol", "intoxication", "no"),
            ("frontline", datetime(2026, 10, 31, 23, 30), "drugs", "intoxication", "no"),
            ("frontline", datetime(2026, 11, 1, 0, 30), "alcohol", "suicide_self_harm", "yes"),
            ("other_frontline", datetime(2026, 10, 14, 9, 0), "housing", "", "no")]
    for n, (key, when, needs, risks, confident) in enumerate(plan):
        c = consultation(session, key, f"LN-{n}", when.replace(tzinfo=LONDON), presenting_needs=needs, risks=risks)
        if confident:
            session.add(CloseOutSurvey(consultation_id=c.id, useful="yes", more_confident=confident))
    group = series(session)
    start = datetime(2026, 10, 20, 13, 30, tzinfo=LONDON)
    held = GroupSession(series_id=group.id, occurrence=start.date(), starts_at=start,
                        ends_at=start + timedelta(minutes=90))
    session.add(held)
    session.flush()
    session.add(SessionNotes(session_id=held.id, themes="Staying hopeful when a client keeps relapsing"))
    seed_starter_library(session, person(session, "psychologist"))
    session.commit()


def test_needs_risks_and_doubts_are_counted_by_month_across_the_clock_change(session):
    _partnership(session)
    found = learning_needs(session, MONTHS)
    assert found.requests == [1, 3, 1]
    assert found.needs["alcohol"] == [1, 1, 1] and found.needs["drugs"] == [0, 1, 0]
    assert found.needs["mental_health"] == [1, 0, 0] and found.needs["housing"] == [0, 1, 0]
    assert found.risks["intoxication"] == [0, 2, 0] and found.risks["suicide_self_harm"] == [1, 0, 1]
    assert found.not_confident_total == [0, 3, 0]
    assert found.not_confident["intoxication"] == [0, 2, 0] and found.not_confident["housing"] == [0, 1, 0]
    assert found.not_confident["suicide_self_harm"] == [0, 0, 0]
    assert found.together[:2] == [("alcohol", "suicide_self_harm", 2), ("alcohol", "intoxication", 1)]
    assert [t["themes"] for t in found.themes] == ["Staying hopeful when a client keeps relapsing"]


def test_one_kind_of_service_and_suggestions_from_tags(session):
    _partnership(session)
    kind = person(session, "frontline").organisation.service_type
    found = learning_needs(session, MONTHS, kind)
    assert found.requests == [1, 2, 1]  # not the other organisation's
    # Intoxication: 2 requests, both "not more confident" (weight 6); alcohol: 3 requests, 1 "no" (5).
    assert [s["key"] for s in found.suggestions][:2] == ["intoxication", "alcohol"]
    intoxication = found.suggestions[0]
    assert intoxication["topic"] == "Intoxication: adapting the work rather than excluding"
    titles = {t["title"] for t in intoxication["templates"]}
    assert titles and all("alcohol" in t.lower() or "substance" in t.lower() or "drug" in t.lower() for t in titles)


def test_the_hand_count_is_read_from_the_roll_ups(session):
    """Altered by hand, October's stored month shows through: the page does not read October's requests."""
    _partnership(session)
    afresh = asdict(learning_needs(session, MONTHS))
    _roll_up_all(session, AFTER)
    assert asdict(learning_needs(session, MONTHS)) == afresh
    october = session.scalar(select(DailyFigures).where(DailyFigures.family == "asked", DailyFigures.bucket == "m",
                                                        DailyFigures.starts == date(2026, 10, 1),
                                                        DailyFigures.partition == "all"))
    october.body = october.body.replace("[3.0,", "[30.0,", 1)
    session.commit()
    assert learning_needs(session, MONTHS).requests == [1, 30, 1]


def test_an_answer_or_a_risk_changed_after_the_month_is_rolled_up_shows_at_once(session):
    _partnership(session)
    _roll_up_all(session, AFTER)
    first_of_november = session.scalar(select(Consultation).where(Consultation.client_reference == "LN-3"))
    session.get(CloseOutSurvey, first_of_november.id).more_confident = "no"
    housing = session.scalar(select(Consultation).where(Consultation.client_reference == "LN-4"))
    housing.risks = "domestic_abuse"
    session.commit()
    found = learning_needs(session, MONTHS)
    assert found.not_confident_total == [0, 3, 1] and found.not_confident["suicide_self_harm"] == [0, 0, 1]
    assert found.risks["domestic_abuse"] == [0, 1, 0] and ("housing", "domestic_abuse", 1) in found.together
    _roll_up_all(session, AFTER)
    assert session.scalar(select(func.count()).select_from(OutOfDateDay)) == 0
    rolled = asdict(learning_needs(session, MONTHS))
    with without_roll_ups(session):
        assert rolled == asdict(learning_needs(session, MONTHS))


def test_the_page_is_for_lead_psychologists(app, session):
    _partnership(session)
    open_page(signed_in(app, "psychologist"), "reach.learning_needs_page", status=403)
    make_lead_psychologist(session, "psychologist")
    page = open_page(signed_in(app, "psychologist"), "reach.learning_needs_page", months="12")
    assert "What workers need to learn" in page and "Intoxication: adapting the work rather than excluding" in page
    assert "Staying hopeful when a client keeps relapsing" in page and "LN-" not in page
    refused = open_page(signed_in(app, "psychologist"), "reach.learning_needs_page", months="999")
    assert "Choose how many months from the list" in refused
    open_page(signed_in(app, "frontline"), "reach.learning_needs_page", status=403)


@pytest.mark.postgres
def test_the_hand_count_holds_on_postgresql(pg_app):
    with pg_app.app_context(), pg_app.extensions["database"]["session_factory"]() as s:
        _partnership(s)
        afresh = asdict(learning_needs(s, MONTHS))
        _roll_up_all(s, AFTER)
        found = learning_needs(s, MONTHS)
        assert asdict(found) == afresh
        assert found.requests == [1, 3, 1] and found.risks["intoxication"] == [0, 2, 0]
        assert found.not_confident_total == [0, 3, 0] and found.together[0] == ("alcohol", "suicide_self_harm", 2)
