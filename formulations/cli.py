"""The formulation library's command-line tasks, under `flask formulations`."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from core.accounts.services import find_person_by_email
from core.database import db

from .starter import seed_starter_library

formulations = AppGroup("formulations", help="The formulation template library.")


@formulations.command("seed-library")
@click.option("--author", "author_email", required=True, help="Email of the psychologist shown as the author.")
def seed_library(author_email: str):
    """Add the starter formulation templates (the 5 Ps and four others) if they are missing."""
    with db.new_session() as session:
        author = find_person_by_email(session, author_email)
        if author is None or not author.has_role("psychologist"):
            raise click.ClickException("Give the email address of an existing psychologist.")
        added = seed_starter_library(session, author)
        session.commit()
    click.echo(f"{added} starter template(s) added.")


COMMANDS = [formulations]
