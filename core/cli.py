"""The core's command-line tasks: migrations, backups, the first admin, the scheduler and the dev server."""
from __future__ import annotations

import os
import signal

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from werkzeug.serving import run_simple

from .config import PROJECT_ROOT
from .database import db


def alembic_config(database_url: str) -> AlembicConfig:
    config = AlembicConfig(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade_database(app: Flask) -> None:
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        os.makedirs(os.path.dirname(url.removeprefix("sqlite:///")) or ".", exist_ok=True)
    command.upgrade(alembic_config(url), "head")


def _backup_step(step, database_url: str, path: str, key: str | None, done: str) -> None:
    from .backup import BackupError
    try:
        step(database_url, path, key)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(done)


@click.command("db-upgrade")
@with_appcontext
def db_upgrade():
    """Apply every database migration not yet applied."""
    upgrade_database(current_app)
    click.echo("Database is up to date.")


@click.command("backup")
@with_appcontext
@click.argument("target", type=click.Path(dir_okay=False))
def backup_command(target: str):
    """Write a consistent backup of the database to TARGET (safe while the app runs)."""
    from .backup import backup
    recipient = current_app.config["BACKUP_AGE_RECIPIENT"]
    if not recipient:
        click.echo("BACKUP_AGE_RECIPIENT is not set: this backup is not encrypted.", err=True)
    _backup_step(backup, current_app.config["DATABASE_URL"], target, recipient,
                 f"{'Encrypted backup' if recipient else 'Backup'} written to {target}.")


@click.command("backup-key")
@with_appcontext
def backup_key_command():
    """Make a key pair for encrypted backups: the public key for the server, the private one kept apart."""
    from .backup import new_key_pair
    identity, recipient = new_key_pair()
    click.echo(f"Set on the server, to encrypt backups:\n  BACKUP_AGE_RECIPIENT={recipient}\n"
               f"Keep this apart from the server and the backups (a password manager, a safe), for restores:\n"
               f"  BACKUP_AGE_IDENTITY={identity}")


@click.command("restore")
@with_appcontext
@click.argument("source", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Confirm: everything now in the database is replaced.")
def restore_command(source: str, yes: bool):
    """Replace the database with the backup in SOURCE. Stop the app and the scheduler first."""
    from .backup import restore
    if not yes:
        raise click.ClickException("Restoring replaces everything in the database: run again with --yes.")
    current_app.extensions["database"]["engine"].dispose()  # no pooled connection may outlive the old data
    _backup_step(restore, current_app.config["DATABASE_URL"], source, current_app.config["BACKUP_AGE_IDENTITY"],
                 f"Database restored from {source}.")


@click.command("create-admin")
@with_appcontext
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--organisation", required=True, help="Created if it does not exist.")
@click.option("--service-type", default="mental_health", show_default=True)
@click.password_option()
def create_admin(email: str, name: str, organisation: str, service_type: str, password: str):
    """Create the first admin of a new installation (there is no self-registration)."""
    from .accounts.models import Organisation, Role, ServiceType
    from .accounts.passwords import password_problem
    from .accounts.services import create_person, find_person_by_email

    problem = password_problem(password, email)
    if problem:
        raise click.ClickException(problem)
    with db.new_session() as session:
        if find_person_by_email(session, email):
            raise click.ClickException("Someone with this email address already exists.")
        org = session.scalar(select(Organisation).where(Organisation.name == organisation))
        if org is None:
            org = Organisation(name=organisation, service_type=ServiceType(service_type).value)
            session.add(org)
            session.flush()
        create_person(session, email=email, name=name, organisation_id=org.id,
                      roles=[Role.ADMIN.value], password=password)
        session.commit()
    click.echo(f"Admin {email} created.")


@click.command("scheduler")
@with_appcontext
def scheduler():
    """Run the periodic sweeps (outbox, heartbeat, …) until stopped. Run exactly one."""
    from .scheduler import build_scheduler

    click.echo("Scheduler running; press Ctrl+C to stop.")
    build_scheduler(current_app._get_current_object(), blocking=True).start()


@click.command("serve-dev")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve_dev(host: str, port: int):
    """Development server with the sweeps running in-process (what `make run` uses)."""
    from .scheduler import build_scheduler

    scheduler = build_scheduler(current_app._get_current_object())
    scheduler.start()
    signal.signal(signal.SIGTERM, lambda *_: (scheduler.shutdown(wait=False), os._exit(0)))
    try:
        run_simple(host, port, current_app._get_current_object(), use_reloader=False, threaded=True)
    finally:
        scheduler.shutdown(wait=False)


COMMANDS = [db_upgrade, backup_command, backup_key_command, restore_command, create_admin, scheduler, serve_dev]
