"""The partnership board report: made on the first working day of the month (not before, and late when the
service was down), for last month and the latest quarter, as commissioners see the figures; sent once to
commissioners and lead psychologists, even with two schedulers at once or one restarted; the PDF's text read
back; past reports downloadable by the people it is for and no one else."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from core.accounts.services import create_person
from core.timeutil import LONDON
from reach import periods
from reach.board import BoardReport, build_due, first_working_day
from tests.factories import make_lead_psychologist
from tests.pages import open_page
from tests.partnership_october import consultation
from tests.support import PASSWORD, committed, person, sign_in, signed_in, told, two_schedulers_at_once

SUNDAY_1_NOVEMBER = datetime(2026, 11, 1, 9, 0, tzinfo=LONDON)
MONDAY_2_NOVEMBER = datetime(2026, 11, 2, 7, 30, tzinfo=LONDON)
TITLE = "Partnership board report for October 2026"


def _partnership(session) -> None:
    """October: 7 turned away by drug and alcohol services as intoxicated, 2 by mental health services as not
    severe enough (one on 25 October, the day the clocks went back); July: 6 more requests."""
    for n in range(7):
        consultation(session, "frontline", f"BR-D{n}", datetime(2026, 10, 3 + n, 10, tzinfo=LONDON),
                     excluded_by="drug_and_alcohol", exclusion_reason="intoxicated")
    for n, day in enumerate((12, 25)):
        consultation(session, "frontline", f"BR-M{n}", datetime(2026, 10, day, 1, 30, tzinfo=LONDON),
                     excluded_by="mental_health", exclusion_reason="not_severe_enough")
    for n in range(6):
        consultation(session, "frontline", f"BR-J{n}", datetime(2026, 7, 6 + n, 10, tzinfo=LONDON))
    create_person(session, email="commissioner@example.org", name="Casey Commissioner", password=PASSWORD,
                  organisation_id=person(session, "frontline").organisation_id, roles=["commissioner"])
    session.commit()
    make_lead_psychologist(session, "psychologist")


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_first_working_day_skips_weekends_and_bank_holidays():
    assert first_working_day(periods.Period(date(2026, 11, 1), 1)) == date(2026, 11, 2)  # a Sunday
    assert first_working_day(periods.Period(date(2027, 1, 1), 1)) == date(2027, 1, 4)  # New Year's Day, a Friday
    assert first_working_day(periods.Period(date(2026, 12, 1), 1)) == date(2026, 12, 1)


def test_the_report_is_made_on_the_first_working_day_and_told_once(app, session):
    _partnership(session)
    with app.app_context():
        assert committed(session, build_due(session, SUNDAY_1_NOVEMBER)) == 0  # not a working day
        assert sorted(two_schedulers_at_once(app, lambda s: build_due(s, MONDAY_2_NOVEMBER))) == [0, 1]
        restarted = committed(session, build_due(session, datetime(2026, 11, 2, 10, tzinfo=LONDON)))
    assert restarted == 0
    session.rollback()
    made = session.scalars(select(BoardReport)).all()
    assert [(r.month, r.quarter) for r in made] == [("2026-10", "2026-Q3")]
    for key in ("psychologist", "commissioner"):
        assert told(session, key).count(TITLE) == 1
    assert TITLE not in told(session, "frontline") and TITLE not in told(session, "team_lead")


def test_a_report_missed_on_its_day_is_made_at_the_next_sweep(app, session):
    _partnership(session)
    with app.app_context():
        assert committed(session, build_due(session, datetime(2026, 11, 4, 12, tzinfo=LONDON))) == 1
    assert session.scalar(select(func.count()).select_from(BoardReport)) == 1


def test_the_pdf_and_csv_hold_the_figures_as_commissioners_see_them(app, session):
    _partnership(session)
    with app.app_context():
        committed(session, build_due(session, MONDAY_2_NOVEMBER))
    made = session.scalars(select(BoardReport)).one()
    text = _text(made.pdf)
    assert "Partnership board report: October 2026" in text and "July to September 2026" in text
    assert "Intoxicated at the appointment" in text and "fewer than 5" in text
    assert "BR-" not in text and "@example.org" not in text  # no client reference, no person
    rows = list(csv.reader(io.StringIO(made.csv)))
    assert rows[0] == ["Period", "Table", "Row", "Column", "Figure"]
    exclusions = {(r[0], r[2], r[3]): r[4] for r in rows if r[1].startswith("Exclusions")}
    assert exclusions[("October 2026", "Intoxicated at the appointment", "Drug and alcohol services")] == "5"  # 7
    assert exclusions[("October 2026", "Not severe enough", "Mental health services")] == "fewer than 5"
    assert exclusions[("October 2026", "Not severe enough", "All services")] == "fewer than 5"  # 2 rounds to 0
    headlines = {(r[0], r[2], r[3]): r[4] for r in rows if r[1].startswith("Figures")}
    assert headlines[("October 2026", "Consultations raised", "This period")] == "10"  # 9, rounded
    assert headlines[("July to September 2026", "Consultations raised", "This period")] == "5"  # July's 6
    assert "4" not in {r[4] for r in rows if r[3] in ("This period", "Requests")}


def test_past_reports_are_listed_and_downloaded_by_the_people_they_are_for(app, session):
    _partnership(session)
    with app.app_context():
        committed(session, build_due(session, MONDAY_2_NOVEMBER))
    client = signed_in(app, "commissioner@example.org")
    page = open_page(client, "reach.board_reports")
    assert "October 2026" in page and "July to September 2026" in page
    pdf = client.get("/reach/board-reports/2026-10.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "partnership-board-report-2026-10.pdf" in pdf.headers["Content-Disposition"]
    assert "October 2026" in _text(pdf.data)
    assert client.get("/reach/board-reports/2026-10.csv").mimetype == "text/csv"
    for missing in ("2026-09.pdf", "2026-Q3.pdf", "2026-13.pdf", "2026-10.docx", "x" * 300 + ".pdf"):
        assert client.get(f"/reach/board-reports/{missing}").status_code == 404, missing
    frontline = app.test_client()
    sign_in(frontline, "frontline")
    assert frontline.get("/reach/board-reports/2026-10.pdf").status_code == 403
    assert open_page(signed_in(app, "psychologist"), "reach.board_reports").count("2026-10.pdf") == 1


@pytest.mark.postgres
def test_two_schedulers_make_and_tell_the_report_once_on_postgresql(pg_app):
    factory = pg_app.extensions["database"]["session_factory"]
    with pg_app.app_context(), factory() as s:
        _partnership(s)
    assert sorted(two_schedulers_at_once(pg_app, lambda s: build_due(s, MONDAY_2_NOVEMBER))) == [0, 1]
    with pg_app.app_context(), factory() as s:
        assert build_due(s, MONDAY_2_NOVEMBER) == 0  # restarted
        assert s.scalar(select(func.count()).select_from(BoardReport)) == 1
        assert told(s, "commissioner").count(TITLE) == 1
