"""Agreement pages as the two people use them: offered on a form, accepted, changed and ended on the page."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from supervision.one_to_one.models import SupervisionAgreement
from tests.factories import agreement_in_force
from tests.pages import open_page
from tests.support import date_boxes, email_for, form_as_shown, post_form, signed_in

OFFER = {"supervisee_email": email_for("frontline"), "every_weeks": "4", "minutes": "60", "start_time": "14:00",
         "mode": "video", "location": "https://video.example/room", "covers": "Caseload, wellbeing, learning.",
         "confidentiality": "Confidential, except where someone is at risk of serious harm.",
         **date_boxes("starts_on", date(2027, 1, 11)), **date_boxes("review_on", date(2027, 7, 12))}


def test_a_psychologist_offers_on_the_form_and_the_supervisee_accepts_on_the_page(app, session):
    psychologist = signed_in(app, "psychologist")
    form = open_page(psychologist, "one_to_one.offer")
    assert "Confidentiality and its limits" in form and "safeguarding concern" in form  # the default, to edit
    response = post_form(psychologist, "/supervision/agreements/new", OFFER)
    assert response.status_code == 302
    agreement = session.scalars(select(SupervisionAgreement)).one()
    supervisee = signed_in(app, "frontline")
    page = open_page(supervisee, "one_to_one.agreement", agreement_id=agreement.id)
    assert "Every 4 weeks" in page and "Accept the agreement" in page
    response = post_form(supervisee, f"/supervision/agreements/{agreement.id}/versions/1/accept",
                         page_url=f"/supervision/agreements/{agreement.id}")
    assert response.status_code == 302
    page = open_page(supervisee, "one_to_one.agreement", agreement_id=agreement.id)
    assert "The agreement in force (version 1)" in page and "11 January 2027" in page
    index = open_page(supervisee, "one_to_one.index")
    assert "Supervised by Psychologist" in index and "11 January 2027, 2:00pm</a> with Psychologist" in index


def test_an_offer_with_mistakes_says_what_is_wrong_and_keeps_what_was_typed(app, session):
    psychologist = signed_in(app, "psychologist")
    response = post_form(psychologist, "/supervision/agreements/new",
                         {**OFFER, "supervisee_email": "nobody@example.org", "start_time": "2pm-ish",
                          **date_boxes("review_on", date(2027, 1, 1))})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in body
    assert "start time as hours and minutes" in body and "review date must be on or after" in body
    assert "https://video.example/room" in body
    assert session.scalars(select(SupervisionAgreement)).all() == []
    open_page(signed_in(app, "frontline"), "one_to_one.offer", status=403)


def test_a_change_proposed_on_the_page_waits_for_the_other_and_ending_asks_first(app, session):
    agreement = agreement_in_force(app, session)
    supervisee = signed_in(app, "frontline")
    url = f"/supervision/agreements/{agreement.id}"
    fields = form_as_shown(supervisee, f"{url}/change", f"{url}/change")
    fields.update({"minutes": "90", "change_note": "Longer sessions while the caseload is heavy"})
    assert post_form(supervisee, f"{url}/change", fields).status_code == 302
    page = open_page(signed_in(app, "psychologist"), "one_to_one.agreement", agreement_id=agreement.id)
    assert "Proposed version 2" in page and "Longer sessions" in page and "Accept version 2" in page
    asked = post_form(supervisee, f"{url}/end", {"end-note": "Leaving the service"}, page_url=url)
    assert "End this supervision agreement?" in asked.get_data(as_text=True)
    session.refresh(agreement)
    assert agreement.status == "active"
    done = post_form(supervisee, f"{url}/end", {"end-note": "Leaving the service", "confirmed": "yes"}, page_url=url)
    assert done.status_code == 302
    session.rollback()
    assert session.get(SupervisionAgreement, agreement.id).status == "ended"
