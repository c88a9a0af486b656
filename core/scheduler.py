"""Periodic sweeps run by one scheduler process (or in-process under `make run`).

Web workers never start this. Each package lists its sweeps in its own `sweeps.py`, and the app factory
hands them all to the app (`app.extensions["sweeps"]`). Each runs in an app context with a session of its
own; the runner commits what it did (services never commit themselves), then logs what that was and how long
it took.
"""
from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .database import Base, db
from .mail import make_sender
from .notifications import deliver_due
from .timeutil import utcnow

log = logging.getLogger("reach.scheduler")
HEARTBEAT_NAME = "scheduler"
STALE_AFTER_SECONDS = 120


class SchedulerHeartbeat(Base):
    __tablename__ = "scheduler_heartbeats"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    beat_at: Mapped[datetime]
    worker: Mapped[str] = mapped_column(String(120))


@dataclass(frozen=True)
class Sweep:
    job_id: str
    run: Callable[[Session, Flask], object]  # returns what it did (a count, or counts by name), for the log
    config_key: str  # the config entry holding its interval in seconds


def sweeps_of(app: Flask) -> dict[str, Sweep]:
    """The sweeps the factory gave this app, by name."""
    return app.extensions.get("sweeps", {})


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def beat(session: Session, app: Flask) -> None:
    row = session.get(SchedulerHeartbeat, HEARTBEAT_NAME)
    if row is None:
        row = SchedulerHeartbeat(name=HEARTBEAT_NAME, beat_at=utcnow(), worker=worker_name())
        session.add(row)
    row.beat_at = utcnow()
    row.worker = worker_name()


def deliver_outbox(session: Session, app: Flask) -> int:
    sender = make_sender(app.config)
    try:
        return deliver_due(session, sender, worker_name())
    finally:
        close = getattr(sender, "close", None)
        if close:
            close()


def send_password_resets(session: Session, app: Flask) -> int:
    from .accounts.services import send_password_resets as send
    return send(session)


def run_sweep(app: Flask, sweep: Sweep) -> object:
    """Run one sweep and commit what it did; a failure is rolled back, logged, and tried at the next interval."""
    started = time.perf_counter()
    with app.app_context(), db.new_session() as session:
        try:
            done = sweep.run(session, app)
            session.commit()
        except Exception:
            session.rollback()
            log.exception("Sweep %s failed; it will run again at its next interval", sweep.job_id)
            return None
    log.info("Sweep %s did %s in %.0f ms", sweep.job_id, done, (time.perf_counter() - started) * 1000)
    return done


def build_scheduler(app: Flask, blocking: bool = False):
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone="UTC")
    for sweep in sweeps_of(app).values():
        scheduler.add_job(
            run_sweep,
            "interval",
            seconds=app.config[sweep.config_key],
            args=(app, sweep),
            id=sweep.job_id,
            name=sweep.job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            next_run_time=utcnow(),
        )
    return scheduler


def last_heartbeat(session: Session) -> datetime | None:
    return session.scalar(select(SchedulerHeartbeat.beat_at).where(SchedulerHeartbeat.name == HEARTBEAT_NAME))


def heartbeat_status(beat: datetime | None, now: datetime) -> str:
    """"ok", "stale" (no beat for STALE_AFTER_SECONDS) or "never": anything but ok means no email, reminders
    or escalations are going out."""
    if beat is None:
        return "never"
    return "ok" if (now - beat).total_seconds() < STALE_AFTER_SECONDS else "stale"
