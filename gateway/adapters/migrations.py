"""Run the gateway's Alembic migrations programmatically (no alembic.ini at run time)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from gateway.adapters.database import Database

VERSION_TABLE = "gateway_alembic_version"  # not the node's: a mix-up of URLs shows at once


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", "gateway:migrations")
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(
        connection, opts={"version_table": VERSION_TABLE}).get_current_revision()


async def upgrade(database: Database) -> None:
    async with database.write_engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def current_revision(database: Database) -> str | None:
    async with database.read_engine.connect() as connection:
        return await connection.run_sync(_current)
