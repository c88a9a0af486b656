"""Response headers, safe redirects, role checks and error pages."""
from __future__ import annotations

import logging
import uuid
from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, abort, g, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from . import audit
from .database import db

log = logging.getLogger("reach.errors")

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def safe_next(target: str | None) -> str | None:
    """A path inside this app to go to after signing in, or None.

    Only a plain absolute path is allowed: no scheme, no host, no `//` or
    backslash tricks that browsers read as another site.
    """
    if not target:
        return None
    target = target.strip()
    if not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


# Framework endpoints (stylesheets, scripts, the design system's assets) that are not our views to mark.
ALWAYS_OPEN = {"static", "nhsuk_assets"}


def public(view):
    """Open to anyone, signed in or not: the sign-in pages themselves, the health check, and addresses whose
    own secret is the key (a calendar app cannot sign in). Everything not marked needs a sign-in."""
    view.is_public = True
    return view


def is_public(app: Flask, endpoint: str | None) -> bool:
    return endpoint is None or endpoint in ALWAYS_OPEN or getattr(app.view_functions.get(endpoint), "is_public", False)


def public_endpoints(app: Flask) -> set[str]:
    return {endpoint for endpoint in app.view_functions if is_public(app, endpoint)} | ALWAYS_OPEN


def role_required(*roles):
    """Refuse (403, audited) anyone signed in without one of these roles."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


SIGNED_TOKENS_KEPT = 4096


def _reuse_signed_csrf_tokens(app: Flask) -> None:
    """Give each sign-in's pages one signed CSRF token rather than a new one on every page.

    Flask-WTF signs the session's raw token afresh, with the time, whenever a page asks for it (its own
    docs point at `g.csrf_token`, where it keeps the result for the request). Our tokens never expire on
    their own (WTF_CSRF_TIME_LIMIT is None: they last as long as the sign-in), so a token signed once is as
    good as one signed now; reusing it saves the signing and keeps the header, whose sign-out form holds the
    token, the same HTML from page to page, so its rendering is reused too (core.templating.component)."""
    if app.config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None:  # Flask-WTF's own default is an hour
        return  # tokens that expire must be signed with the time each is handed out
    signed: dict[str, str] = {}

    @app.before_request
    def _reuse():
        raw = session.get("csrf_token")
        if raw in signed:
            g.csrf_token = signed[raw]

    @app.after_request
    def _keep(response):
        raw, token = session.get("csrf_token"), g.get("csrf_token")
        if raw and token and raw not in signed:
            if len(signed) >= SIGNED_TOKENS_KEPT:
                signed.clear()  # a rough bound: each sign-in signs once more at most
            signed[raw] = token
        return response


def init_security(app: Flask) -> None:
    _reuse_signed_csrf_tokens(app)

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if request.is_secure:
            headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        if not request.path.startswith(("/static/", "/assets/")):
            # Pages may hold case details: never keep them in a shared or back-button cache.
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        return response

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        return render_template("errors/csrf.html"), 400

    @app.errorhandler(403)
    def _forbidden(error):
        if current_user.is_authenticated:
            audit.record_refusal(db.session, "access.refused", path=request.path, method=request.method)
        return render_template("errors/403.html"), 403

    @app.errorhandler(404)
    def _not_found(error):
        return render_template("errors/404.html"), 404

    @app.errorhandler(413)
    def _too_large(error):
        return render_template("errors/too_large.html", limit_kb=app.config["MAX_CONTENT_LENGTH"] // 1024), 413

    @app.errorhandler(HTTPException)
    def _other_http(error):
        return render_template("errors/generic.html", error=error), error.code

    @app.errorhandler(Exception)
    def _server_error(error):
        incident = uuid.uuid4().hex[:12]
        log.exception("Incident %s on %s %s", incident, request.method, request.path)
        try:
            db.session.rollback()
        except Exception:
            log.exception("Incident %s: rollback failed", incident)
        return render_template("errors/500.html", incident=incident), 500
