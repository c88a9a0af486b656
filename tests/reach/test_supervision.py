"""One-to-one supervision's figures against a hand count: sessions held, supervisees by kind of service, and
supervision hours in the psychologist hours, with the period's edges in London time across the clock change."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from core.timeutil import LONDON
from reach.figures import Scope, report
from supervision.one_to_one.models import SupervisionAgreement, SupervisionSession
from tests.pages import open_page
from tests.support import person, signed_in

OCTOBER = Scope(datetime(2026, 10, 1, tzinfo=LONDON), datetime(2026, 11, 1, tzinfo=LONDON))


def _supervision_in_october(session) -> None:
    """Frontline (drug and alcohol): held 1 October at 00:30 BST (still 30 September in UTC), held 15 October,
    not recorded 29 October, cancelled 22 October, held 17 September (before). Other frontline (housing): held
    31 October at 23:30 GMT, 90 minutes, and 1 November at 00:30 (outside)."""
    psychologist = person(session, "psychologist")
    plan = {"frontline": [((10, 1, 0, 30), 60, "held"), ((10, 15, 14, 0), 60, "held"), ((10, 29, 14, 0), 60, "not"),
                          ((10, 22, 14, 0), 60, "cancelled"), ((9, 17, 14, 0), 60, "held")],
            "other_frontline": [((10, 31, 23, 30), 90, "held"), ((11, 1, 0, 30), 90, "held")]}
    for key, sessions in plan.items():
        agreement = SupervisionAgreement(supervisor_id=psychologist.id, supervisee_id=person(session, key).id,
                                         status="active", version=1)
        session.add(agreement)
        session.flush()
        for (month, day, hour, minute), minutes, state in sessions:
            starts = datetime(2026, month, day, hour, minute, tzinfo=LONDON)
            session.add(SupervisionSession(agreement_id=agreement.id, version=1, occurrence=date(2026, month, day),
                                           starts_at=starts, ends_at=starts + timedelta(minutes=minutes),
                                           status="cancelled" if state == "cancelled" else "scheduled",
                                           recorded_at=starts + timedelta(days=1) if state == "held" else None))
    session.commit()


def test_supervision_figures_match_the_hand_count(session):
    _supervision_in_october(session)
    figures = report(session, OCTOBER, OCTOBER.end)
    now, before = figures.current, figures.previous
    assert (now["supervision_sessions"], now["supervisees"], now["supervision_minutes"]) == (3, 2, 210)
    assert (before["supervision_sessions"], before["supervisees"]) == (1, 1)
    assert now["psychologist_hours"] == 3.5  # nothing else happened in October: the supervision hours alone
    by_kind = {row["service_type"]: row["supervisees"] for row in figures.joint}
    assert by_kind["drug_and_alcohol"] == 1 and by_kind["housing"] == 1 and by_kind["mental_health"] == 0


def test_a_team_leads_figures_count_their_teams_supervisees_only(session):
    _supervision_in_october(session)
    team = person(session, "team_lead").teams[0].id
    now = report(session, Scope(OCTOBER.start, OCTOBER.end, team_ids=(team,)), OCTOBER.end).current
    assert (now["supervision_sessions"], now["supervisees"]) == (2, 1)


def test_the_dashboard_shows_supervision_beside_the_other_figures(app, session):
    _supervision_in_october(session)
    page = open_page(signed_in(app, "psychologist"), "reach.dashboard", date_from="2026-10-01",
                     date_to="2026-10-31")
    assert "One-to-one supervision sessions held" in page and "Staff in supervision" in page
