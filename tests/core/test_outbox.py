"""The outbox: messages survive an SMTP outage and are sent exactly once, even by two sweeps."""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from core.mail import SMTPSender
from core.notifications import QUEUED, SENT, Notification, OutboxMessage, deliver_due, notify, queue_email
from core.timeutil import utcnow
from tests.pages import open_page
from tests.smtp import SMTPServer, free_port
from tests.support import person, post_form, sign_in


@pytest.fixture
def smtp_port(app):
    port = free_port()
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TIMEOUT_SECONDS=5)
    return port


def _queue(session, count: int) -> None:
    for n in range(count):
        queue_email(session, f"worker{n}@example.org", f"Message {n}", f"Body {n}")
    session.commit()


def test_messages_wait_while_smtp_is_down_and_go_once_it_is_back(app, session, smtp_port):
    _queue(session, 3)
    with time_machine.travel(utcnow(), tick=False) as traveller:
        assert deliver_due(session, SMTPSender(app.config), "w1") == 0
        session.rollback()
        rows = session.scalars(select(OutboxMessage)).all()
        assert {r.status for r in rows} == {QUEUED}
        assert all(r.attempts == 1 and "ConnectionRefused" in r.last_error for r in rows)

        server = SMTPServer(smtp_port).start()
        try:
            # Still backing off: nothing is tried yet.
            assert deliver_due(session, SMTPSender(app.config), "w1") == 0
            traveller.shift(timedelta(seconds=31))
            assert deliver_due(session, SMTPSender(app.config), "w1") == 3
            assert deliver_due(session, SMTPSender(app.config), "w1") == 0
        finally:
            server.stop()
    assert sorted(m["Subject"] for m in server.messages) == ["Message 0", "Message 1", "Message 2"]
    session.rollback()
    assert {r.status for r in session.scalars(select(OutboxMessage))} == {SENT}


def test_back_off_doubles_and_is_capped():
    from core.notifications import backoff
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(50) == timedelta(hours=1)


def _two_sweeps_at_once(app, smtp_port, count: int) -> list:
    """Run two sweeps in parallel threads against the same database and count deliveries."""
    factory = app.extensions["database"]["session_factory"]
    with factory() as s:
        _queue(s, count)
    server = SMTPServer(smtp_port).start()
    barrier = threading.Barrier(2)
    errors = []

    def sweep(worker):
        try:
            with factory() as s:
                barrier.wait()
                while deliver_due(s, SMTPSender(app.config), worker):
                    pass
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=sweep, args=(f"w{n}",)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    server.stop()
    assert not errors, errors
    return server.messages


def test_two_sweeps_running_together_send_each_message_once(app, smtp_port):
    messages = _two_sweeps_at_once(app, smtp_port, 120)
    ids = [m["Message-ID"] for m in messages]
    assert len(ids) == 120 and len(set(ids)) == 120


@pytest.mark.postgres
def test_two_sweeps_send_each_message_once_on_postgresql(pg_app):
    port = free_port()
    pg_app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TIMEOUT_SECONDS=5)
    messages = _two_sweeps_at_once(pg_app, port, 120)
    ids = [m["Message-ID"] for m in messages]
    assert len(ids) == 120 and len(set(ids)) == 120


def test_an_abandoned_claim_is_picked_up_again(app, session, smtp_port):
    from core.notifications import claim_due
    _queue(session, 1)
    with time_machine.travel(utcnow(), tick=False) as traveller:
        claimed = claim_due(session, "crashed-worker")
        assert len(claimed) == 1
        assert claim_due(session, "other") == []  # claimed and not yet abandoned
        traveller.shift(timedelta(minutes=6))
        server = SMTPServer(smtp_port).start()
        try:
            assert deliver_due(session, SMTPSender(app.config), "other") == 1
        finally:
            server.stop()
    assert len(server.messages) == 1


