"""Response headers, safe redirects, role checks and error pages."""
from __future__ import annotations

import logging
import uuid
from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, abort, render_template, request
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


def init_security(app: Flask) -> None:
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
