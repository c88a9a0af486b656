"""Reach's command-line tasks, under `flask reach`."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from core.database import db
from core.timeutil import utcnow

from .rollups import from_scratch, roll_up

reach = AppGroup("reach", help="The reach figures.")


@reach.command("roll-up")
@click.option("--from-scratch", "again", is_flag=True, help="Forget every roll-up and roll every day up again.")
def roll_up_command(again: bool):
    """Roll up every closed day not yet rolled up, and every day marked out of date."""
    days = 0
    with db.new_session() as session:
        if again:
            from_scratch(session)
            session.commit()
        while done := roll_up(session, utcnow()):
            session.commit()  # in batches, so pages keep reading while it works
            days += done
    click.echo(f"{days} day(s) rolled up.")


COMMANDS = [reach]
