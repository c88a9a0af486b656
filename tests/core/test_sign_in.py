"""Signing in and out: server-side sessions, throttling, two-factor."""
from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from core.accounts import totp
from core.accounts.models import SignInSession
from core.audit import AuditEvent
from core.timeutil import utcnow
from tests.pages import open_page
from tests.support import PASSWORD, csrf_from, person, post_form, sign_in


def _copy_cookie(source, target_app):
    """A second browser holding a copy of the first browser's cookie."""
    cookie = source.get_cookie("reach_session")
    other = target_app.test_client()
    other.set_cookie("reach_session", cookie.value)
    return other


def test_each_role_signs_in_and_sees_a_home_page_for_their_role(app):
    expected = {
        "frontline": "Ask a psychologist about a case",
        "psychologist": "Duty queue",
        "team_lead": "Your teams",
        "admin": "Audit log",
    }
    for key, card in expected.items():
        client = app.test_client()
        response = sign_in(client, key)
        assert response.status_code == 302
        page = open_page(client, "core.home")
        assert card in page, key
        for other_key, other_card in expected.items():
            if other_key != key:
                assert other_card not in page, (key, other_card)


def test_wrong_password_gives_one_generic_message_and_is_audited(client, session):
    response = sign_in(client, "frontline", password="not-the-password")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter a correct email address and password" in body
    assert "frontline@example.org" in body  # what they typed is kept
    unknown = sign_in(client, "nobody@example.org", password="not-the-password")
    assert "Enter a correct email address and password" in unknown.get_data(as_text=True)
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["sign_in.failed", "sign_in.failed"]


def test_successful_sign_in_is_audited(client, session):
    sign_in(client, "frontline")
    event = session.scalars(select(AuditEvent)).one()
    assert event.action == "sign_in.succeeded" and event.actor_id == person(session, "frontline").id
    assert event.ip_address == "127.0.0.1"


def test_a_cookie_copied_before_sign_out_stops_working(app, client):
    sign_in(client, "frontline")
    thief = _copy_cookie(client, app)
    open_page(thief, "core.home", status=200)
    post_form(client, "/sign-out", page_url="/")
    response = thief.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_deactivation_ends_every_session_of_that_person(app, client, session):
    sign_in(client, "frontline")
    open_page(client, "core.home", status=200)
    admin = app.test_client()
    sign_in(admin, "admin")
    target = person(session, "frontline")
    response = post_form(admin, f"/admin/people/{target.id}/active", {"active": "no", "confirmed": "yes"},
                         page_url=f"/admin/people/{target.id}")
    assert response.status_code == 302
    open_page(client, "core.home", status=302)
    # And they cannot simply sign in again.
    again = sign_in(app.test_client(), "frontline")
    assert again.status_code == 200 and "Enter a correct email address and password" in again.get_data(as_text=True)
    session.rollback()
    reasons = session.scalars(select(SignInSession.ended_reason).where(SignInSession.person_id == target.id)).all()
    assert reasons == ["deactivated"]


def test_sessions_end_after_the_idle_limit_and_the_absolute_limit(app):
    client = app.test_client()
    with time_machine.travel(utcnow(), tick=False) as traveller:
        sign_in(client, "frontline")
        traveller.shift(timedelta(minutes=29))
        open_page(client, "core.home", status=200)  # activity keeps it alive
        traveller.shift(timedelta(minutes=31))
        open_page(client, "core.home", status=302)  # idle too long

    client = app.test_client()
    with time_machine.travel(utcnow(), tick=False) as traveller:
        sign_in(client, "frontline")
        for _ in range(29):  # active all day: 11 hours 36 minutes
            traveller.shift(timedelta(minutes=24))
            open_page(client, "core.home", status=200)
        traveller.shift(timedelta(minutes=25))
        open_page(client, "core.home", status=302)  # past 12 hours however active


def test_signing_in_starts_a_new_session_so_nothing_planted_before_survives(client):
    page = client.get("/sign-in")
    with client.session_transaction() as planted:
        planted["planted_by_attacker"] = "yes"
    before = client.get_cookie("reach_session").value
    client.post("/sign-in", data={"email": "frontline@example.org", "password": PASSWORD,
                                  "csrf_token": csrf_from(page)})
    assert client.get_cookie("reach_session").value != before
    with client.session_transaction() as after:
        assert "planted_by_attacker" not in after


def test_repeated_bad_passwords_are_slowed_then_the_real_person_gets_in(app):
    client = app.test_client()
    with time_machine.travel(utcnow(), tick=False) as traveller:
        for _ in range(5):
            sign_in(client, "frontline", password="wrong-password-guess")
        blocked = sign_in(client, "frontline")  # even the right password waits now
        assert blocked.status_code == 429
        assert "Too many sign-in attempts" in blocked.get_data(as_text=True)
        traveller.shift(timedelta(seconds=31))
        assert sign_in(client, "frontline").status_code == 302


