"""`flask --app wsgi bench-data`: fill an empty database with the benchmark partnership."""
from __future__ import annotations

from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext

from core.database import db

from .dataset import BENCH_PASSWORD, Size, generate


@click.command("bench-data")
@click.option("--seed", default=1, show_default=True, help="The same seed and end date give the same data.")
@click.option("--scale", default=1.0, show_default=True, help="1.0 is the full partnership; 0.1 a tenth of it.")
@click.option("--until", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="End date (default today).")
@with_appcontext
def bench_data(seed: int, scale: float, until):
    """Generate the benchmark partnership into an empty, migrated database."""
    size = Size().scaled(scale)
    with click.progressbar(length=size.rows, label="Generating", show_pos=True) as bar:
        def progress(label: str, rows: int) -> None:
            bar.label = f"{label:<22}"
            bar.update(rows)
        with db.new_session() as session:
            try:
                accounts = generate(session, current_app.config["SECRET_KEY"], size, seed,
                                    until.date() if until else date.today(), progress)
            except ValueError as error:
                raise click.ClickException(str(error)) from error
    click.echo(f"Done. Every account's password is {BENCH_PASSWORD}; for example:")
    for role, email in accounts.items():
        click.echo(f"  {role:<14} {email}")
