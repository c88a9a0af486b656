"""The shared core, the bottom layer: configuration, database, accounts, audit, notifications, scheduler,
templating and security. It imports no feature package: `factory.create_app` builds the core app here and
wires the features onto it."""
from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from jinja2 import ChainableUndefined, ChoiceLoader, FileSystemLoader, PackageLoader, select_autoescape

from .config import PROJECT_ROOT, check_production_safety, load_config
from .database import db
from .logs import configure_logging

csrf = CSRFProtect()


def create_core_app(overrides: dict | None = None) -> Flask:
    """The app with the core's own pages (home, sign-in, accounts, admin, audit, messages), before any feature."""
    app = Flask(
        __name__,
        static_folder=str(PROJECT_ROOT / "static"),
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    app.config.update(load_config())
    if overrides:
        app.config.update(overrides)
    check_production_safety(app.config)
    configure_logging()

    from .params import IdConverter
    app.url_map.converters["int"] = IdConverter  # before any route is added: every id in a path is bounded
    _configure_templates(app)
    db.init_app(app)
    csrf.init_app(app)

    from .accounts.sessions import login_manager
    login_manager.init_app(app)

    from .security import init_security
    init_security(app)

    from . import audit_views, cli, outbox_views, views
    from .accounts import admin_views
    from .accounts import views as account_views
    app.register_blueprint(views.bp)
    app.register_blueprint(account_views.bp)
    app.register_blueprint(admin_views.bp)
    app.register_blueprint(audit_views.bp)
    app.register_blueprint(outbox_views.bp)
    for command in cli.COMMANDS:
        app.cli.add_command(command)

    return app


def _configure_templates(app: Flask) -> None:
    # The NHS.UK macros expect ChainableUndefined (params.a.b on missing keys).
    app.jinja_env.undefined = ChainableUndefined
    # Flask escapes only .html-like names; the NHS.UK components are .jinja files and would otherwise put
    # what people typed (a name in the header, say) into the page as raw HTML.
    app.jinja_env.autoescape = select_autoescape(("html", "htm", "xml", "xhtml", "svg", "jinja"),
                                                 default_for_string=True)
    app.jinja_env.loader = ChoiceLoader([
        FileSystemLoader(str(PROJECT_ROOT / "templates")),
        PackageLoader("nhsuk_frontend_jinja", "templates"),
    ])
    from .templating import init_templating
    init_templating(app)
