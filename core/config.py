"""Configuration read from the environment, with safe development defaults."""
from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"

# The key development once used: it is public, so production refuses it.
DEV_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"
SECRET_KEY_FILE = INSTANCE_DIR / "secret_key"
MIN_SECRET_KEY_LENGTH = 32
ROLES_NEEDING_2FA_DEFAULT = ""


class ConfigError(RuntimeError):
    """The app cannot start safely with this configuration."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: dict, name: str, default: int) -> int:
    raw = env.get(name)
    return int(raw) if raw not in (None, "") else default


def instance_secret_key(path: Path | None = None) -> str:
    """A random key of this installation's own, made on first use in instance/ (never committed), so that no two
    development installations share one and nobody can forge their cookies. Made once even when several
    processes start together (gunicorn workers, the scheduler): the first to create the file writes it, the
    others read it."""
    path = path or SECRET_KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process has just created it: wait for its write
            key = path.read_text(encoding="utf-8").strip()
            if key:
                return key
            time.sleep(0.02)
        raise ConfigError(f"{path} is empty: delete it and start again, or set SECRET_KEY")
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(key)
    return key


def load_config(env: dict | None = None) -> dict:
    """Build the Flask config mapping from environment variables.

    Every variable is documented in the README under "Running it for real".
    """
    env = dict(os.environ if env is None else env)
    app_env = env.get("APP_ENV", "development").lower()
    production = app_env == "production"
    secret_key = env.get("SECRET_KEY") or ("" if production else instance_secret_key())
    database_url = env.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'reach.db'}"
    config = {
        "APP_ENV": app_env,
        "PRODUCTION": production,
        "SECRET_KEY": secret_key,
        "DATABASE_URL": database_url,
        # In development links follow the port `make run` serves on; in production the address must be given.
        "BASE_URL": (env.get("BASE_URL") or ("" if production else f"http://127.0.0.1:{_int(env, 'PORT', 5000)}")
                     ).rstrip("/"),
        "SERVICE_NAME": env.get("SERVICE_NAME", "Psychology Reach"),
        # Mail: "log" writes messages to the log (development); "smtp" sends them.
        "MAIL_BACKEND": env.get("MAIL_BACKEND", "smtp" if production else "log"),
        "MAIL_FROM": env.get("MAIL_FROM", "Psychology Reach <no-reply@reach.invalid>"),
        "SMTP_HOST": env.get("SMTP_HOST", "127.0.0.1"),
        "SMTP_PORT": _int(env, "SMTP_PORT", 25),
        "SMTP_USERNAME": env.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _bool(env.get("SMTP_STARTTLS")),
        "SMTP_TIMEOUT_SECONDS": _int(env, "SMTP_TIMEOUT_SECONDS", 10),
        # Sessions: ended on the server after this much idle time or age.
        "IDLE_TIMEOUT_MINUTES": _int(env, "IDLE_TIMEOUT_MINUTES", 30),
        "ABSOLUTE_TIMEOUT_HOURS": _int(env, "ABSOLUTE_TIMEOUT_HOURS", 12),
        "INVITATION_TTL_DAYS": _int(env, "INVITATION_TTL_DAYS", 7),
        "PASSWORD_RESET_TTL_MINUTES": _int(env, "PASSWORD_RESET_TTL_MINUTES", 60),
        "REQUIRE_2FA_ROLES": {
            r.strip() for r in env.get("REQUIRE_2FA_ROLES", ROLES_NEEDING_2FA_DEFAULT).split(",") if r.strip()
        },
        "SCHEDULER_HEARTBEAT_SECONDS": _int(env, "SCHEDULER_HEARTBEAT_SECONDS", 30),
        "OUTBOX_SWEEP_SECONDS": _int(env, "OUTBOX_SWEEP_SECONDS", 15),
        # Consultation response targets, counted in working time (London, England's bank holidays).
        "TARGET_URGENT_HOURS": float(env.get("TARGET_URGENT_HOURS", 4)),
        "TARGET_SOON_DAYS": float(env.get("TARGET_SOON_DAYS", 2)),
        "TARGET_ROUTINE_DAYS": float(env.get("TARGET_ROUTINE_DAYS", 5)),
        "WORKING_DAYS": env.get("WORKING_DAYS", "mon,tue,wed,thu,fri"),
        "WORKING_DAY_START": env.get("WORKING_DAY_START", "09:00"),
        "WORKING_DAY_END": env.get("WORKING_DAY_END", "17:00"),
        "BREACH_SWEEP_SECONDS": _int(env, "BREACH_SWEEP_SECONDS", 300),
        # The safety net: an urgent request is acknowledged within this many minutes (wall-clock) or escalated;
        # a worker who has not answered a question is reminded after this many working days (the psychologist
        # and team lead are told after twice that); unread advice is chased; the worker is asked how the client
        # is getting on this many days after advice.
        "URGENT_ACK_MINUTES": _int(env, "URGENT_ACK_MINUTES", 30),
        "AWAITING_REMINDER_DAYS": float(env.get("AWAITING_REMINDER_DAYS", 2)),
        "ADVICE_UNREAD_DAYS": float(env.get("ADVICE_UNREAD_DAYS", 2)),
        "CHECK_BACK_DAYS": _int(env, "CHECK_BACK_DAYS", 14),
        "SAFETY_SWEEP_SECONDS": _int(env, "SAFETY_SWEEP_SECONDS", 60),
        "CONTINUITY_WAIT_HOURS": float(env.get("CONTINUITY_WAIT_HOURS", 24)),
        "ROTA_SWEEP_SECONDS": _int(env, "ROTA_SWEEP_SECONDS", 60),
        "ALLOCATION_SWEEP_SECONDS": _int(env, "ALLOCATION_SWEEP_SECONDS", 60),
        "GROUP_SESSIONS_SWEEP_SECONDS": _int(env, "GROUP_SESSIONS_SWEEP_SECONDS", 60),
        "RETENTION_SWEEP_SECONDS": _int(env, "RETENTION_SWEEP_SECONDS", 3600),
        # Backups are encrypted to this age public key; the private one is needed only to restore them.
        "BACKUP_AGE_RECIPIENT": env.get("BACKUP_AGE_RECIPIENT", ""),
        "BACKUP_AGE_IDENTITY": env.get("BACKUP_AGE_IDENTITY", ""),
        "REACH_CACHE_SECONDS": _int(env, "REACH_CACHE_SECONDS", 300),
        "BOARD_REPORT_SWEEP_SECONDS": _int(env, "BOARD_REPORT_SWEEP_SECONDS", 3600),
        # Days marked out of date are read afresh until this sweep rolls them up again.
        "ROLL_UP_SWEEP_SECONDS": _int(env, "ROLL_UP_SWEEP_SECONDS", 120),
        # Reflective practice: reminders (hours before a session) and how long an offered place is held.
        "REMINDER_HOURS": sorted({int(h) for h in env.get("REMINDER_HOURS", "24,1").split(",") if h.strip()}),
        "SEAT_OFFER_HOURS": float(env.get("SEAT_OFFER_HOURS", 4)),
        # Flask and cookie settings.
        "SESSION_COOKIE_NAME": "reach_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), default=production),
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the signed-in session
        # The largest form (a template's sections, a long formulation) is a small fraction of this; a body over it
        # is refused before anything reads it.
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "TESTING": False,
    }
    return config


def check_production_safety(config: dict) -> None:
    """Refuse to start in production with secrets or settings that are not safe."""
    if not config.get("PRODUCTION"):
        return
    key = config.get("SECRET_KEY") or ""
    if len(key) < MIN_SECRET_KEY_LENGTH or key == DEV_SECRET_KEY or len(set(key)) < 10:
        raise ConfigError(
            "SECRET_KEY must be set to a random value of at least "
            f"{MIN_SECRET_KEY_LENGTH} characters in production "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )
    if not (config.get("BASE_URL") or "").startswith("https://"):
        raise ConfigError("BASE_URL must be set in production to the https:// address people use: every link in "
                          "an email and calendar invitation is built from it.")


def base_host(config: dict) -> str:
    """The host name of BASE_URL, used to make calendar UIDs unique to this installation."""
    return config["BASE_URL"].split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0]
