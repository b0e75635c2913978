"""Alembic environment: migrations run on a connection handed in by the node
(``regional_node.adapters.migrations``), on SQLite or PostgreSQL alike."""

from alembic import context

from regional_node.adapters.orm import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `siks node migrate`, which supplies a connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
