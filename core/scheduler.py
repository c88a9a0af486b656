"""Periodic sweeps run by one scheduler process (or in-process under `make run`).

Web workers never start this. Feature packages add their sweeps with
`register_sweep`; each job runs in an app context with a session of its own.
"""
from __future__ import annotations

import logging
import os
import socket
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
    run: Callable[[Session, Flask], object]
    config_key: str  # the config entry holding its interval in seconds


_SWEEPS: dict[str, Sweep] = {}


def register_sweep(job_id: str, run: Callable[[Session, Flask], object], config_key: str) -> None:
    _SWEEPS[job_id] = Sweep(job_id, run, config_key)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def beat(session: Session, app: Flask) -> None:
    row = session.get(SchedulerHeartbeat, HEARTBEAT_NAME)
    if row is None:
        row = SchedulerHeartbeat(name=HEARTBEAT_NAME, beat_at=utcnow(), worker=worker_name())
        session.add(row)
    row.beat_at = utcnow()
    row.worker = worker_name()
    session.commit()


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


register_sweep("heartbeat", beat, "SCHEDULER_HEARTBEAT_SECONDS")
register_sweep("password-resets", send_password_resets, "OUTBOX_SWEEP_SECONDS")
register_sweep("deliver-outbox", deliver_outbox, "OUTBOX_SWEEP_SECONDS")


def run_sweep(app: Flask, sweep: Sweep) -> None:
    with app.app_context(), db.new_session() as session:
        try:
            sweep.run(session, app)
        except Exception:
            session.rollback()
            log.exception("Sweep %s failed; it will run again at its next interval", sweep.job_id)


def build_scheduler(app: Flask, blocking: bool = False):
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone="UTC")
    for sweep in _SWEEPS.values():
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
