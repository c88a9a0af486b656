"""`make soak`: 200 simulated staff for two minutes against gunicorn and the scheduler on loopback, while
the SMTP server is stopped and started again and the scheduler is killed mid-run and restarted.

Passes when there was no server error, every write that was acknowledged is in the database, and every
email queued was delivered exactly once once SMTP came back. Writes bench/soak.md.
"""
from __future__ import annotations

import http.client
import logging
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import date, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from urllib.parse import urlencode

from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from consult.models import Consultation
from core.accounts.models import Person, PersonRole, Role
from core.cli import upgrade_database
from core.config import PROJECT_ROOT
from core.database import db
from core.notifications import OutboxMessage
from core.timeutil import LONDON
from factory import create_app
from supervision.models import Booking, GroupSeries, GroupSession
from supervision.services import make_sessions

from . import load
from .dataset import BENCH_PASSWORD, Size, generate

USERS = int(os.environ.get("SOAK_USERS", 200))
SECONDS = int(os.environ.get("SOAK_SECONDS", 120))
RESULTS = PROJECT_ROOT / "bench" / "soak.md"
RECOVERY_SECONDS = 15


class Mailbox:
    """An SMTP server that can be stopped and started on the same port, keeping what it received."""

    def __init__(self, port: int):
        self.port, self.received, self.controller = port, [], None

    async def handle_DATA(self, server, session, envelope):
        self.received.append(message_from_bytes(envelope.content)["Message-ID"])
        return "250 OK"

    def start(self):
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        self.controller.stop()


