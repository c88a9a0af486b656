"""The reach dashboard: each figure against a hand-counted fixture (October 2026, across the clock change),
empty periods and filters, team leads' scope, commissioners' small-number suppression and refusals, CSV."""
from __future__ import annotations

import csv
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from core.accounts.models import Team
from core.accounts.services import create_person
from core.timeutil import LONDON
from reach.figures import Scope, figures, joint_kpis
from tests.pages import open_page
from tests.partnership_october import NOW, OCTOBER, add_october, utc
from tests.partnership_october import consultation as _consultation
from tests.support import PASSWORD, count_queries, person, shows_date, sign_in


def test_each_figure_matches_the_hand_count(session, october):
    _matches_the_hand_count(figures(session, OCTOBER, NOW))


def _matches_the_hand_count(f: dict) -> None:
    assert (f["consultations_raised"], f["consultations_closed"]) == (4, 3)
    assert f["client_references"] == 3  # RDA-001 twice is one client
    assert (f["staff_supported"], f["teams_supported"], f["organisations_supported"]) == (3, 2, 2)
    assert (f["sessions_held"], f["attendances"], f["attendees"]) == (2, 3, 2)  # the cancelled one does not count
    assert (f["formulations"], f["templates_used"]) == (1, 1)
    assert (f["consultation_minutes"], f["facilitation_minutes"], f["psychologist_hours"]) == (60, 180, 4.0)
    assert f["reach_multiplier"] == 0.75
    assert [(c["urgency"], c["decided"], c["met"]) for c in f["compliance"]] == [
        ("urgent", 1, 0), ("soon", 1, 0), ("routine", 1, 1)]
    assert {o["outcome"]: o["count"] for o in f["outcomes"] if o["count"]} == {
        "joint_working": 1, "advice_only": 1, "referral_avoided": 1}
    assert [(s["answer"], s["useful"], s["more_confident"]) for s in f["survey"]] == [
        ("yes", 1, 1), ("partly", 1, 0), ("no", 0, 1)]
    assert f["urgent"] == {"raised": 1, "acknowledged": 1, "median_minutes": 12.0, "p90_minutes": 12.0,
                           "re_engage_follow_ups": 1}


def test_the_figures_worked_out_together_match_those_worked_out_one_by_one(app, session, october):
    """The dashboard runs its six aggregates at the same time, each on a connection of its own."""
    from dataclasses import asdict

    from core.database import db
    from reach.figures import report
    one_by_one = report(session, OCTOBER, NOW)
    with app.test_request_context("/reach/"):
        together = report(db.session, OCTOBER, NOW, run_all=db.read_apart)
    assert asdict(together) == asdict(one_by_one)
    assert together.current["consultations_raised"] == 4 and together.previous["consultations_raised"] == 1


def test_the_previous_period_for_the_trend(session, october):
    before = figures(session, OCTOBER.previous(), NOW)
    assert OCTOBER.previous().start == datetime(2026, 8, 31, tzinfo=LONDON)
    assert (before["consultations_raised"], before["consultations_closed"], before["formulations"]) == (1, 0, 1)


def test_joint_measures_put_mental_health_and_substance_use_side_by_side(session, october):
    rows = {r["service_type"]: r for r in joint_kpis(session, OCTOBER)}
    assert list(rows)[:2] == ["mental_health", "drug_and_alcohol"]
    assert rows["mental_health"]["requests"] == 0 and rows["mental_health"]["hours_to_first_reply"] is None
    substance = rows["drug_and_alcohol"]
    assert (substance["requests"], substance["hours_to_first_reply"], substance["joint_working"],
            substance["attendances"]) == (3, 1.5, 1, 3)
    assert (rows["housing"]["requests"], rows["housing"]["responded"]) == (1, 0)


def test_empty_periods_and_filters_that_match_nothing_give_zeros_not_errors(session, october):
    empty = Scope(start=datetime(2020, 1, 1, tzinfo=LONDON), end=datetime(2020, 2, 1, tzinfo=LONDON))
    nobody = Scope(OCTOBER.start, OCTOBER.end, service_type="mental_health")
    for scope in (empty, nobody):
        f = figures(session, scope, NOW)
        assert f["consultations_raised"] == f["staff_supported"] == f["attendances"] == 0
        assert f["psychologist_hours"] == 0 and f["reach_multiplier"] is None
    housing = figures(session, Scope(OCTOBER.start, OCTOBER.end, organisation_id=person(session, "other_frontline").organisation_id), NOW)
    assert (housing["consultations_raised"], housing["consultations_closed"], housing["sessions_held"]) == (1, 0, 0)
    assert (housing["staff_supported"], housing["organisations_supported"], housing["attendees"]) == (1, 1, 0)


