"""A referral hand-off: the psychologist picks a service from the directory, the worker gets its referral route
and criteria (not free text), and the outcome records which service; a service that has left the directory is
offered no more, while the requests already referred to it keep saying what it was."""
from __future__ import annotations

from sqlalchemy import select

from core.notifications import Notification
from directory.services import retire
from tests.factories import local_service, newest, taken_request
from tests.support import person, post_form, signed_in


def _advise(psychologist, url: str, service_id="") -> object:
    return post_form(psychologist, f"{url}/advice", {"advice-body": "Offer a morning check-in.",
                                                     "advice-referral_service_id": str(service_id)}, page_url=url)


def _close(psychologist, url: str, service_id="", outcome="referral_recommended", text=""):
    return post_form(psychologist, f"{url}/close", {
        "close-outcome": outcome, "close-minutes_spent": "30", "close-referral_service_id": str(service_id),
        "close-referral_or_signposting": text}, page_url=url)


def test_the_worker_gets_the_referral_route_and_criteria_with_the_advice(app, session):
    service = local_service(session)
    frontline, psychologist, url = taken_request(app, session)
    assert service.name in psychologist.get(url).get_data(as_text=True)  # offered to the holder
    assert _advise(psychologist, url, service.id).status_code == 302
    page = frontline.get(url).get_data(as_text=True)
    assert "Recommended referral: Brighton Community Mental Health Team" in page
    for shown in ("registered with a Brighton and Hove GP", "The GP refers, or the worker calls the duty line",
                  "Duty line 01273 000000", "Monday to Friday 9am to 5pm", "You make it, with the person"):
        assert shown in page
    assert "recommends a referral to Brighton Community Mental Health Team" in page  # on the thread
    session.rollback()
    notice = session.scalars(select(Notification.body).where(Notification.person_id == person(session, "frontline").id)
                             .order_by(Notification.id.desc())).first()
    assert "They recommend a referral to Brighton Community Mental Health Team" in notice
    summary = frontline.get(f"{url}/summary.txt").get_data(as_text=True)
    assert "REFERRAL RECOMMENDED" in summary and "Criteria: Aged 18 or over" in summary


def test_closing_as_a_recommended_referral_needs_the_service(app, session):
    service = local_service(session)
    _, psychologist, url = taken_request(app, session)
    _advise(psychologist, url)
    refused = _close(psychologist, url)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "There is a problem" in page
    assert "Choose the service to refer to from the directory" in page
    assert newest(session).is_open
    assert _close(psychologist, url, service.id).status_code == 302
    c = newest(session)
    assert not c.is_open and c.outcome == "referral_recommended" and c.referral_service_id == service.id


def test_a_service_not_in_the_directory_can_be_described_instead(app, session):
    local_service(session)
    _, psychologist, url = taken_request(app, session)
    _advise(psychologist, url)
    assert _close(psychologist, url, text="The hostel's own counselling service, by self-referral.")\
        .status_code == 302
    c = newest(session)
    assert c.outcome == "referral_recommended" and c.referral_service_id is None


def test_the_close_form_keeps_the_service_the_advice_recommended(app, session):
    service = local_service(session)
    _, psychologist, url = taken_request(app, session)
    _advise(psychologist, url, service.id)
    page = psychologist.get(url).get_data(as_text=True)
    close_form = page.split('/close"', 1)[1].split("</form>", 1)[0]
    assert f'<option value="{service.id}" selected>' in close_form


def test_a_retired_service_is_offered_no_more_but_past_referrals_still_show_it(app, session):
    service = local_service(session)
    frontline, psychologist, url = taken_request(app, session)
    _advise(psychologist, url, service.id)
    session.rollback()
    retire(session, service, person(session, "admin"))
    session.commit()
    page = frontline.get(url).get_data(as_text=True)
    assert "Recommended referral: Brighton Community Mental Health Team" in page
    assert "This service has since left the directory" in page
    _, other_psychologist, other_url = taken_request(app, session)
    refused = _advise(other_psychologist, other_url, service.id)
    assert "Choose a service from the directory" in refused.get_data(as_text=True)
    # The request already referred may be closed with the service it was referred to.
    assert _close(psychologist, url, service.id).status_code == 302


def test_only_the_holder_recommends_a_referral(app, session):
    service = local_service(session)
    frontline, _, url = taken_request(app, session)
    assert _advise(frontline, url, service.id).status_code == 403
    assert _advise(signed_in(app, "other_psychologist"), url, service.id).status_code in (403, 404)
