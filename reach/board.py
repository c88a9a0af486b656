"""The partnership board report: on the first working day of each month, the joint measures for the month just
ended and the latest quarter to end, as commissioners see them (small numbers hidden, counts rounded), drawn
as a PDF and a CSV, kept, and announced once to commissioners and lead psychologists.

Built by the scheduler; a report missed (the service was down that day) is built at the next sweep. The
month's row is unique, so two schedulers, or one restarted, announce it once."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

from flask import render_template
from sqlalchemy import LargeBinary, String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, load_only, mapped_column

from core import audit
from core.accounts.directory import people_with_role
from core.accounts.models import Role
from core.database import Base
from core.notifications import notify
from core.pdf import as_pdf
from core.timeutil import LONDON
from core.workweek import WorkingWeek

from . import periods
from .disclosure import released
from .figures import Scope, kinds_of_service, report
from .presenting import Presenter
from .tables import charts_of, tables_of

# The tables in the report, with their captions (the dashboard's).
CONTENTS = [
    ("headlines", "Figures for this period and the previous one"),
    ("compliance", "Requests answered within the response target, by urgency"),
    ("urgent", "How quickly urgent requests were acknowledged, and clients followed up"),
    ("outcomes", "Outcomes recorded when consultations closed"),
    ("worker_outcomes", "Without the advice, the worker would have"),
    ("confidence", "Workers' confidence before asking and now"),
    ("exclusions", "Exclusions by the reason given and the kind of service"),
    ("joint", "Joint measures by kind of service"),
]


class BoardReport(Base):
    __tablename__ = "board_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), unique=True)  # the month reported, as 2026-11
    quarter: Mapped[str] = mapped_column(String(7))  # the latest quarter ended by then, as 2026-Q3
    built_at: Mapped[datetime]
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    csv: Mapped[str] = mapped_column(Text)

    @property
    def month_period(self) -> periods.Period:
        return periods.parse(self.month)

    @property
    def quarter_period(self) -> periods.Period:
        return periods.parse(self.quarter)


def first_working_day(month: periods.Period, week: WorkingWeek | None = None) -> date:
    week, day = week or WorkingWeek(), month.first
    while not week.is_working_day(day):
        day += timedelta(days=1)
    return day


def _sections(session: Session, month: periods.Period, quarter: periods.Period, now: datetime) -> list[dict]:
    presenter, service_types = Presenter(suppress=True), kinds_of_service(session)
    sections = []
    for period in (month, quarter):
        figures = released(period, lambda p: report(session, Scope(*p.bounds()), now, service_types))
        tables, raw = tables_of(figures, presenter)
        sections.append({"period": period, "tables": tables, "charts": charts_of(raw, presenter, f"chart-{period.key}")})
    return sections


def _csv(sections: list[dict]) -> str:
    """One row per figure: the period, the table, the row, the column, and the figure as shown."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Period", "Table", "Row", "Column", "Figure"])
    for section in sections:
        for name, caption in CONTENTS:
            header, rows = section["tables"][name]
            for row in rows:
                for column, value in zip(header[1:], row[1:], strict=True):
                    writer.writerow([section["period"].label, caption, row[0], column, value])
    return out.getvalue()


def build(session: Session, month: periods.Period, quarter: periods.Period, now: datetime) -> tuple[bytes, str]:
    """The report's PDF and CSV."""
    sections = _sections(session, month, quarter, now)
    html = render_template("reach/board_report_print.html", sections=sections, contents=CONTENTS, built_at=now,
                           month=month, quarter=quarter)
    return as_pdf(html), _csv(sections)


def build_due(session: Session, now: datetime, link: str = "/reach/board-reports") -> int:
    """Build last month's report if today is on or after this month's first working day and it has not been
    built; tell commissioners and lead psychologists. 1 when built here, 0 otherwise."""
    today = now.astimezone(LONDON).date()
    month, quarter = periods.last_month(today), periods.last_quarter(today)
    if today < first_working_day(periods.month_of(today)) or session.scalar(
            select(BoardReport.id).where(BoardReport.month == month.key)):
        return 0
    pdf, text = build(session, month, quarter, now)
    try:
        with session.begin_nested():
            built = BoardReport(month=month.key, quarter=quarter.key, built_at=now, pdf=pdf, csv=text)
            session.add(built)
    except IntegrityError:  # another scheduler built it first
        return 0
    readers = {p.id: p for role in (Role.COMMISSIONER, Role.LEAD_PSYCHOLOGIST) for p in people_with_role(session, role)}
    for person in readers.values():
        notify(session, person, f"Partnership board report for {month.label}",
               f"The partnership board report for {month.label}, with {quarter.label}, is ready to download. "
               "Small numbers are hidden and counts rounded, so it can be shared with the board.", link=link)
    audit.record(session, "reach.board_report_built", "board_report", built.id, month=month.key,
                 told=sorted(readers))
    return 1


def past_reports(session: Session, limit: int = 60) -> list[BoardReport]:
    """The latest reports first (five years of months), without their documents."""
    return list(session.scalars(select(BoardReport).options(load_only(BoardReport.id, BoardReport.month,
                                                                      BoardReport.quarter, BoardReport.built_at))
                                .order_by(BoardReport.month.desc()).limit(limit)))