def test_a_team_lead_sees_their_own_teams(session, october):
    team = person(session, "team_lead").teams[0].id
    f = figures(session, Scope(OCTOBER.start, OCTOBER.end, team_ids=(team,)), NOW)
    assert (f["consultations_raised"], f["sessions_held"]) == (3, 2)  # not the housing request
    # The frontline worker asked and attended, the team lead attended; not the housing worker.
    assert (f["staff_supported"], f["teams_supported"], f["attendees"], f["attendances"]) == (2, 1, 2, 3)
    before = figures(session, Scope(OCTOBER.start, OCTOBER.end, team_ids=(team,)).previous(), NOW)
    assert (before["staff_supported"], before["attendees"]) == (1, 0)  # the team lead's September request


# --- The pages ------------------------------------------------------------------------------

@pytest.fixture
def commissioner(app, session):
    org = session.scalars(select(Team)).first().organisation_id
    who = create_person(session, email="commissioner@example.org", name="Casey Commissioner", organisation_id=org,
                        roles=["commissioner"], password=PASSWORD)
    session.commit()
    client = app.test_client()
    sign_in(client, "commissioner@example.org")
    return client, who


OCTOBER_ARGS = "date_from=2026-10-01&date_to=2026-10-31"
OCTOBER_FOR_COMMISSIONERS = "period=2026-10"


def test_the_dashboard_shows_figures_with_their_trend_and_a_table_beside_each_chart(app, session, october):
    client = app.test_client()
    sign_in(client, "psychologist")
    page = client.get(f"/reach/?{OCTOBER_ARGS}").get_data(as_text=True)
    assert "1 October 2026 to 31 October 2026" in page
    assert "up 3 from 1" in page  # consultations raised: 4 against September's 1
    assert page.count('<figure class="reach-chart"') == 3 and page.count('aria-labelledby="chart-') == 3
    for axis in ("Per cent of requests answered within the target", "Number of consultations closed",
                 "Number of requests"):
        assert f'<p class="reach-chart__axis-title">{axis}</p>' in page
    assert page.count("<table") >= 5
    assert "Joint working agreed" in page


def test_a_chart_has_round_ticks_labelled_axes_and_bars_in_proportion():
    from reach.charts import bar_chart, nice_top
    assert [nice_top(v) for v in (0, 1, 3, 7, 12, 100, 101, 4321)] == [1, 1, 5, 10, 20, 100, 200, 5000]
    html = str(bar_chart("c", "Outcomes", [("Advice only", 12, "12"), ("Signposted", 3, "3"),
                                           ("Risk escalated <b>", None, "fewer than 5")], "Number closed"))
    assert [float(w) for w in re.findall(r'<rect width="([\d.]+)"', html)] == [60.0, 15.0, 0.0]  # of an axis to 20
    assert "<span>0</span><span>10</span><span>20</span>" in html and "Number closed" in html
    assert "Risk escalated &lt;b&gt;" in html and "fewer than 5" in html
    assert '<rect width="100.0"' in str(bar_chart("p", "Share", [("Urgent", 100.0, "100%")], "Per cent", top=100))


def test_csv_of_a_table_holds_the_same_figures(app, session, october):
    client = app.test_client()
    sign_in(client, "psychologist")
    response = client.get(f"/reach/compliance.csv?{OCTOBER_ARGS}")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(response.get_data(as_text=True).splitlines()))
    assert rows[0] == ["Urgency", "Answered or overdue", "Answered within target", "Share within target"]
    assert rows[1:] == [["Urgent", "1", "0", "0%"], ["Soon", "1", "0", "0%"], ["Routine", "1", "1", "100%"]]
    assert client.get(f"/reach/nothing.csv?{OCTOBER_ARGS}").status_code == 404


