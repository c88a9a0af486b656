"""Who a group is for and who schedules it: psychologists for any service or the whole partnership, team leads for
their own; and "your groups", where the people running a group find it and all its sessions again."""
from __future__ import annotations

from sqlalchemy import select

from supervision.models import Booking, GroupSeries, GroupSession
from tests.factories import make_lead_psychologist, series_form
from tests.pages import open_page
from tests.support import person, post_form, sign_in

NEW = "/reflective-practice/series/new"


def _schedule(app, session, key: str, **changes) -> GroupSeries:
    client = app.test_client()
    sign_in(client, key)
    response = post_form(client, NEW, series_form(session, **changes))
    assert response.status_code == 302, response.get_data(as_text=True)
    session.rollback()
    series = session.scalars(select(GroupSeries).order_by(GroupSeries.id.desc())).first()
    assert response.headers["Location"].endswith(f"/reflective-practice/groups/{series.id}")
    return series


def _first_session(session, series) -> GroupSession:
    return session.scalars(select(GroupSession).where(GroupSession.series_id == series.id)
                           .order_by(GroupSession.starts_at)).first()


def test_a_psychologist_schedules_a_group_for_the_whole_partnership_and_staff_anywhere_book_it(app, session):
    series = _schedule(app, session, "psychologist")
    assert series.organisation_id is None and series.team_id is None
    gs = _first_session(session, series)
    worker = app.test_client()
    sign_in(worker, "other_frontline")  # another organisation, which has no say in who runs the group
    assert "Across services round" in open_page(worker, "supervision.index")
    page = f"/reflective-practice/sessions/{gs.id}"
    assert post_form(worker, f"{page}/book", page_url=page).status_code == 302
    session.rollback()
    assert session.scalar(select(Booking.status).where(Booking.person_id == person(session, "other_frontline").id)) \
        == "booked"


def test_a_psychologist_may_choose_any_organisation_or_team_and_a_team_lead_only_their_own(app, session):
    psychologist = app.test_client()
    sign_in(psychologist, "psychologist")
    offered = psychologist.get(NEW).get_data(as_text=True)
    assert "Everyone in the partnership" in offered and "Everyone at Harbour Housing" in offered
    assert "Outreach, Harbour Housing" in offered
    outreach = person(session, "other_frontline").teams[0].id
    series = _schedule(app, session, "psychologist", audience=f"team-{outreach}")
    assert (series.organisation_id, series.team_id) == (person(session, "other_frontline").organisation_id, outreach)

    lead = app.test_client()
    sign_in(lead, "team_lead")
    assert "Everyone in the partnership" not in lead.get(NEW).get_data(as_text=True)
    refused = post_form(lead, NEW, series_form(session, audience="partnership", title="Not theirs to offer"))
    body = refused.get_data(as_text=True)
    assert "There is a problem" in body and "Choose who the group is for from the list" in body
    assert 'value="Not theirs to offer"' in body
    session.rollback()
    assert session.scalar(select(GroupSeries).where(GroupSeries.title == "Not theirs to offer")) is None


def test_the_facilitator_is_not_offered_a_seat_on_their_own_session(app, session):
    series = _schedule(app, session, "psychologist")
    gs = _first_session(session, series)
    facilitator = app.test_client()
    sign_in(facilitator, "psychologist")
    page = open_page(facilitator, "supervision.show", session_id=gs.id)
    assert "Book a seat" not in page and "You facilitate this session" in page
    refused = post_form(facilitator, f"/reflective-practice/sessions/{gs.id}/book",
                        page_url=f"/reflective-practice/sessions/{gs.id}", follow_redirects=True)
    assert "You facilitate this session, so you do not need a seat" in refused.get_data(as_text=True)
    session.rollback()
    assert session.scalar(select(Booking).where(Booking.session_id == gs.id)) is None


def test_your_groups_lists_what_each_person_runs_and_opens_every_session_of_a_group(app, session):
    team_group = _schedule(app, session, "team_lead", title="Keyworkers round",
                           audience=f"team-{person(session, 'team_lead').teams[0].id}")
    partnership_group = _schedule(app, session, "other_psychologist", title="Partnership round",
                                  facilitator_id=str(person(session, "other_psychologist").id))
    make_lead_psychologist(session, "psychologist")
    for key, sees, not_sees in [("team_lead", ["Keyworkers round"], ["Partnership round"]),
                                ("psychologist", ["Keyworkers round", "Partnership round"], []),  # facilitates; leads
                                ("other_psychologist", ["Partnership round"], ["Keyworkers round"]),
                                ("other_team_lead", [], ["Keyworkers round", "Partnership round"])]:
        client = app.test_client()
        sign_in(client, key)
        listed = open_page(client, "supervision.your_groups")
        assert all(title in listed for title in sees) and not any(title in listed for title in not_sees), key
    lead = app.test_client()
    sign_in(lead, "team_lead")
    group_page = open_page(lead, "supervision.group", series_id=team_group.id)
    first = _first_session(session, team_group)
    assert "Coming up" in group_page and f'/reflective-practice/sessions/{first.id}/register' in group_page
    assert f'/reflective-practice/sessions/{first.id}/change' in group_page
    outsider = app.test_client()
    sign_in(outsider, "other_team_lead")
    open_page(outsider, "supervision.group", status=404, series_id=team_group.id)
    open_page(outsider, "supervision.group", status=404, series_id=partnership_group.id)


def test_the_lead_psychologists_can_change_a_partnership_group_someone_else_scheduled(app, session):
    series = _schedule(app, session, "other_psychologist", facilitator_id=str(person(session, "other_psychologist").id))
    gs = _first_session(session, series)
    change = f"/reflective-practice/sessions/{gs.id}/change"
    psychologist = app.test_client()
    sign_in(psychologist, "psychologist")
    assert psychologist.get(change).status_code == 404
    session.rollback()
    make_lead_psychologist(session, "psychologist")
    lead = app.test_client()
    sign_in(lead, "psychologist")
    assert lead.get(change).status_code == 200
