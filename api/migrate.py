"""The database schema, by Alembic migrations shipped inside this package (`api/migrations`), so an
installed server migrates its database from any working directory.

`upgrade(engine)` brings a database to head when the server starts: a new one, one at an older
revision, or one made by `create_all` before migrations existed (no version table; revision 0001
is that schema and creates only the tables it lacks). On PostgreSQL an advisory lock makes
servers starting together migrate one after the other; its DDL is transactional, so a failed
upgrade leaves the database as it was.

For a new revision, change `api/db.py`, then (against a database at head):

    DATABASE_URL=sqlite:///planner.db .venv/bin/python -m api.migrate revision "what changed"

and read what autogenerate wrote into `api/migrations/versions/` before committing it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection

SCRIPTS = Path(__file__).resolve().with_name("migrations")
_PG_LOCK = 160_016  # any constant; the key of the advisory lock migrating servers take


def config(connection: Connection | None = None, url: str | None = None) -> Config:
    """Alembic's configuration without an alembic.ini: the scripts by absolute path."""
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS).replace("%", "%%"))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    found = ScriptDirectory.from_config(config()).get_current_head()
    assert found is not None
    return found


def current(engine: Engine) -> str | None:
    """The revision the database is at; None when it has no version table (new, or pre-Alembic)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
        command.upgrade(config(conn), revision)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        command.downgrade(config(conn), revision)


def main(argv: list[str]) -> None:
    """`python -m api.migrate upgrade [REV]` or `python -m api.migrate revision MESSAGE`, on DATABASE_URL."""
    import os

    from api.db import make_engine

    url = os.environ.get("DATABASE_URL") or "sqlite:///planner.db"
    if argv[:1] == ["upgrade"] and len(argv) <= 2:
        engine = make_engine(url, pooled=False)
        try:
            upgrade(engine, argv[1] if len(argv) == 2 else "head")
        finally:
            engine.dispose()
    elif argv[:1] == ["revision"] and len(argv) == 2:
        command.revision(config(url=url), message=argv[1], autogenerate=True)
    else:
        raise SystemExit("usage: python -m api.migrate upgrade [REVISION] | revision MESSAGE")


if __name__ == "__main__":
    main(sys.argv[1:])
