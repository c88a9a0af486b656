"""In Chromium, each role's first day on the lived-in demo partnership: every page they reach from their home
page opens, axe-core finds nothing serious, and at phone width nothing makes the page scroll sideways."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from consult import services
from consult.models import Consultation
from core.accounts.models import Person
from core.timeutil import utcnow
from formulations.models import Formulation
from supervision.models import GroupSeries, GroupSession
from tests.browser.helpers import serious_violations, sign_in_page

pytestmark = pytest.mark.browser

WIDTHS = (1280, 375)


@pytest.fixture(scope="module")
def lived_in(lived_in_live):
    app = lived_in_live.app
    with app.app_context(), app.extensions["database"]["session_factory"]() as session:
        # What people really paste: a long web address and a word with no break in it.
        advice = session.scalar(select(Consultation).where(Consultation.client_reference == "PH-2304"))
        pharmacist = session.scalar(select(Person).where(Person.email == "pharmacist@example.org"))
        services.reply(session, advice, pharmacist, "The leaflet: https://www.example.org/" + "leaflets/" * 40
                       + " and her note said " + "a" * 400 + ".")
        session.commit()
        now = utcnow()
        ids = {
            "advice": session.scalar(select(Consultation.id).where(Consultation.client_reference == "PH-2304")),
            "closed": session.scalar(select(Consultation.id).where(Consultation.client_reference == "RDA-0412",
                                                                   Consultation.status == "closed")),
            "needle": session.scalar(select(Consultation.id).where(Consultation.client_reference == "NSP-0118")),
            "waiting": session.scalar(select(Consultation.id).where(Consultation.client_reference == "HO-0752")),
            "rahmans": session.scalar(select(Consultation.id).join(Person, Person.id == Consultation.psychologist_id)
                                      .where(Person.email == "psychologist2@example.org", Consultation.closed_at.is_(None))),
            "formulation": session.scalar(select(Formulation.id)),
            "team_group": session.scalar(select(GroupSeries.id).where(GroupSeries.team_id.is_not(None))),
            "open_group": session.scalar(select(GroupSeries.id).where(GroupSeries.team_id.is_(None))),
        }
        ids["next_session"] = session.scalar(select(GroupSession.id).where(
            GroupSession.series_id == ids["open_group"], GroupSession.starts_at > now).order_by(GroupSession.starts_at))
        ids["past_session"] = session.scalar(select(GroupSession.id).where(
            GroupSession.series_id == ids["team_group"], GroupSession.ends_at < now)
            .order_by(GroupSession.starts_at.desc()))
    lived_in_live.ids = ids
    return lived_in_live


FIRST_DAY = {
    "keyworker@example.org": ["/", "/consultations/new", "/consultations/mine", "/consultations/{closed}",
                              "/formulations/{formulation}", "/reflective-practice/", "/notifications",
                              "/library/?q=anxious+at+the+counter", "/directory/"],
    "pharmacist@example.org": ["/", "/consultations/new", "/consultations/{advice}", "/reflective-practice/",
                               "/reflective-practice/sessions/{next_session}", "/formulations/"],
    "psychologist2@example.org": ["/", "/consultations/queue", "/consultations/{rahmans}", "/consultations/rota", "/consultations/rota/feed",
                                  "/consultations/snippets",
                                  "/reflective-practice/groups", "/reflective-practice/groups/{team_group}",
                                  "/reflective-practice/sessions/{past_session}", "/formulations/"],
    "psychologist@example.org": ["/", "/reach/", "/consultations/queue", "/consultations/{needle}", "/consultations/{waiting}",
                                 "/consultations/rota", "/consultations/rota/coverage",
                                 "/reflective-practice/groups/{open_group}", "/reflective-practice/series/new"],
    "teamlead@example.org": ["/", "/consultations/team", "/reflective-practice/groups",
                             "/reflective-practice/groups/{team_group}", "/teams", "/invitations"],
    "admin@example.org": ["/", "/admin/people", "/admin/organisations", "/admin/audit", "/admin/messages",
                          "/directory/", "/directory/new"],
    "commissioner@example.org": ["/", "/reach/"],
}


def _problems_on(page, url: str) -> list[str]:
    found = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(url)
        if response.status != 200:
            return [f"{url}: {response.status}"]
        found += [f"{url} at {width}px: {v}" for v in serious_violations(page)]
        wide = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if wide > 0:
            culprits = page.evaluate("""() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                .slice(-3).map(e => e.tagName + '.' + e.className)""")
            found.append(f"{url} at {width}px scrolls sideways by {wide}px: {culprits}")
    return found


@pytest.mark.parametrize("email", list(FIRST_DAY))
def test_each_roles_first_day_is_accessible_and_fits_a_phone(browser, lived_in, email):
    context = browser.new_context(bypass_csp=True)  # lets the test inject axe-core
    page = context.new_page()
    sign_in_page(page, lived_in, email)
    assert page.url == f"{lived_in.url}/", page.content()[:500]
    problems = []
    for path in FIRST_DAY[email]:
        problems += _problems_on(page, lived_in.url + path.format(**lived_in.ids))
    context.close()
    assert problems == []