def test_commissioners_never_see_figures_for_fewer_than_five(app, session, october, commissioner):
    client, _ = commissioner
    page = client.get(f"/reach/?{OCTOBER_FOR_COMMISSIONERS}").get_data(as_text=True)
    assert "fewer than 5" in page and "RDA-001" not in page
    rows = {r[0]: r for r in csv.reader(client.get(f"/reach/headlines.csv?{OCTOBER_FOR_COMMISSIONERS}").get_data(as_text=True).splitlines())}
    # Added up from the requests by kind of service, each rounded: never the exact 4.
    joint = {r[0]: r for r in csv.reader(client.get(f"/reach/joint.csv?{OCTOBER_FOR_COMMISSIONERS}").get_data(as_text=True).splitlines())}
    by_kind = [joint[k][1] for k in joint if k != "Kind of service" and joint[k][1] != "0"]
    assert sorted(by_kind) == ["fewer than 5", "fewer than 5"]
    assert rows["Consultations raised"][1] == "5"
    assert rows["Frontline staff supported"][1] == "fewer than 5"
    assert rows["Reach multiplier (staff supported per psychologist hour)"][1] == "fewer than 5"
    assert rows["Psychologist hours (consultations, groups, case clinics and supervision)"][1] == "4"  # hours are not people
    assert rows["Consultations raised"][3] == ""  # no trend that would give the small number away
    psychologist = app.test_client()
    sign_in(psychologist, "psychologist")
    unsuppressed = {r[0]: r for r in csv.reader(
        psychologist.get(f"/reach/headlines.csv?{OCTOBER_ARGS}").get_data(as_text=True).splitlines())}
    assert unsuppressed["Consultations raised"][1] == "4"


def test_five_or_more_are_shown_to_commissioners(app, session, october, commissioner):
    for n in range(5):
        _consultation(session, "frontline", f"RDA-1{n}", utc(2026, 10, 5, 9))
    session.commit()
    client, _ = commissioner
    rows = {r[0]: r for r in csv.reader(client.get(f"/reach/headlines.csv?{OCTOBER_FOR_COMMISSIONERS}").get_data(as_text=True).splitlines())}
    assert rows["Consultations raised"][1] == "10"  # 9, rounded to the nearest 5


