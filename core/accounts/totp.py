"""Time-based one-time passwords (RFC 6238) for two-factor sign-in."""
from __future__ import annotations

import hmac
import time

import pyotp
import segno

STEP_SECONDS = 30
# Accept the code before and after the current one, for clocks that drift.
DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """An inline SVG QR code (no script, no external request)."""
    return segno.make(uri, error="m").svg_inline(scale=5, title="QR code for your authenticator app")


def matching_step(secret: str, code: str, last_step: int | None, now: float | None = None) -> int | None:
    """The time step the code belongs to, or None. A step already used is refused (no replay)."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def code_for(secret: str, now: float | None = None) -> str:
    """The current code (used by tests and the demo, never shown to users)."""
    return pyotp.TOTP(secret).at(time.time() if now is None else now)