class Staff(threading.Thread):
    """One person: signs in, then reads pages, books seats and asks questions, with a little thinking time."""

    def __init__(self, port: int, email: str, sessions: list[int], until: float, log: dict, lock: threading.Lock):
        super().__init__(daemon=True)
        self.port, self.email, self.sessions, self.until, self.log, self.lock = port, email, sessions, until, log, lock
        self.cookie, self.token, self.rng = "", "", random.Random(email)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            headers = {"Cookie": self.cookie} if self.cookie else {}
            data = None
            if body is not None:
                data = urlencode({**body, "csrf_token": self.token}, doseq=True)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            text = response.read().decode(errors="replace")
            if response.getheader("Set-Cookie"):
                self.cookie = response.getheader("Set-Cookie").split(";", 1)[0]
            with self.lock:
                self.log["statuses"][response.status // 100] += 1
                if response.status >= 500:
                    self.log["errors"].append((time.monotonic(), f"{method} {path}: {response.status}"))
            return response.status, text, response.getheader("Location") or ""
        except OSError as error:
            with self.lock:
                self.log["errors"].append((time.monotonic(), f"{method} {path}: {error}"))
            return 0, "", ""
        finally:
            conn.close()

    def run(self):
        _, page, _ = self.request("GET", "/sign-in")
        self.token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        status, _, _ = self.request("POST", "/sign-in", {"email": self.email, "password": BENCH_PASSWORD})
        _, page, _ = self.request("GET", "/consultations/new")
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        if status != 302 or not found:
            with self.lock:
                self.log["errors"].append((time.monotonic(), f"{self.email} could not sign in"))
            return
        self.token = found.group(1)
        n = 0
        while time.monotonic() < self.until:
            n += 1
            roll = self.rng.random()
            if roll < 0.1 and self.sessions:
                session_id = self.rng.choice(self.sessions)
                status, _, _ = self.request("POST", f"/reflective-practice/sessions/{session_id}/book", {})
                if status == 302:
                    with self.lock:
                        self.log["bookings"].add((self.email, session_id))
            elif roll < 0.15:
                reference = f"SOAK-{abs(hash(self.email)) % 10_000:04d}-{n}"
                status, _, where = self.request("POST", "/consultations/new", {**REQUEST, "client_reference": reference})
                if status == 302 and "/received" in where:
                    with self.lock:
                        self.log["requests"].add(reference)
            else:
                self.request("GET", self.rng.choice(["/reflective-practice/", "/consultations/mine", "/",
                                                     "/formulations/", "/reflective-practice/record"]))
            time.sleep(self.rng.uniform(0.5, 1.5))


REQUEST = {"consent_basis": "consented", "presenting_needs": ["mental_health", "alcohol"],
           "use_and_mental_health": "Drinking quietens things at night; mornings are worse.",
           "tried_so_far": "", "care_coordinator": "", "risks": [], "immediate_danger": "no", "urgency": "routine",
           "preferred_mode": "written", "question": "How can I help them talk about the link?", "continuity": "duty"}


def prepare(url: str) -> tuple[list[str], dict[str, list[int]]]:
    """A tenth-size partnership, plus an open round starting tomorrow for each organisation's first team."""
    app = create_app({"DATABASE_URL": url})
    upgrade_database(app)
    with app.app_context(), db.new_session() as session:
        generate(session, app.config["SECRET_KEY"], Size().scaled(0.1), seed=2, until=date.today())
        tomorrow = datetime.now(LONDON).date() + timedelta(days=1)
        leads = session.execute(select(GroupSeries.organisation_id, GroupSeries.created_by_id,
                                       GroupSeries.facilitator_id)
                                .order_by(GroupSeries.organisation_id, GroupSeries.id)).all()
        seen = set()
        for org, lead, facilitator in leads:
            if org in seen:
                continue
            seen.add(org)
            session.add(GroupSeries(title="Soak round", facilitator_id=facilitator, created_by_id=lead,
                                    organisation_id=org, team_id=None, capacity=5, location="Room", frequency="weekly",
                                    weekday=tomorrow.weekday(), start_time="13:30", minutes=60, starts_on=tomorrow))
        session.flush()
        make_sessions(session, days=21)
        session.commit()
        upcoming: dict[int, list[int]] = {}
        for gs_id, org in session.execute(select(GroupSession.id, GroupSeries.organisation_id)
                                          .join(GroupSeries, GroupSeries.id == GroupSession.series_id)
                                          .where(GroupSeries.title == "Soak round")):
            upcoming.setdefault(org, []).append(gs_id)
        staff = session.execute(select(Person.email, Person.organisation_id)
                                .join(PersonRole, PersonRole.person_id == Person.id)
                                .where(PersonRole.role == Role.FRONTLINE.value).order_by(Person.id).limit(USERS)).all()
    app.extensions["database"]["engine"].dispose()
    return [email for email, _ in staff], {email: upcoming.get(org, []) for email, org in staff}


def scheduler(url: str, smtp_port: int, log_path: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "MAIL_BACKEND": "smtp", "SMTP_PORT": str(smtp_port),
           "OUTBOX_SWEEP_SECONDS": "1", "ROTA_SWEEP_SECONDS": "10", "SMTP_TIMEOUT_SECONDS": "3"}
    return subprocess.Popen([str(PROJECT_ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi", "scheduler"],
                            cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log_path.open("a"))


def _postgres_restart_command() -> str:
    """pg_ctlcluster for the first local cluster (Debian's way of running PostgreSQL)."""
    clusters = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True).stdout
    version, name = clusters.split()[:2]
    return f"pg_ctlcluster {version} {name} restart"


def main() -> int:
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command
    workdir = Path(tempfile.mkdtemp(prefix="reach-soak-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'soak.db'}"
    print(f"Preparing {url} …", flush=True)
    emails, sessions = prepare(url)
    smtp_port, web_port = load.free_port(), load.free_port()
    mailbox = Mailbox(smtp_port)
    mailbox.start()
    web = load.serve(url, web_port, mail={"MAIL_BACKEND": "smtp", "SMTP_PORT": str(smtp_port)},
                     log_path=workdir / "gunicorn.log")
    sweeper = scheduler(url, smtp_port, workdir / "scheduler.log")
    log = {"statuses": Counter(), "errors": [], "bookings": set(), "requests": set()}
    lock = threading.Lock()
    started = time.monotonic()
    people = [Staff(web_port, email, sessions[email], started + SECONDS, log, lock) for email in emails]
    for person in people:
        person.start()
        time.sleep(0.02)  # a Monday morning, not a single instant
    events = []

    def at(fraction: float, what: str, action) -> None:
        time.sleep(max(0.0, started + SECONDS * fraction - time.monotonic()))
        action()
        events.append(f"{time.monotonic() - started:.0f} s: {what}")
        print(events[-1], flush=True)

    at(0.25, "SMTP server stopped", mailbox.stop)
    at(0.40, "scheduler killed (SIGKILL) mid-run", lambda: sweeper.send_signal(signal.SIGKILL))
    sweeper.wait()
    at(0.45, "scheduler restarted", lambda: None)
    sweeper = scheduler(url, smtp_port, workdir / "scheduler.log")
    at(0.60, "SMTP server started again", mailbox.start)
    outage = None
    if url.startswith("postgresql"):
        command = os.environ.get("SOAK_DB_RESTART") or _postgres_restart_command()
        outage = [started + SECONDS * 0.75]
        at(0.75, f"database restarted ({command})", lambda: subprocess.run(command, shell=True, check=True))
        outage.append(time.monotonic())
    for person in people:
        person.join(timeout=120)
    print("Staff finished; waiting for the outbox to empty …", flush=True)
    app = create_app({"DATABASE_URL": url})
    with app.app_context(), db.new_session() as session:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            waiting = session.scalar(select(func.count()).select_from(OutboxMessage)
                                     .where(OutboxMessage.status != "sent"))
            session.rollback()  # never hold the database while waiting
            if not waiting:
                break
            time.sleep(2)
        sent = set(session.scalars(select(OutboxMessage.id).where(OutboxMessage.status == "sent")))
        stored_bookings = set(session.execute(select(Person.email, Booking.session_id)
                                              .join(Person, Person.id == Booking.person_id)).all())
        stored_requests = set(session.scalars(select(Consultation.client_reference)
                                              .where(Consultation.client_reference.like("SOAK-%"))))
    load.stop(web)
    sweeper.send_signal(signal.SIGTERM)
    sweeper.wait(timeout=20)
    mailbox.stop()

    delivered = Counter(int(re.search(r"outbox-(\d+)@", mid).group(1)) for mid in mailbox.received if mid)
    # While PostgreSQL restarts, requests in flight may fail; after a few seconds the app must be whole again.
    errors = [e for t, e in log["errors"]
              if outage is None or not outage[0] - 1 <= t <= outage[1] + RECOVERY_SECONDS]
    during = len(log["errors"]) - len(errors)
    checks = {
        "no server errors" + (f" (outside the {RECOVERY_SECONDS} s after the restart)" if outage else ""): not errors,
        "every acknowledged booking stored": log["bookings"] <= stored_bookings,
        "every acknowledged request stored": log["requests"] <= stored_requests,
        "every email delivered": waiting == 0 and set(delivered) == sent,
        "no email delivered twice": all(n == 1 for n in delivered.values()),
    }
    lines = [f"# Soak test ({'PostgreSQL' if url.startswith('postgresql') else 'SQLite'}, {date.today():%d %B %Y})", "",
             f"{len(emails)} simulated staff for {SECONDS} s against gunicorn (2 workers) and one scheduler.", "",
             *[f"- {event}" for event in events], "",
             f"Responses: {dict(sorted((f'{k}xx', v) for k, v in log['statuses'].items()))}; "
             f"bookings acknowledged {len(log['bookings'])}, requests acknowledged {len(log['requests'])}, "
             f"emails sent {len(sent)}, delivered {sum(delivered.values())}, still queued {waiting}"
             f"{', not sent but delivered ' + str(sorted(set(delivered) - sent)[:5]) if set(delivered) - sent else ''}"
             f"{', sent but not delivered ' + str(sorted(sent - set(delivered))[:5]) if sent - set(delivered) else ''}.", "",
             "| check | passed |", "|---|---|", *[f"| {name} | {'yes' if ok else '**no**'} |" for name, ok in checks.items()],
             ""]
    if outage:
        lines += [f"Failed requests while the database restarted: {during}.", ""]
    if errors:
        lines += [f"Errors ({len(errors)}; the first 20; logs in {workdir}):", "", *[f"- {e}" for e in errors[:20]], ""]
    results = RESULTS.with_name("soak-postgresql.md") if url.startswith("postgresql") else RESULTS
    results.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
