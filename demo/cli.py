"""`flask --app wsgi seed-demo`: the lived-in demo partnership `make run` opens onto."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from core.accounts.models import Person
from core.database import db
from core.demo import DEMO_PASSWORD
from core.timeutil import utcnow

from . import seed


@click.command("seed-demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Only seed when there are no people yet.")
def seed_demo(if_empty: bool):
    """Create the demo partnership (refused in production)."""
    if current_app.config["PRODUCTION"]:
        raise click.ClickException("Demo data is never created in production.")
    with db.new_session() as session:
        if if_empty and session.scalar(select(func.count()).select_from(Person)):
            click.echo("Database already has people; demo data not added.")
            return
        people = seed(session, utcnow(), production=current_app.config["PRODUCTION"])
        session.commit()
    click.echo(f"Demo partnership created. Every demo account's password is: {DEMO_PASSWORD}")
    for person in people:
        click.echo(f"  {person.email:<32} {', '.join(person.role_labels)}")