def test_the_wait_grows_with_each_failure_but_is_capped(app, session):
    from core.accounts import throttle
    client = app.test_client()
    with time_machine.travel(utcnow(), tick=False) as traveller:
        waits = []
        for _ in range(8):
            sign_in(client, "frontline", password="wrong-password-guess")
            wait = throttle.wait_needed(session, "frontline@example.org", "127.0.0.1")
            waits.append(wait.total_seconds() if wait else 0)
            session.rollback()
            traveller.shift(wait or timedelta(0))
        assert waits[:4] == [0, 0, 0, 0]
        assert waits[4:] == [30, 60, 120, 240]
        assert throttle._delay(20) == throttle._delay(5000) == throttle.MAX_DELAY


def test_an_attacker_elsewhere_does_not_lock_the_real_person_out(app):
    attacker = app.test_client()
    with time_machine.travel(utcnow(), tick=False):
        for _ in range(6):
            sign_in(attacker, "frontline", password="wrong-password-guess",
                    environ_base={"REMOTE_ADDR": "203.0.113.9"})
        real = app.test_client()
        assert sign_in(real, "frontline", environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 302


def _enable_two_factor(client, app):
    page = client.get("/account/two-factor")
    secret = re.search(r'class="reach-secret">([A-Z2-7]+)<', page.get_data(as_text=True)).group(1)
    response = client.post("/account/two-factor", data={"csrf_token": csrf_from(page), "code": totp.code_for(secret)})
    assert response.status_code == 302
    return secret


def test_two_factor_sign_in(app, client):
    sign_in(client, "psychologist")
    secret = _enable_two_factor(client, app)
    post_form(client, "/sign-out", page_url="/")

    second = app.test_client()
    with time_machine.travel(utcnow() + timedelta(minutes=2), tick=False):
        response = sign_in(second, "psychologist")
        assert response.headers["Location"] == "/sign-in/two-factor"
        open_page(second, "core.home", status=302)  # password alone is not enough
        wrong = post_form(second, "/sign-in/two-factor", {"code": "000000"})
        assert "The code is not right" in wrong.get_data(as_text=True)
        code = totp.code_for(secret)
        assert post_form(second, "/sign-in/two-factor", {"code": code}).status_code == 302
        open_page(second, "core.home", status=200)

        # The same code cannot be replayed for another sign-in.
        third = app.test_client()
        sign_in(third, "psychologist")
        replay = post_form(third, "/sign-in/two-factor", {"code": code})
        assert "The code is not right" in replay.get_data(as_text=True)


def test_configuration_can_require_two_factor_for_a_role(app):
    app.config["REQUIRE_2FA_ROLES"] = {"psychologist", "admin"}
    client = app.test_client()
    response = sign_in(client, "psychologist")
    assert response.headers["Location"] == "/sign-in/set-up-two-factor"
    open_page(client, "core.home", status=302)
    page = client.get("/sign-in/set-up-two-factor")
    secret = re.search(r'class="reach-secret">([A-Z2-7]+)<', page.get_data(as_text=True)).group(1)
    done = client.post("/sign-in/set-up-two-factor", data={"csrf_token": csrf_from(page), "code": totp.code_for(secret)})
    assert done.status_code == 302 and client.get("/").status_code == 200
    # Roles not listed sign in with a password as before.
    frontline = app.test_client()
    assert sign_in(frontline, "frontline").headers["Location"] == "/"


def test_change_password_keeps_this_session_and_ends_the_others(app, client):
    sign_in(client, "frontline")
    elsewhere = app.test_client()
    sign_in(elsewhere, "frontline")
    response = post_form(client, "/account/password", {
        "current_password": PASSWORD, "password": "a-brand-new-passphrase", "confirm": "a-brand-new-passphrase"})
    assert response.status_code == 302
    open_page(client, "core.home", status=200)
    open_page(elsewhere, "core.home", status=302)
    assert sign_in(app.test_client(), "frontline", password="a-brand-new-passphrase").status_code == 302


def test_a_cookie_planted_before_sign_in_never_becomes_a_signed_in_one(app, client):
    """Session fixation: an attacker who plants their own pre-sign-in cookie on someone learns nothing."""
    client.get("/sign-in")
    attacker = _copy_cookie(client, app)
    planted = client.get_cookie("reach_session").value
    sign_in_without_clearing = client.post("/sign-in", data={
        "email": "frontline@example.org", "password": PASSWORD, "csrf_token": csrf_from(client.get("/sign-in"))})
    assert sign_in_without_clearing.status_code == 302
    assert client.get_cookie("reach_session").value != planted
    open_page(client, "core.home", status=200)
    response = attacker.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_a_cookie_copied_from_another_device_stops_working_when_the_password_changes(app, client):
    """Replay: a stolen signed-in cookie dies when its owner changes their password; their own device stays."""
    sign_in(client, "frontline")
    other_device = app.test_client()
    sign_in(other_device, "frontline")
    stolen = _copy_cookie(other_device, app)
    open_page(stolen, "core.home", status=200)
    response = post_form(client, "/account/password", {"current_password": PASSWORD,
                                                       "password": "a-brand-new-long-passphrase-77",
                                                       "confirm": "a-brand-new-long-passphrase-77"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    open_page(client, "core.home", status=200)
    open_page(stolen, "core.home", status=302)


# --- The half-finished sign-in is the server's, not the cookie's -----------------------------------

def _code_for_enrolment(client, url: str) -> tuple[str, str]:
    page = client.get(url)
    secret = re.search(r'class="reach-secret">([A-Z2-7]+)<', page.get_data(as_text=True)).group(1)
    return csrf_from(page), totp.code_for(secret)


@pytest.mark.parametrize("planted", [
    lambda admin_id: {"person_id": admin_id, "started": time.time(), "next": "/admin/"},  # the old cookie's form
    lambda admin_id: "a-token-nobody-was-given",
])
def test_a_forged_half_finished_sign_in_signs_nobody_in(app, session, planted):
    """Anyone holding the secret key can sign a cookie: it must still name nobody."""
    app.config["REQUIRE_2FA_ROLES"] = {"admin"}
    admin = person(session, "admin")
    client = app.test_client()
    client.get("/sign-in")
    with client.session_transaction() as cookie:
        cookie["pending_sign_in"] = planted(admin.id)
        cookie["totp_enrolment"] = "JBSWY3DPEHPK3PXP"
    assert client.get("/sign-in/set-up-two-factor").headers["Location"] == "/sign-in"
    page = client.get("/sign-in")
    forged = client.post("/sign-in/set-up-two-factor",
                         data={"csrf_token": csrf_from(page), "code": totp.code_for("JBSWY3DPEHPK3PXP")})
    assert forged.headers["Location"] == "/sign-in"
    open_page(client, "accounts_admin.index", status=302)  # not signed in
    session.rollback()
    assert person(session, "admin").totp_secret is None


def test_setting_up_two_factor_at_sign_in_is_offered_only_where_the_role_requires_it(app, session):
    app.config["REQUIRE_2FA_ROLES"] = {"psychologist"}
    client = app.test_client()
    assert sign_in(client, "psychologist").headers["Location"] == "/sign-in/set-up-two-factor"
    app.config["REQUIRE_2FA_ROLES"] = set()  # no longer required: the half-finished sign-in cannot enrol
    assert client.get("/sign-in/set-up-two-factor").headers["Location"] == "/sign-in"
    frontline = app.test_client()
    assert sign_in(frontline, "frontline").headers["Location"] == "/"
    open_page(frontline, "accounts.set_up_two_factor_at_sign_in", status=302)  # no half-finished sign-in to enrol
    open_page(frontline, "core.home", status=200)


def test_a_half_finished_sign_in_lasts_minutes_and_is_used_once(app, session):
    app.config["REQUIRE_2FA_ROLES"] = {"psychologist"}
    client = app.test_client()
    sign_in(client, "psychologist")
    with time_machine.travel(utcnow() + timedelta(minutes=6)):
        assert client.get("/sign-in/set-up-two-factor").headers["Location"] == "/sign-in"  # expired
    sign_in(client, "psychologist")
    stale_cookie = client.get_cookie("reach_session").value
    token, code = _code_for_enrolment(client, "/sign-in/set-up-two-factor")
    done = client.post("/sign-in/set-up-two-factor", data={"csrf_token": token, "code": code})
    assert done.status_code == 302 and client.get("/").status_code == 200
    replay = app.test_client()
    replay.set_cookie("reach_session", stale_cookie)
    assert replay.get("/sign-in/set-up-two-factor").headers["Location"] == "/sign-in"


def test_without_a_secret_key_each_installation_makes_its_own(tmp_path, monkeypatch):
    import threading

    from core import config
    path = tmp_path / "instance" / "secret_key"
    monkeypatch.setattr(config, "SECRET_KEY_FILE", path)
    keys = []
    threads = [threading.Thread(target=lambda: keys.append(config.load_config({})["SECRET_KEY"])) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(keys)) == 1 and keys[0] != config.DEV_SECRET_KEY and len(keys[0]) >= 48
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert config.load_config({"SECRET_KEY": "x" * 40})["SECRET_KEY"] == "x" * 40
    assert config.load_config({"APP_ENV": "production"})["SECRET_KEY"] == ""  # and production refuses to start


def test_many_failures_from_a_shared_address_slow_only_the_accounts_that_failed_there(app):
    """A pharmacy's staff share one address: guessing there must not keep out a colleague who has not failed."""
    shared = {"REMOTE_ADDR": "192.0.2.40"}
    attacker = app.test_client()
    with time_machine.travel(utcnow(), tick=False):
        for n in range(31):
            sign_in(attacker, f"nobody{n}@example.org", password="guess", environ_base=shared)
        sign_in(attacker, "team_lead", password="guess", environ_base=shared)  # one miss for this account here
        colleague = app.test_client()
        assert sign_in(colleague, "frontline", environ_base=shared).status_code == 302  # right password, never failed
        slowed = app.test_client()
        assert sign_in(slowed, "team_lead", environ_base=shared).status_code == 429  # failed here: waits
