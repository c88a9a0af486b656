"""Formulation templates: the versioned library and filled-in formulations."""
import click
from flask import Blueprint

bp = Blueprint("formulations", __name__, url_prefix="/formulations")

from . import linked, views  # noqa: E402,F401  (routes register on the blueprint, case records with consult)


@bp.cli.command("seed-library")
@click.option("--author", "author_email", required=True, help="Email of the psychologist shown as the author.")
def seed_library(author_email: str):
    """Add the starter formulation templates (the 5 Ps and four others) if they are missing."""
    from core.accounts.services import find_person_by_email
    from core.database import db

    from .starter import seed_starter_library

    with db.new_session() as session:
        author = find_person_by_email(session, author_email)
        if author is None or not author.has_role("psychologist"):
            raise click.ClickException("Give the email address of an existing psychologist.")
        added = seed_starter_library(session, author)
        session.commit()
    click.echo(f"{added} starter template(s) added.")
