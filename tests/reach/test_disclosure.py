"""Commissioners' figures cannot be worked back to a small number. An attacker holds everything published for
three months and their quarter (each with the period before beside it, and the totals of rows and columns), and
tries each hidden count: a count is recovered when no other value it could have had publishes the same figures.
The same attacker recovers a hidden count from figures rounded one by one, so it is a real attack."""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime

import pytest

from consult.exclusions import REASONS
from core.accounts.services import create_person
from core.timeutil import LONDON
from reach import periods
from reach.disclosure import SMALL, WITHHELD, flatten, released, rounded
from reach.figures import Report, Scope, report
from tests.pages import open_page
from tests.partnership_october import consultation
from tests.support import PASSWORD, person, signed_in

SIDES = ("mental_health", "drug_and_alcohol", "other")
KINDS = ("mental_health", "drug_and_alcohol", "housing", "pharmacy")
QUARTER = periods.Period(date(2026, 7, 1), 3)
MONTHS = QUARTER.before().each_month() + QUARTER.each_month()  # the quarter before too, for its trend


@pytest.fixture
def empty_report(session) -> Report:
    """The shape of a report, every figure nought, with four kinds of service."""
    shape = report(session, Scope(datetime(2026, 7, 1, tzinfo=LONDON), datetime(2026, 8, 1, tzinfo=LONDON)),
                   datetime(2026, 12, 1, tzinfo=LONDON))
    joint = [dict(shape.joint[0], service_type=kind) for kind in KINDS]
    return replace(shape, joint=joint)


def _raw(shape: Report, cells: dict) -> Report:
    """A report with these exclusions and requests by kind, and its totals counted exactly."""
    current = {**shape.current, "exclusions": [], "outcomes": [dict(o) for o in shape.current["outcomes"]]}
    for reason in REASONS:
        row = {"reason": reason, "label": reason, **{side: cells.get(("ex", reason, side), 0) for side in SIDES}}
        current["exclusions"].append({**row, "total": sum(row[s] for s in SIDES), "previous_total": 0})
    current["exclusions_recorded"] = sum(r["total"] for r in current["exclusions"])
    joint = [{**j, "requests": cells.get(("requests", j["service_type"]), 0)} for j in shape.joint]
    current["consultations_raised"] = sum(j["requests"] for j in joint)
    current["staff_supported"] = cells.get(("staff",), 0)
    return Report(current, dict(shape.previous), joint)


def _dataset(shape: Report, months: dict) -> tuple:
    """fetch(period) over months' cells; a quarter's figures are its months' added up (staff: the largest)."""
    def fetch(period):
        wanted = [months.get(m.key, {}) for m in period.each_month()]
        added = {key: sum(m.get(key, 0) for m in wanted) for m in wanted for key in m}
        added[("staff",)] = max(m.get(("staff",), 0) for m in wanted)
        return _raw(shape, added)
    return fetch


def _published(fetch) -> list[dict]:
    """Everything a commissioner can see: each month and the quarter, each with its period before."""
    views = [released(p, fetch) for p in QUARTER.each_month() + [QUARTER]]
    return [{**flatten(v), **{f"before.{k}": value for k, value in v.previous.items()}} for v in views]


def _naively(fetch) -> list[dict]:
    """Each figure rounded on its own, the totals as counted: what the attacker should defeat."""
    out = []
    for p in QUARTER.each_month() + [QUARTER]:
        out.append({k: (SMALL if 0 < v < 5 else rounded(v)) if isinstance(v, int) else v
                    for k, v in flatten(fetch(p)).items()})
    return out


def _recovered(shape: Report, months: dict, publish) -> list[tuple]:
    """The hidden counts that only one value fits: every other value from 1 to 4 publishes something else."""
    fetch = _dataset(shape, months)
    seen = publish(fetch)
    found = []
    for month in QUARTER.each_month():
        for key, value in months[month.key].items():
            if not 0 < value < 5:
                continue
            others = [v for v in range(1, 5) if v != value]
            if all(publish(_dataset(shape, {**months, month.key: {**months[month.key], key: other}})) != seen
                   for other in others):
                found.append((month.key, key, value))
    return found


