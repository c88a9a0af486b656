"""Backup and restore from the command line: backup, wipe, restore, and nothing is lost."""
from __future__ import annotations

from sqlalchemy import inspect, text

from core.database import db

from .partnership_october import consultation, utc


def _snapshot(app) -> dict[str, list]:
    engine = app.extensions["database"]["engine"]
    with engine.connect() as conn:
        tables = sorted(inspect(conn).get_table_names())
        return {t: [tuple(r) for r in conn.execute(text(f'SELECT * FROM "{t}" ORDER BY 1'))] for t in tables}


def _round_trip(app, target, wipe):
    before = _snapshot(app)
    assert sum(len(rows) for rows in before.values()) > 20  # people, roles, the month's records, audit rows
    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=["backup", str(target)])
    assert again.exit_code != 0 and "already exists" in again.output
    wipe()
    assert _snapshot(app) != before
    refused = runner.invoke(args=["restore", str(target)])
    assert refused.exit_code != 0 and "--yes" in refused.output
    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert _snapshot(app) == before


def test_a_sqlite_backup_restores_everything_after_the_database_is_wiped(app, session, october, tmp_path):
    session.close()
    database = app.extensions["database"]["engine"].url.database

    def wipe():
        app.extensions["database"]["engine"].dispose()
        for suffix in ("", "-wal", "-shm"):
            path = tmp_path / (database.rsplit("/", 1)[-1] + suffix)
            path.unlink(missing_ok=True)

    _round_trip(app, tmp_path / "backups" / "reach.sqlite3", wipe)
    assert "There is no backup" in app.test_cli_runner().invoke(args=["restore", str(tmp_path / "nope"), "--yes"]).output


def test_a_postgresql_backup_restores_everything_after_the_database_is_wiped(pg_app, tmp_path):
    with pg_app.app_context(), db.new_session() as s:
        for n in range(5):
            consultation(s, "frontline", f"RDA-{n}", utc(2026, 10, 1 + n))
        s.commit()

    def wipe():
        with pg_app.app_context(), db.new_session() as s:
            s.execute(text("DROP TABLE consultation_messages, consultations CASCADE"))
            s.commit()

    _round_trip(pg_app, tmp_path / "reach.dump", wipe)
