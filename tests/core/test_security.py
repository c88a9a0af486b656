"""The security baseline: sign-in required everywhere, CSRF, headers, cookies, redirects."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from werkzeug.routing import IntegerConverter

from core.config import ConfigError, load_config
from core.security import public_endpoints, safe_next
from factory import create_app
from tests.conftest import TEST_CONFIG
from tests.pages import open_page
from tests.support import csrf_from, post_form, sign_in


def _example_url(app, rule) -> str:
    values = {arg: 1 if isinstance(rule._converters.get(arg), IntegerConverter) else "x" for arg in rule.arguments}
    with app.test_request_context():
        from flask import url_for
        return url_for(rule.endpoint, **values)


def _protected_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint not in public_endpoints(app)]


def test_every_page_that_is_not_public_sends_an_anonymous_visitor_to_sign_in(app, client):
    rules = _protected_rules(app)
    assert len(rules) > 15  # the walk really covers the app
    token = csrf_from(client.get("/sign-in"))
    for rule in rules:
        url = _example_url(app, rule)
        for method in sorted(rule.methods & {"GET", "POST"}):
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(url, method=method, data=data)
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.headers["Location"].startswith("/sign-in"), (method, url)


def test_public_pages_are_only_the_sign_in_journey_and_health_check(app):
    assert public_endpoints(app) == {
        "static", "nhsuk_assets", "core.healthz", "accounts.sign_in", "accounts.two_factor",
        "accounts.set_up_two_factor_at_sign_in", "accounts.forgot_password", "accounts.reset_password",
        "accounts.accept_invitation", "rota.duty_calendar",
    }


def test_a_post_without_a_csrf_token_is_refused_and_changes_nothing(client, session):
    sign_in(client, "frontline")
    response = client.post("/sign-out")
    assert response.status_code == 400
    assert "nothing was saved" in response.get_data(as_text=True)
    # Still signed in: the sign-out did not happen.
    open_page(client, "core.home", status=200)


def test_sign_in_itself_needs_a_csrf_token(client):
    response = client.post("/sign-in", data={"email": "frontline@example.org", "password": "x" * 20})
    assert response.status_code == 400


def test_security_headers_on_every_page(client):
    sign_in(client, "frontline")
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP here


def test_hsts_when_served_over_https(app):
    client = app.test_client()
    response = client.get("/sign-in", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_pages_carry_no_inline_script_or_style(client):
    sign_in(client, "admin")
    for url in ["/sign-in", "/", "/admin/people", "/admin/organisations", "/account"]:
        html = client.get(url).get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag, (url, tag)
        assert " style=" not in html, url
        assert re.search(r"\son[a-z]+=", html) is None, url


def test_session_cookie_flags(client):
    response = client.get("/sign-in")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development over plain HTTP


def test_session_cookie_is_secure_in_production(tmp_path):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}", "PRODUCTION": True,
                      "BASE_URL": "https://reach.example.org",
                      "SESSION_COOKIE_SECURE": load_config({"APP_ENV": "production"})["SESSION_COOKIE_SECURE"]})
    response = app.test_client().get("/sign-in", base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]


@pytest.mark.parametrize("key", ["", "short", "development-only-secret-key-do-not-use-in-production", "a" * 40])
def test_production_refuses_to_start_without_a_strong_secret_key(key):
    with pytest.raises(ConfigError):
        create_app({**load_config({"APP_ENV": "production", "SECRET_KEY": key})})


def test_production_starts_with_a_strong_secret_key(tmp_path):
    config = load_config({"APP_ENV": "production", "SECRET_KEY": "q8Vd2-Lx9pW3zR7tY1uK5mN0bC4hJ6gF",
                          "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}", "BASE_URL": "https://reach.example.org/"})
    assert create_app(config).config["PRODUCTION"] is True
    assert config["BASE_URL"] == "https://reach.example.org"


@pytest.mark.parametrize("base_url", [None, "", "http://reach.example.org"])
def test_production_refuses_to_start_without_an_https_address_for_its_links(tmp_path, base_url):
    env = {"APP_ENV": "production", "SECRET_KEY": "q8Vd2-Lx9pW3zR7tY1uK5mN0bC4hJ6gF",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}", "PORT": "8000"}
    with pytest.raises(ConfigError, match="BASE_URL"):
        create_app(load_config(env if base_url is None else {**env, "BASE_URL": base_url}))


def test_in_development_links_follow_the_port_unless_an_address_is_given():
    assert load_config({"PORT": "8123"})["BASE_URL"] == "http://127.0.0.1:8123"
    assert load_config({})["BASE_URL"] == "http://127.0.0.1:5000"
    assert load_config({"PORT": "8123", "BASE_URL": "http://reach.test:9000/"})["BASE_URL"] == "http://reach.test:9000"


HOSTILE_NEXT = ["//evil.example", "////evil.example", "/\\evil.example", "https://evil.example",
                "javascript:alert(1)", "http:evil.example", "/%09/evil.example", " //evil.example",
                "\\\\evil.example", "/\t/evil.example"]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_next_never_redirects_off_site(client, target):
    from urllib.parse import quote
    response = sign_in(client, "frontline", next_url=quote(target, safe=""))
    assert response.status_code == 302
    location = response.headers["Location"]
    # Browsers treat "//host", "/\\host" and schemes as other sites; anything else stays here.
    assert location.startswith("/") and not location.startswith("//"), location
    assert "\\" not in location and urlsplit(location).netloc == "" and not urlsplit(location).scheme
    if target.lstrip(" \t\\/").startswith(("evil", "https", "javascript", "http")):
        assert location == "/"


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_safe_next_refuses_hostile_values(target):
    assert safe_next(target) in (None, "/%09/evil.example")
    # The one survivor is a plain path on this site ("/%09/evil.example" is not a host).
    if safe_next(target):
        assert safe_next(target).startswith("/") and not safe_next(target).startswith("//")


def test_next_inside_the_app_is_followed(client):
    response = sign_in(client, "frontline", next_url="/notifications")
    assert response.headers["Location"] == "/notifications"


def test_error_pages_show_an_incident_id_and_no_stack_trace(app):
    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    client = app.test_client()
    sign_in(client, "frontline")
    response = client.get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in body and "Traceback" not in body
    assert re.search(r"give this reference: <strong>[0-9a-f]{12}</strong>", body)


def test_role_pages_refuse_other_roles_and_the_refusal_is_audited(client, session):
    from sqlalchemy import select

    from core.audit import AuditEvent
    sign_in(client, "frontline")
    open_page(client, "accounts_admin.people", status=403)
    refused = session.scalars(select(AuditEvent).where(AuditEvent.action == "access.refused")).all()
    assert [e.detail_items["path"] for e in refused] == ["/admin/people"]


def test_unknown_post_targets_do_not_error(client):
    sign_in(client, "admin")
    response = post_form(client, "/admin/people/99999/active", {"active": "no"}, page_url="/")
    assert response.status_code == 404