def test_a_hidden_count_is_recovered_from_figures_rounded_one_by_one_but_not_from_released_ones(empty_report):
    # 1 + 8 + 8: rounded one by one, 15 less 10 and 10 leaves only 1.
    july = {("ex", "intoxicated", "mental_health"): 1, ("ex", "intoxicated", "drug_and_alcohol"): 8,
            ("ex", "intoxicated", "other"): 8, ("requests", "housing"): 1, ("requests", "mental_health"): 8,
            ("requests", "drug_and_alcohol"): 8, ("staff",): 12}
    months = {m.key: {} for m in MONTHS} | {"2026-07": july}
    assert ("2026-07", ("ex", "intoxicated", "mental_health"), 1) in _recovered(empty_report, months, _naively)
    assert ("2026-07", ("requests", "housing"), 1) in _recovered(empty_report, months, _naively)
    assert _recovered(empty_report, months, _published) == []


def test_a_hidden_month_is_not_recovered_from_its_quarter_less_the_other_months(empty_report):
    # A month of 1 beside months of 8 and 8: the quarter's 17, rounded on its own, would give it away.
    months = {m.key: {} for m in MONTHS}
    for key, count in (("2026-07", 1), ("2026-08", 8), ("2026-09", 8)):
        months[key] = {("ex", "no_diagnosis", "drug_and_alcohol"): count, ("requests", "pharmacy"): count}
    assert _recovered(empty_report, months, _naively)
    assert _recovered(empty_report, months, _published) == []


@pytest.mark.parametrize("seed", range(6))
def test_no_hidden_count_is_recovered_from_a_random_partnership(empty_report, seed):
    chance = random.Random(seed)
    months = {}
    for month in MONTHS:
        cells = {("ex", reason, side): chance.choice([0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 17])
                 for reason in list(REASONS)[:3] for side in SIDES}
        cells |= {("requests", kind): chance.choice([0, 1, 3, 4, 6, 8, 9, 11, 23]) for kind in KINDS}
        months[month.key] = cells
    hidden = [(m, k) for m in ("2026-07", "2026-08", "2026-09") for k, v in months[m].items() if 0 < v < 5]
    assert len(hidden) > 5  # the attack has something to try
    assert _recovered(empty_report, months, _published) == []


def test_a_quarter_withholds_a_distinct_count_hidden_in_one_of_its_months(empty_report):
    months = {m.key: {("staff",): 20} for m in MONTHS} | {"2026-08": {("staff",): 3}}
    quarter = released(QUARTER, _dataset(empty_report, months))
    assert quarter.current["staff_supported"] == WITHHELD
    assert released(QUARTER.before(), _dataset(empty_report, months)).current["staff_supported"] == 20


def test_a_commissioner_sees_rounded_counts_and_totals_added_up_from_them(app, session):
    """On the page: a reason with 1 and 8 and 8 shows "fewer than 5", 10, 10 and a total of 20 (not 15)."""
    for n, (kind, count) in enumerate((("mental_health", 1), ("drug_and_alcohol", 8), ("housing", 8))):
        for m in range(count):
            consultation(session, "frontline", f"SD-{n}-{m}", datetime(2026, 10, 2 + m, 9, tzinfo=LONDON),
                         excluded_by=kind, exclusion_reason="intoxicated")
    create_person(session, email="commissioner@example.org", name="Commissioner", password=PASSWORD,
                  organisation_id=person(session, "frontline").organisation_id, roles=["commissioner"])
    session.commit()
    page = open_page(signed_in(app, "commissioner@example.org"), "reach.dashboard", period="2026-10")
    row = page.split("<th scope=\"row\" class=\"nhsuk-table__header\">Intoxicated at the appointment</th>", 1)[1]
    cells = [c.split("</td>")[0] for c in row.split("</tr>")[0].split('numeric">')[1:]]
    assert cells[:4] == ["fewer than 5", "10", "10", "20"]
