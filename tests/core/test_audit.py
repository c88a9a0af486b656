"""The audit log: append-only, written for sign-ins and refusals, searchable by admins."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from core import audit
from core.audit import AuditEvent, AuditLogIsAppendOnly
from tests.pages import open_page
from tests.support import person, sign_in


def test_audit_rows_cannot_be_changed_or_deleted_through_the_app(app, session):
    sign_in(app.test_client(), "frontline")
    event = session.scalars(select(AuditEvent)).one()
    event.action = "covered.up"
    with pytest.raises(AuditLogIsAppendOnly):
        session.flush()
    session.rollback()
    session.delete(session.scalars(select(AuditEvent)).one())
    with pytest.raises(AuditLogIsAppendOnly):
        session.flush()


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"])
def test_the_database_itself_refuses_audit_edits(app, session, statement):
    sign_in(app.test_client(), "frontline")
    with pytest.raises(DatabaseError):
        session.execute(text(statement))
    session.rollback()
    assert session.scalar(text("SELECT count(*) FROM audit_events")) == 1


@pytest.mark.postgres
def test_postgresql_refuses_audit_edits_too(pg_app):
    session = pg_app.extensions["database"]["session_factory"]()
    with pg_app.app_context():
        audit.record(session, "test.event", "person", 1)
    session.commit()
    for statement in ["UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events",
                      "TRUNCATE audit_events"]:
        with pytest.raises(DatabaseError):
            session.execute(text(statement))
        session.rollback()
    assert session.scalar(text("SELECT count(*) FROM audit_events")) == 1
    session.close()


def test_a_view_on_a_read_page_is_audited_at_the_end_of_the_request(app, session):
    client = app.test_client()
    sign_in(client, "team_lead")
    open_page(client, "accounts_admin.my_teams", status=200)
    session.rollback()
    viewed = session.scalars(select(AuditEvent).where(AuditEvent.action == "team.members_viewed")).one()
    assert viewed.actor_id == person(session, "team_lead").id and viewed.ip_address == "127.0.0.1"


def test_admin_searches_the_audit_log_and_the_search_is_itself_audited(app, session):
    london_noon_in_summer = datetime(2026, 7, 1, 11, 0, tzinfo=timezone.utc)
    with time_machine.travel(london_noon_in_summer, tick=False):
        sign_in(app.test_client(), "frontline", password="not-the-password")
    with time_machine.travel(london_noon_in_summer + timedelta(days=2), tick=False):
        sign_in(app.test_client(), "psychologist")
    admin = app.test_client()
    sign_in(admin, "admin")

    def rows(url):
        html = admin.get(url).get_data(as_text=True)
        return html.split("<tbody", 1)[1].split("</tbody>", 1)[0] if "<tbody" in html else ""

    failed = rows("/admin/audit?action=sign_in.failed")
    assert "frontline@example.org" in failed and "psychologist@example.org" not in failed
    assert "1 July 2026, 12:00pm" in failed  # shown in London time (BST)

    by_person = rows("/admin/audit?person=psychologist@example.org")
    assert "sign_in.succeeded" in by_person and "sign_in.failed" not in by_person

    by_date = rows("/admin/audit?date_from=2026-07-01&date_to=2026-07-01")
    assert "sign_in.failed" in by_date and "sign_in.succeeded" not in by_date

    bad = admin.get("/admin/audit?date_from=2026-07-02&date_to=2026-07-01")
    assert "The &#39;to&#39; date must be the same as or after the &#39;from&#39; date" in bad.get_data(as_text=True) \
        or "The 'to' date must be" in bad.get_data(as_text=True)

    session.rollback()
    searches = session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.searched")).all()
    assert len(searches) == 4 and searches[0].detail_items == {"action": "sign_in.failed"}


def test_only_admins_see_the_audit_log(app):
    for key in ["frontline", "psychologist", "team_lead"]:
        client = app.test_client()
        sign_in(client, key)
        open_page(client, "audit.search", status=403)


def test_admin_exports_the_search_as_csv_and_the_export_is_audited(app, session):
    import csv
    sign_in(app.test_client(), "frontline", password="not-the-password")
    admin = app.test_client()
    sign_in(admin, "admin")
    response = admin.get("/admin/audit.csv?action=sign_in.failed")
    rows = list(csv.reader(response.get_data(as_text=True).splitlines()))
    assert response.mimetype == "text/csv" and rows[0][:3] == ["When (UK time)", "Who", "Action"]
    assert [r[2] for r in rows[1:]] == ["sign_in.failed"] and "frontline@example.org" in rows[1][6]
    open_page(admin, "audit.export", status=400, date_from="nonsense")
    session.rollback()
    exported = session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.exported")).one()
    assert exported.detail_items == {"action": "sign_in.failed"}
    frontline = app.test_client()
    sign_in(frontline, "frontline")
    open_page(frontline, "audit.export", status=403)


def test_the_search_offers_the_actions_and_record_types_recorded_and_explains_a_record_id_it_cannot_use(app, session):
    sign_in(app.test_client(), "frontline", password="not-the-password")
    admin = app.test_client()
    sign_in(admin, "admin")
    page = " ".join(open_page(admin, "audit.search").split())
    assert '<option value="sign_in.failed" >Sign in failed (sign_in.failed)</option>' in page
    assert 'value="sign_in.succeeded"' in page and 'value="consultation.viewed"' not in page
    refused = open_page(admin, "audit.search", record_id="RDA-100")
    assert "There is a problem" in refused and "Enter the record id as a number, like 42" in refused
    assert 'value="RDA-100"' in refused
    unknown = open_page(admin, "audit.search", action="sign_in.invented")
    assert "Choose an action from the list" in unknown


def test_listing_recorded_actions_works_on_postgresql(pg_app):
    from core.database import db
    with pg_app.app_context(), db.new_session() as s:
        for action in ("b.second", "a.first", "b.second", "c.third"):
            audit.record(s, action, "person", 1)
        s.commit()
        recorded = audit.recorded(s, "action")
    assert [a for a in recorded if a in ("a.first", "b.second", "c.third")] == ["a.first", "b.second", "c.third"]
