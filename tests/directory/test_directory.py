"""The local service directory: admins keep it, everyone signed in searches it, and it never says "not for us"
without saying who is."""
from __future__ import annotations

from sqlalchemy import select

from core import search
from directory.models import LocalService
from tests.factories import SERVICE, local_service
from tests.pages import open_page
from tests.support import post_form, signed_in


def _form(**changes) -> dict:
    data = {**SERVICE, **changes}
    return {k: ("" if v is None else v) for k, v in data.items()}


def _services(session) -> list[LocalService]:
    session.rollback()
    session.expire_all()
    return list(session.scalars(select(LocalService).order_by(LocalService.id)))


def test_an_admin_adds_a_service_that_everyone_then_finds_by_searching(app, session):
    admin = signed_in(app, "admin")
    added = post_form(admin, "/directory/new", _form(name="Oasis Detox", kind="drug_alcohol",
                                                   who_for="Adults who drink every day and want to stop."))
    assert added.status_code == 302
    [service] = _services(session)
    worker = signed_in(app, "frontline")
    found = open_page(worker, "directory.index", q="drinking")  # stemmed: "drink"
    assert "Oasis Detox" in found and "<mark>drink</mark>" in found
    page = open_page(worker, "directory.service", service_id=service.id)
    for shown in ("Adults who drink every day", "registered with a Brighton and Hove GP", "The GP refers",
                  "Duty line 01273 000000", "Monday to Friday 9am to 5pm"):
        assert shown in page
    listed = open_page(worker, "directory.index")
    assert "Drug and alcohol treatment" in listed and "Oasis Detox" in listed
    assert "Change these details" not in page  # only admins keep the directory
    assert worker.get("/directory/new").status_code == 403


def test_saying_who_a_service_is_not_for_needs_the_service_that_is(app, session):
    other = local_service(session, name="Harbour Young People's Service", kind="voluntary")
    admin = signed_in(app, "admin")
    refused = post_form(admin, "/directory/new", _form(name="Adult Recovery Hub", not_for="Under 18s."))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "There is a problem" in page
    assert "Say which service the people it is not for should go to instead" in page
    assert "Adult Recovery Hub" in page and "Under 18s." in page  # nothing typed is lost
    assert len(_services(session)) == 1
    saved = post_form(admin, "/directory/new", _form(name="Adult Recovery Hub", not_for="Under 18s.",
                                                   instead_id=str(other.id)))
    assert saved.status_code == 302
    hub = _services(session)[-1]
    page = open_page(signed_in(app, "frontline"), "directory.service", service_id=hub.id)
    assert "Under 18s." in page and "Harbour Young People&#39;s Service</a> instead" in page


def test_a_service_cannot_be_its_own_instead(app, session):
    service = local_service(session)
    admin = signed_in(app, "admin")
    refused = post_form(admin, f"/directory/{service.id}/edit",
                        _form(not_for="Under 18s.", instead_id=str(service.id)))
    assert refused.status_code == 200 and "Choose a service from the list" in refused.get_data(as_text=True)


def test_retiring_is_refused_while_another_service_sends_people_there(app, session):
    young = local_service(session, name="Harbour Young People's Service", kind="voluntary")
    local_service(session, name="Adult Recovery Hub", not_for="Under 18s.", instead_id=young.id)
    admin = signed_in(app, "admin")
    url = f"/directory/{young.id}/retire"
    asked = post_form(admin, url, {}, page_url=f"/directory/{young.id}")
    assert "Take Harbour Young People&#39;s Service out of the directory?" in asked.get_data(as_text=True)
    refused = post_form(admin, url, {"confirmed": "yes"}, page_url=f"/directory/{young.id}", follow_redirects=True)
    assert "Adult Recovery Hub send the people they are not for to this service" in refused.get_data(as_text=True)
    assert _services(session)[0].retired_at is None


def test_a_retired_service_leaves_the_list_and_the_search_at_once(app, session):
    service = local_service(session, name="Oasis Detox", kind="drug_alcohol")
    worker = signed_in(app, "frontline")
    assert "<mark>Oasis</mark> Detox" in open_page(worker, "directory.index", q="oasis")
    admin = signed_in(app, "admin")
    post_form(admin, f"/directory/{service.id}/retire", {"confirmed": "yes"}, page_url=f"/directory/{service.id}")
    assert _services(session)[0].retired_at is not None
    assert "No service matches" in open_page(worker, "directory.index", q="oasis")
    assert "Oasis Detox" not in open_page(worker, "directory.index")
    assert "No longer in the directory" in open_page(worker, "directory.service", service_id=service.id)
    assert admin.get(f"/directory/{service.id}/edit").status_code == 404


def test_changing_a_service_changes_what_the_search_finds(app, session):
    service = local_service(session, name="Oasis Detox", kind="drug_alcohol")
    admin = signed_in(app, "admin")
    assert post_form(admin, f"/directory/{service.id}/edit", _form(name="Sunrise Detox", kind="drug_alcohol"))\
        .status_code == 302
    session.rollback()
    assert [h.record_id for h in search.find(session, "sunrise", ("service",)).hits] == [service.id]
    assert search.find(session, "oasis", ("service",)).hits == []


def test_the_search_is_paged(app, session):
    for n in range(30):
        local_service(session, name=f"Detox service {n}", kind="drug_alcohol")
    worker = signed_in(app, "frontline")
    first = open_page(worker, "directory.index", q="detox")
    assert "Page 1 of 2 (30 in all)" in first
    second = open_page(worker, "directory.index", q="detox", page=2)
    assert second.count("/directory/") >= 5
