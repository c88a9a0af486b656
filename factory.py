"""The app factory, above every package: the core app, then each feature's blueprint and command-line tasks.
wsgi.py, the CLI, the tests and the benchmarks all build the app here."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import func, select

from core import create_core_app
from core.database import db


def create_app(overrides: dict | None = None) -> Flask:
    app = create_core_app(overrides)
    from consult import bp as consult_bp
    from formulations import bp as formulations_bp
    from governance import bp as governance_bp
    from reach import bp as reach_bp
    from rota import bp as rota_bp
    from supervision import bp as supervision_bp
    for blueprint in (rota_bp, consult_bp, reach_bp, supervision_bp, formulations_bp, governance_bp):
        app.register_blueprint(blueprint)
    app.extensions["sweeps"] = {sweep.job_id: sweep for sweep in _sweeps()}
    from bench.cli import bench_data
    app.cli.add_command(bench_data)
    app.cli.add_command(seed_demo)
    return app


def _sweeps():
    """Every package's scheduled work, core's first."""
    import consult.sweeps
    import core.sweeps
    import governance.sweeps
    import rota.sweeps
    import supervision.sweeps
    for package in (core.sweeps, rota.sweeps, consult.sweeps, supervision.sweeps, governance.sweeps):
        yield from package.SWEEPS


@click.command("seed-demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Only seed when there are no people yet.")
def seed_demo(if_empty: bool):
    """Create the demo partnership (refused in production)."""
    from flask import current_app

    from core.accounts.models import Person
    from core.demo import DEMO_PASSWORD
    from core.timeutil import utcnow
    from demo import seed

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
