"""The app factory, above every package: the core app, then each feature's routes, listeners, scheduled work and
command-line tasks. wsgi.py, the CLI, the tests and the benchmarks all build the app here, and nothing else
imports a view module."""
from __future__ import annotations

from flask import Flask

import consult.action_views
import consult.call_views
import consult.follow_up_views
import consult.guest_views
import consult.handover
import consult.list_views
import consult.snippet_views
import consult.summary_views
import consult.sweeps
import consult.views
import core.sweeps
import directory.views
import formulations.cli
import formulations.linked
import formulations.views
import governance.sweeps
import governance.views
import library.linked
import library.views
import reach.board_views
import reach.changes
import reach.cli
import reach.duty_views
import reach.learning_views
import reach.sweeps
import reach.views
import rota.sweeps
import rota.views
import supervision.clinic_views
import supervision.groups_views
import supervision.one_to_one.account_views
import supervision.one_to_one.record_views
import supervision.one_to_one.sweeps
import supervision.one_to_one.views
import supervision.register_views
import supervision.sweeps
import supervision.views
from bench.cli import bench_data
from consult.linked import register_linked_records
from core import create_core_app
from core.accounts.services import on_deactivation
from core.templating import register_page_warning
from demo.cli import seed_demo
from rota.services import when_away

FEATURES = (rota, consult, directory, library, reach, supervision, formulations, governance)


def create_app(overrides: dict | None = None) -> Flask:
    app = create_core_app(overrides)
    for package in FEATURES:
        app.register_blueprint(package.bp)
    app.register_blueprint(supervision.one_to_one.bp)
    _connect_listeners()
    app.extensions["sweeps"] = {sweep.job_id: sweep for sweep in _sweeps()}
    for command in (*formulations.cli.COMMANDS, *reach.cli.COMMANDS, bench_data, seed_demo):
        app.cli.add_command(command)
    return app


def _connect_listeners() -> None:
    """What one package does when another's event happens. Registering twice is harmless (tests build many apps)."""
    on_deactivation(consult.handover.someone_left)  # off the rota, and their open requests passed on
    when_away(consult.handover.hand_over_from)  # leave that has begun passes on what they hold
    register_linked_records("Formulations for this client", formulations.linked.formulations_for_client)
    register_linked_records("Practice note", library.linked.note_for_request)
    register_page_warning(governance.views.kept_for_ever_warning)
    reach.changes.listen()  # a change to a closed day's records marks its roll-up out of date


def _sweeps():
    """Every package's scheduled work, core's first."""
    for package in (core.sweeps, rota.sweeps, consult.sweeps, supervision.sweeps, supervision.one_to_one.sweeps,
                    governance.sweeps, reach.sweeps):
        yield from package.SWEEPS
