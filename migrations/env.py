"""Alembic environment: migrations run against the app's DATABASE_URL."""
from __future__ import annotations

from alembic import context

import consult.models  # noqa: F401,E402  (and every feature's)
import directory.models  # noqa: F401,E402
import formulations.models  # noqa: F401,E402
import governance.models  # noqa: F401,E402
import library.models  # noqa: F401,E402
import reach.board  # noqa: F401,E402
import reach.sets  # noqa: F401,E402
import reach.snapshots  # noqa: F401,E402
import rota.models  # noqa: F401,E402
import supervision.models  # noqa: F401,E402
import supervision.one_to_one.models  # noqa: F401,E402
from core.config import load_config
from core.database import UTCDateTime, make_engine
from core.models import Base  # noqa: F401  (imports every core model onto the metadata)
from core.search import include_in_comparison

config = context.config
target_metadata = Base.metadata


def render_item(type_, obj, autogen_context):
    # Migrations must not depend on app code that may change: write the plain type.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _sqlite_foreign_keys(connection, on: bool) -> None:
    """Batch mode rebuilds a SQLite table by copying it and dropping the old one; with foreign keys enforced, that
    DROP deletes every row whose ON DELETE CASCADE points at it (a consultation's messages, calls, surveys). The
    pragma has no effect inside a transaction, so it goes to the driver's connection, which is in autocommit."""
    if connection.dialect.name == "sqlite":
        connection.connection.driver_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _check_foreign_keys(connection) -> None:
    if connection.dialect.name == "sqlite":
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        connection.rollback()
        if broken:
            raise RuntimeError(f"The migration left rows pointing at nothing: {broken[:10]}")


def run_migrations_online() -> None:
    url = config.attributes.get("database_url") or load_config()["DATABASE_URL"]
    engine = make_engine(url)
    with engine.connect() as connection:
        _sqlite_foreign_keys(connection, on=False)
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            render_item=render_item,
            include_object=include_in_comparison,
        )
        with context.begin_transaction():
            context.run_migrations()
        _check_foreign_keys(connection)
        _sqlite_foreign_keys(connection, on=True)
    engine.dispose()


run_migrations_online()
