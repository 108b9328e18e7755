"""Alembic's environment: migrate the connection `api.migrate` hands over in the config's
attributes, or, from the `alembic` command line, the database at `sqlalchemy.url` (else
DATABASE_URL). Online only: the API never migrates by SQL script."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy.engine import Connection

from api.db import Base, make_engine


def run(connection: Connection) -> None:
    # Batch mode: SQLite alters a table by copying it, which autogenerate then writes for us.
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("the planner's migrations run online only (no --sql)")
given = context.config.attributes.get("connection")
if given is not None:
    run(given)
else:
    url = context.config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("set sqlalchemy.url or DATABASE_URL to the database to migrate")
    engine = make_engine(url, pooled=False)
    try:
        with engine.begin() as conn:
            run(conn)
    finally:
        engine.dispose()
