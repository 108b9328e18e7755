"""The schema's revisions, oldest first: 0001 is the schema as first released, before Alembic."""
