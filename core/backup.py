"""Consistent backups and restores: SQLite's online backup API (safe while the app runs), pg_dump and
pg_restore for PostgreSQL; encrypted with age when a recipient (public) key is given.

Encrypting needs only the public key (BACKUP_AGE_RECIPIENT), so the server that writes backups cannot read them
back; restoring needs the private identity (BACKUP_AGE_IDENTITY), kept elsewhere until a restore."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import tempfile
from contextlib import closing, contextmanager
from pathlib import Path

import pyrage
from sqlalchemy.engine import make_url

AGE_HEADER = b"age-encryption.org/v1"


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
    # Closed, not only committed (sqlite3's own context manager leaves connections open): the last close
    # folds the copy's write-ahead log back into it, so no -wal or -shm file is left beside it.
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    with closing(sqlite3.connect(target)) as check:
        if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"{target} failed SQLite's integrity check")


@contextmanager
def _scratch(beside: Path):
    """A file only this user can read, next to the backup (so on the same disk), removed afterwards."""
    fd, name = tempfile.mkstemp(dir=beside.parent, prefix=".reach-backup-")
    os.close(fd)
    os.chmod(name, 0o600)
    try:
        yield Path(name)
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(name + suffix).unlink(missing_ok=True)


def _write_backup(database_url: str, target: Path) -> None:
    path = _sqlite_path(database_url)
    if path is not None:
        _copy_sqlite(path, target)
    else:
        target.unlink(missing_ok=True)  # pg_dump writes the file itself
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", f"--dbname={_libpq(database_url)}"])


def backup(database_url: str, target: Path, recipient: str | None = None) -> Path:
    """Write a consistent copy of the database to `target` (a SQLite file, or pg_dump's custom format),
    encrypted to the age `recipient` key when one is given."""
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} already exists: choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    if not recipient:
        _write_backup(database_url, target)
        return target
    try:
        key = pyrage.x25519.Recipient.from_str(recipient.strip())
    except pyrage.RecipientError as error:
        raise BackupError(f"BACKUP_AGE_RECIPIENT is not an age public key (age1…): {error}") from error
    with _scratch(target) as plain:
        _write_backup(database_url, plain)
        pyrage.encrypt_file(str(plain), str(target), [key])
    return target


def is_encrypted(source: Path) -> bool:
    with open(source, "rb") as file:
        return file.read(len(AGE_HEADER)) == AGE_HEADER


def restore(database_url: str, source: Path, identity: str | None = None) -> None:
    """Replace everything in the database with the backup, decrypting it with the age `identity` if it is
    encrypted. Stop the app and the scheduler first."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"There is no backup at {source}")
    if not is_encrypted(source):
        _restore_from(database_url, source)
        return
    if not identity:
        raise BackupError("This backup is encrypted: set BACKUP_AGE_IDENTITY to the private key (AGE-SECRET-KEY-1…)")
    try:
        key = pyrage.x25519.Identity.from_str(identity.strip())
    except pyrage.IdentityError as error:
        raise BackupError(f"BACKUP_AGE_IDENTITY is not an age private key: {error}") from error
    with _scratch(source) as plain:
        try:
            pyrage.decrypt_file(str(source), str(plain), [key])
        except pyrage.DecryptError as error:
            raise BackupError(f"This backup cannot be decrypted with that key: {error}") from error
        _restore_from(database_url, plain)


def _restore_from(database_url: str, source: Path) -> None:
    path = _sqlite_path(database_url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        _copy_sqlite(source, path)
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              f"--dbname={_libpq(database_url)}", str(source)])


def new_key_pair() -> tuple[str, str]:
    """(private identity, public recipient) for encrypted backups."""
    identity = pyrage.x25519.Identity.generate()
    return str(identity), str(identity.to_public())