def test_notify_makes_an_in_app_notification_and_an_email(app, session):
    frontline = person(session, "frontline")
    notify(session, frontline, "Your request has been allocated", "Dr Hale will reply by Friday.",
           link="/consultations/")
    session.commit()
    client = app.test_client()
    sign_in(client, "frontline")
    home = open_page(client, "core.home")
    assert "1 unread notification" in home
    page = open_page(client, "core.notifications")
    assert "Your request has been allocated" in page and "Dr Hale will reply by Friday." in page
    assert '<a href="/consultations/">Your request has been allocated</a>' in page
    email = session.scalars(select(OutboxMessage)).one()
    assert email.to_address == "frontline@example.org" and email.recipient_id == frontline.id
    # Marking them read clears the count on the home page.
    post_form(client, "/notifications/read", page_url="/notifications")
    assert "unread notification" not in open_page(client, "core.home")


def _header_count(client) -> str | None:
    match = re.search(r'<span class="reach-count">([^<]+)</span><span class="nhsuk-u-visually-hidden"> unread</span>',
                      open_page(client, "supervision.index"))
    return match.group(1) if match else None


def test_opening_a_notification_reads_it_and_the_header_counts_what_is_unread(app, session):
    frontline, lead = person(session, "frontline"), person(session, "team_lead")
    notify(session, frontline, "Advice is ready", "Open it.", link="/formulations/mine")
    notify(session, frontline, "A place is offered", "Take it.", link="/reflective-practice/record")
    notify(session, frontline, "Welcome", "Nothing to open.")
    notify(session, lead, "For the team lead", "Theirs.", link="/formulations/mine")
    session.commit()
    client = app.test_client()
    sign_in(client, "frontline")
    assert _header_count(client) == "3"
    open_page(client, "formulations.mine", status=200)  # the page the first links to
    assert _header_count(client) == "2"
    listed = open_page(client, "core.notifications")  # shows 'Welcome', which has nowhere to go
    assert listed.count(">New</strong>") == 2
    assert _header_count(client) == "1"
    post_form(client, "/notifications/read", page_url="/notifications")
    assert _header_count(client) is None
    session.rollback()
    session.expire_all()
    unread = session.scalars(select(Notification.title).where(Notification.read_at.is_(None))).all()
    assert unread == ["For the team lead"]  # someone else's, opened by another person's visit, stays unread


def test_a_notification_link_never_points_off_site(app, session):
    notify(session, person(session, "frontline"), "Hello", "Body", link="https://evil.example/")
    session.commit()
    client = app.test_client()
    sign_in(client, "frontline")
    page = open_page(client, "core.notifications")
    assert "evil.example" not in page and "Hello" in page


def test_development_prints_email_to_the_log_instead_of_sending(app, session, caplog):
    from core.scheduler import deliver_outbox
    _queue(session, 1)
    with app.app_context(), caplog.at_level("INFO", logger="reach.mail"):
        assert deliver_outbox(session, app) == 1
    assert "Email to worker0@example.org: Message 0" in caplog.text


def test_the_scheduler_heartbeat_shows_on_the_health_check(app, session, client):
    from core.scheduler import run_sweep, sweeps_of
    assert client.get("/healthz").get_json()["scheduler"]["status"] == "never"
    with app.app_context():
        run_sweep(app, sweeps_of(app)["heartbeat"])
    health = client.get("/healthz").get_json()
    assert health["database"] == "ok" and health["scheduler"]["status"] == "ok"
    with time_machine.travel(utcnow() + timedelta(minutes=5)):
        assert client.get("/healthz").get_json()["scheduler"]["status"] == "stale"


def test_the_scheduler_runs_every_packages_sweeps_each_at_its_own_interval(app):
    from core.scheduler import build_scheduler, sweeps_of
    app.config.update(ROTA_SWEEP_SECONDS=61, ALLOCATION_SWEEP_SECONDS=62, GROUP_SESSIONS_SWEEP_SECONDS=63)
    jobs = {job.id: job for job in build_scheduler(app).get_jobs()}
    assert set(jobs) == set(sweeps_of(app)) == {
        "heartbeat", "password-resets", "deliver-outbox", "rota", "escalate-breaches", "safety-net",
        "allocate-waiting", "group-sessions", "supervision", "retention", "board-report",
        "reach-roll-ups"}
    assert all(job.coalesce and job.max_instances == 1 for job in jobs.values())
    assert [jobs[j].trigger.interval.total_seconds()
            for j in ("rota", "allocate-waiting", "group-sessions", "supervision")] == [61, 62, 63, 63]