def test_commissioners_are_refused_every_client_level_page(app, session, commissioner):
    client, who = commissioner
    allowed = {"core.home", "core.notifications", "core.healthz", "accounts.account", "accounts.change_password",
               "accounts.set_up_two_factor", "static", "nhsuk_assets", "reach.dashboard", "reach.table_csv",
               "reach.board_reports", "reach.board_report_file"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in allowed or rule.endpoint in _public(app):
            continue
        url = rule.build({arg: ("x" if arg in ("token", "filename", "table") else 1) for arg in rule.arguments})[1]
        assert client.get(url).status_code == 403, url
        checked += 1
    assert checked > 30
    open_page(client, "reach.dashboard", status=200)
    page = open_page(client, "core.home")
    assert "/consultations" not in page and "/reach/" in page


def _public(app):
    from core.security import public_endpoints
    return public_endpoints(app)


def test_frontline_staff_do_not_see_the_dashboard(app):
    client = app.test_client()
    sign_in(client, "frontline")
    open_page(client, "reach.dashboard", status=403)


def test_the_dashboard_form_explains_a_bad_period_and_keeps_it(app, session):
    client = app.test_client()
    sign_in(client, "psychologist")
    page = open_page(client, "reach.dashboard", date_from="2026-10-31", date_to="2026-10-01")
    assert "There is a problem" in page and "must be the same as or after" in page
    assert shows_date(page, "date_from", date(2026, 10, 31))
    typed = client.get("/reach/?date_from-day=1&date_from-month=Oct&date_from-year=2026&date_to-day=31"
                       "&date_to-month=10&date_to-year=2026")
    assert typed.status_code == 302 and typed.headers["Location"].endswith("date_from=2026-10-01&date_to=2026-10-31")
    page = open_page(client, "reach.dashboard", date_from="not-a-date")
    assert "Enter a real date" in page


def test_the_dashboard_runs_the_same_number_of_queries_however_much_there_is(app, session, october):
    client = app.test_client()
    sign_in(client, "psychologist")
    few = count_queries(app, client, f"/reach/?{OCTOBER_ARGS}")
    session.rollback()
    for n in range(40):
        _consultation(session, "other_frontline", f"HH-{n}", utc(2026, 10, 3, 9) + timedelta(hours=n),
                      closed_at=utc(2026, 10, 20), outcome="signposted", minutes_spent=15, status="closed")
    session.commit()
    assert count_queries(app, client, f"/reach/?{OCTOBER_ARGS}") == few



def test_the_hand_counted_month_on_postgresql_and_its_page(pg_app):
    """The same hand count on PostgreSQL, whose sums come back as decimals; then the page, which works the
    figures out side by side and stores them as a snapshot."""
    from core.database import db
    from reach.figures import report
    from reach.snapshots import FigureSnapshot
    with pg_app.app_context(), db.new_session() as s:
        add_october(pg_app, s)
        on_postgresql = report(s, OCTOBER, NOW)
        _matches_the_hand_count(on_postgresql.current)
        assert on_postgresql.previous["consultations_raised"] == 1
        substance = next(r for r in on_postgresql.joint if r["service_type"] == "drug_and_alcohol")
        assert (substance["requests"], substance["hours_to_first_reply"], substance["attendances"]) == (3, 1.5, 3)
        # PostgreSQL gathers attendees its own way (reach.figures._attendees): the filters apply there too.
        team = Scope(OCTOBER.start, OCTOBER.end, team_ids=(person(s, "team_lead").teams[0].id,))
        housing = Scope(OCTOBER.start, OCTOBER.end, organisation_id=person(s, "other_frontline").organisation_id)
        assert [(f["staff_supported"], f["attendees"]) for f in (figures(s, team, NOW), figures(s, housing, NOW))] \
            == [(2, 2), (1, 0)]
    pg_app.config["REACH_CACHE_SECONDS"] = 300
    client = pg_app.test_client()
    sign_in(client, "psychologist")
    for _ in range(2):  # worked out and stored, then read back from the snapshot
        page = client.get(f"/reach/?{OCTOBER_ARGS}")
        assert page.status_code == 200 and "up 3 from 1" in page.get_data(as_text=True)
    with pg_app.app_context(), db.new_session() as s:
        assert s.scalar(select(func.count()).select_from(FigureSnapshot)) == 1


def test_figures_are_kept_for_a_few_minutes_then_worked_out_again(app, session, october):
    import time_machine
    app.config["REACH_CACHE_SECONDS"] = 300
    client = app.test_client()
    sign_in(client, "psychologist")

    def raised():
        rows = {r[0]: r for r in csv.reader(client.get(f"/reach/headlines.csv?{OCTOBER_ARGS}").get_data(as_text=True).splitlines())}
        return rows["Consultations raised"][1]

    assert raised() == "4"
    _consultation(session, "frontline", "RDA-77", utc(2026, 10, 9, 9))
    session.commit()
    assert raised() == "4"  # the snapshot, not yet the new request
    page = client.get(f"/reach/?{OCTOBER_ARGS}").get_data(as_text=True)
    assert "Figures worked out at" in page and "every 5 minutes" in page
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(minutes=6)):
        sign_in(client, "psychologist")
        assert raised() == "5"


def _acknowledged_in(session, minutes: list[int | None]) -> None:
    """Urgent October requests acknowledged so many minutes after their clock started (None: not yet; a negative
    number: taken before the clock started, by a lead told while nobody was on duty)."""
    for n, waited in enumerate(minutes):
        started = utc(2026, 10, 12, 9) + timedelta(days=n)
        _consultation(session, "frontline", f"URG-{n}", started, "urgent", ack_started_at=started,
                      acknowledged_at=None if waited is None else started + timedelta(minutes=waited))
    session.commit()


@pytest.mark.parametrize("minutes, median, ninetieth", [
    ([10, 20, 30, 50, None], 25.0, 50.0),  # an even count: the median is the mean of the two middle ones
    ([5, -40, 7], 5.0, 7.0),  # taken before the clock started counts as at once
    ([None], None, None),
])
def test_time_to_acknowledge_urgent_requests_at_the_median_and_90th_percentile(session, minutes, median, ninetieth):
    _acknowledged_in(session, minutes)
    urgent = figures(session, OCTOBER, NOW)["urgent"]
    assert urgent["raised"] == len(minutes) and urgent["acknowledged"] == len([m for m in minutes if m is not None])
    assert (urgent["median_minutes"], urgent["p90_minutes"]) == (median, ninetieth)


def test_time_to_acknowledge_on_postgresql(pg_app):
    from core.database import db
    with pg_app.app_context(), db.new_session() as s:
        _acknowledged_in(s, [10, 20, 30, 50, None, -5])
        urgent = figures(s, OCTOBER, NOW)["urgent"]
    assert (urgent["acknowledged"], urgent["median_minutes"], urgent["p90_minutes"]) == (5, 20.0, 50.0)
