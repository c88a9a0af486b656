"""Consistent backups and restores: SQLite's online backup API (safe while the app runs), pg_dump and
pg_restore for PostgreSQL."""
from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """Why a backup or restore could not be made, in words for the person running it."""


def _sqlite_path(database_url: str) -> Path | None:
    url = make_url(database_url)
    return Path(url.database) if url.get_backend_name() == "sqlite" else None


def _libpq(database_url: str) -> str:
    """pg_dump and pg_restore take libpq's URL, without SQLAlchemy's driver name."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True)
    except FileNotFoundError as error:
        raise BackupError(f"{command[0]} was not found: install the PostgreSQL client tools") from error
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()}")


def _copy_sqlite(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    with sqlite3.connect(target) as check:
        if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"{target} failed SQLite's integrity check")


def backup(database_url: str, target: Path) -> Path:
    """Write a consistent copy of the database to `target` (a SQLite file, or pg_dump's custom format)."""
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} already exists: choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    path = _sqlite_path(database_url)
    if path is not None:
        _copy_sqlite(path, target)
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", f"--dbname={_libpq(database_url)}"])
    return target


def restore(database_url: str, source: Path) -> None:
    """Replace everything in the database with the backup. Stop the app and the scheduler first."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"There is no backup at {source}")
    path = _sqlite_path(database_url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        _copy_sqlite(source, path)
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              f"--dbname={_libpq(database_url)}", str(source)])
