"""Backup and restore from the command line: backup, wipe, restore, and nothing is lost."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from core.backup import new_key_pair
from core.database import db
from tests.partnership_october import consultation, utc


def _snapshot(app) -> dict[str, list]:
    engine = app.extensions["database"]["engine"]
    with engine.connect() as conn:
        tables = sorted(inspect(conn).get_table_names())
        # Every row, in an order that does not depend on how they were stored (tables keyed by several columns
        # tie on the first).
        return {t: sorted((tuple(r) for r in conn.execute(text(f'SELECT * FROM "{t}"'))), key=repr) for t in tables}


def _round_trip(app, target, wipe, encrypted: bool = False):
    before = _snapshot(app)
    assert sum(len(rows) for rows in before.values()) > 20  # people, roles, the month's records, audit rows
    runner = app.test_cli_runner()
    if encrypted:
        identity, recipient = new_key_pair()
        app.config.update(BACKUP_AGE_RECIPIENT=recipient, BACKUP_AGE_IDENTITY="")
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    if encrypted:
        written = target.read_bytes()
        assert "Encrypted backup written" in result.output and written.startswith(b"age-encryption.org/v1")
        assert b"RDA-00" not in written and b"frontline@example.org" not in written  # nothing readable
        assert not list(target.parent.glob(".reach-backup-*"))  # no plain copy left beside it
    again = runner.invoke(args=["backup", str(target)])
    assert again.exit_code != 0 and "already exists" in again.output
    wipe()
    assert _snapshot(app) != before
    refused = runner.invoke(args=["restore", str(target)])
    assert refused.exit_code != 0 and "--yes" in refused.output
    if encrypted:
        no_key = runner.invoke(args=["restore", str(target), "--yes"])
        assert no_key.exit_code != 0 and "BACKUP_AGE_IDENTITY" in no_key.output
        app.config["BACKUP_AGE_IDENTITY"] = new_key_pair()[0]
        wrong_key = runner.invoke(args=["restore", str(target), "--yes"])
        assert wrong_key.exit_code != 0 and "cannot be decrypted with that key" in wrong_key.output
        app.config["BACKUP_AGE_IDENTITY"] = identity
    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert _snapshot(app) == before


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
def test_a_sqlite_backup_restores_everything_after_the_database_is_wiped(app, session, october, tmp_path, encrypted):
    session.close()
    database = app.extensions["database"]["engine"].url.database

    def wipe():
        app.extensions["database"]["engine"].dispose()
        for suffix in ("", "-wal", "-shm"):
            path = tmp_path / (database.rsplit("/", 1)[-1] + suffix)
            path.unlink(missing_ok=True)

    _round_trip(app, tmp_path / "backups" / "reach.sqlite3", wipe, encrypted)
    assert "There is no backup" in app.test_cli_runner().invoke(args=["restore", str(tmp_path / "nope"), "--yes"]).output


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
def test_a_postgresql_backup_restores_everything_after_the_database_is_wiped(pg_app, tmp_path, encrypted):
    with pg_app.app_context(), db.new_session() as s:
        for n in range(5):
            consultation(s, "frontline", f"RDA-{n}", utc(2026, 10, 1 + n))
        s.commit()

    def wipe():
        with pg_app.app_context(), db.new_session() as s:
            s.execute(text("DROP TABLE consultation_messages, consultations CASCADE"))
            s.commit()

    _round_trip(pg_app, tmp_path / "reach.dump", wipe, encrypted)
