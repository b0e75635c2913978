"""Alembic environment: migrations run on a connection handed in by the gateway
(``gateway.adapters.migrations``), on SQLite or PostgreSQL alike."""

from alembic import context

from gateway.adapters.migrations import VERSION_TABLE
from gateway.adapters.orm import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `siks gateway migrate`, which supplies a connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    version_table=VERSION_TABLE,
)
with context.begin_transaction():
    context.run_migrations()
