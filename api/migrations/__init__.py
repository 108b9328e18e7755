"""Alembic's script directory for the API's database: `env.py` and the revisions in `versions/`.
Run them with `api.migrate` (the server upgrades to head when it starts)."""