def test_the_runner_commits_what_a_sweep_did_and_logs_it_with_its_time(app, session, caplog):
    import logging

    from core.scheduler import Sweep, run_sweep

    def adds_a_notification(s, _app):
        s.add(Notification(person_id=person(session, "frontline").id, title="From a sweep", body=""))
        return {"added": 1}

    with caplog.at_level(logging.INFO, logger="reach.scheduler"):
        assert run_sweep(app, Sweep("test-sweep", adds_a_notification, "ROTA_SWEEP_SECONDS")) == {"added": 1}
    session.rollback()
    assert session.scalar(select(Notification).where(Notification.title == "From a sweep")) is not None
    assert any("Sweep test-sweep did {'added': 1} in" in r.getMessage() and "ms" in r.getMessage()
               for r in caplog.records)


def test_a_sent_message_is_settled_even_when_the_database_is_busy_for_a_moment(app, session, smtp_port, monkeypatch):
    """Sent but left unsettled, a message would go again when its claim ran out."""
    from sqlalchemy.exc import OperationalError

    from core import notifications
    _queue(session, 1)
    real_execute = session.execute
    busy = {"left": 2}

    def execute(statement, *args, **kwargs):
        if getattr(statement, "is_update", False) and busy["left"]:
            busy["left"] -= 1
            raise OperationalError("UPDATE outbox_messages", {}, Exception("database is locked"))
        return real_execute(statement, *args, **kwargs)

    monkeypatch.setattr(session, "execute", execute)
    monkeypatch.setattr(notifications.time, "sleep", lambda seconds: None)
    server = SMTPServer(smtp_port).start()
    try:
        assert deliver_due(session, SMTPSender(app.config), "w1") == 1
    finally:
        server.stop()
    monkeypatch.undo()
    session.rollback()
    assert session.scalars(select(OutboxMessage)).one().status == SENT and len(server.messages) == 1


# --- One bad message never holds the others back ------------------------------------------------------

def test_a_message_that_cannot_be_built_fails_alone_and_is_parked_where_admins_see_it(app, session, smtp_port):
    from core.notifications import MESSAGE_TRIES, PARKED
    # Written straight to the table, as a row stored before subjects were made one line could be.
    session.add(OutboxMessage(to_address="worker@example.org", subject="Hello\r\nBcc: everyone@example.org",
                              body="x"))
    session.commit()
    queue_email(session, "reset@example.org", "Reset your password", "The link")
    session.commit()
    server = SMTPServer(smtp_port).start()
    try:
        with time_machine.travel(utcnow(), tick=False) as traveller:
            assert deliver_due(session, SMTPSender(app.config), "w1") == 1  # the reset goes, behind the bad one
            for _ in range(MESSAGE_TRIES):
                traveller.shift(timedelta(hours=2))
                assert deliver_due(session, SMTPSender(app.config), "w1") == 0
    finally:
        server.stop()
    assert [m["Subject"] for m in server.messages] == ["Reset your password"]
    session.rollback()
    bad = session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == "worker@example.org")).one()
    assert bad.status == PARKED and bad.attempts == MESSAGE_TRIES and "cannot be built" in bad.last_error
    admin = app.test_client()
    sign_in(admin, "admin")
    page = open_page(admin, "outbox.parked")
    assert "worker@example.org" in page and "cannot be built" in page
    assert post_form(admin, f"/admin/messages/{bad.id}/try-again", page_url="/admin/messages").status_code == 302
    session.rollback()
    assert session.get(OutboxMessage, bad.id).status == QUEUED


def test_subjects_and_titles_are_one_line_however_they_were_typed(app, session):
    with app.app_context():
        notify(session, person(session, "frontline"), "Moved: Keyworkers\r\nround\u2028today", "Body")
        session.commit()
    message = session.scalars(select(OutboxMessage)).one()
    assert message.subject == "Moved: Keyworkers  round today"


def test_log_records_are_one_line_each():
    import logging

    from core.logs import FORMAT, OneLineFormatter
    record = logging.LogRecord("reach", logging.INFO, __file__, 1, "Signed in: %s", ("Jo\r\n2026 ERROR forged",), None)
    assert "\n" not in OneLineFormatter(FORMAT).format(record) and "\r" not in OneLineFormatter(FORMAT).format(record)
    assert "Jo\\r\\n2026 ERROR forged" in OneLineFormatter(FORMAT).format(record)
