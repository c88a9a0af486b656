"""More than two agencies in a thread: a colleague from another organisation, invited into one consultation,
sees and replies to that thread only, until removed; every step is audited and the worker who asked is told."""
from __future__ import annotations

from sqlalchemy import select

from core.audit import AuditEvent
from tests.factories import newest, post_request, taken_request
from tests.support import email_for, person, post_form, signed_in, told


def _invite(client, url: str, key: str = "other_frontline", role: str = "hostel keyworker"):
    return post_form(client, f"{url}/guests", {"guest-email": email_for(key), "guest-role": role}, page_url=url)


def _told(session, key: str) -> list[str]:
    session.rollback()  # to see what the requests wrote
    return told(session, key)


def _actions(session) -> list[str]:
    session.rollback()
    return list(session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("consultation.guest%"))
                                .order_by(AuditEvent.id)))


def test_an_invited_colleague_reads_and_replies_and_everyone_in_the_thread_hears(app, session):
    frontline, psychologist, url = taken_request(app, session)
    guest = signed_in(app, "other_frontline")
    assert guest.get(url).status_code == 404  # not before the invitation
    assert _invite(frontline, url).status_code == 302
    assert "You have been invited into a consultation" in _told(session, "other_frontline")[-1]
    page = guest.get(url).get_data(as_text=True)
    assert "How do I talk with her about her mornings?" in page and "You were invited into this conversation only" in page
    assert "invited Other Frontline (hostel keyworker) into this conversation" in page
    assert post_form(guest, f"{url}/reply", {"message-body": "She is calmer after lunch at the hostel."},
                     page_url=url).status_code == 302
    assert _told(session, "frontline")[-1].startswith("New reply")
    assert _told(session, "psychologist")[-1].startswith("New reply")
    assert "She is calmer after lunch at the hostel." in frontline.get(url).get_data(as_text=True)
    assert _actions(session) == ["consultation.guest_invited"]


def test_the_worker_is_told_when_the_psychologist_invites_someone(app, session):
    frontline, psychologist, url = taken_request(app, session)
    _invite(psychologist, url, role="care coordinator")
    assert "A colleague joined your request" in _told(session, "frontline")[-1]


def test_only_colleagues_from_other_organisations_who_work_with_clients_can_be_invited(app, session):
    frontline, _, url = taken_request(app, session)
    for key, reason in (("team_lead", "same organisation"), ("other_psychologist", "works with clients"),
                        ("other_admin", "works with clients")):
        page = _invite(frontline, url, key).get_data(as_text=True)
        assert "There is a problem" in page and reason in page, key
    unknown = post_form(frontline, f"{url}/guests", {"guest-email": "nobody@example.org", "guest-role": "GP"},
                        page_url=url)
    assert "No one with that email address" in unknown.get_data(as_text=True)
    named = _invite(frontline, url, role="Mrs Jones's keyworker").get_data(as_text=True)
    assert "There is a problem" in named and "Mrs Jones&#39;s keyworker" in named  # kept, with the reason
    assert _actions(session) == []


def test_the_colleague_sees_that_thread_only_and_changes_nothing_else(app, session):
    frontline, psychologist, url = taken_request(app, session)
    post_request(frontline, client_reference="JB-0999")
    other_url = f"/consultations/{newest(session).id}"
    _invite(frontline, url)
    guest = signed_in(app, "other_frontline")
    assert guest.get(other_url).status_code == 404
    for action, data in (("advice", {"advice-body": "x"}), ("close", {"close-outcome": "advice_only"}),
                         ("guests", {"guest-email": email_for("other_team_lead"), "guest-role": "lead"})):
        assert post_form(guest, f"{url}/{action}", data, page_url=url).status_code == 403, action
    assert signed_in(app, "other_team_lead").get(url).status_code == 404  # their team lead is not invited


def test_removed_or_leaving_the_colleague_can_no_longer_open_it(app, session):
    frontline, psychologist, url = taken_request(app, session)
    _invite(frontline, url)
    guest = signed_in(app, "other_frontline")
    session.rollback()
    from consult.models import ConsultationGuest
    invited = session.scalars(select(ConsultationGuest)).one()
    assert post_form(frontline, f"{url}/guests/{invited.id}/remove", {}, page_url=url).status_code == 302
    assert guest.get(url).status_code == 404
    assert "You are no longer in a consultation" in _told(session, "other_frontline")[-1]
    _invite(psychologist, url, role="care coordinator")  # invited again, then leaves of their own accord
    assert guest.get(url).status_code == 200
    post_form(guest, f"{url}/guests/{invited.id}/remove", {}, page_url=url)
    assert guest.get(url).status_code == 404
    assert "A colleague left your request" in _told(session, "frontline")[-1]
    assert _actions(session) == ["consultation.guest_invited", "consultation.guest_removed",
                                 "consultation.guest_invited", "consultation.guest_removed"]
    assert person(session, "other_frontline").id not in [
        g.person_id for g in session.scalars(select(ConsultationGuest).where(ConsultationGuest.removed_at.is_(None)))]
