"""The exported SDL and the migrations both match the code."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from regional_node.adapters.orm import Base
from regional_node.entrypoints.graphql.schema import exported_sdl, sdl


def test_exported_sdl_matches_the_code():
    assert exported_sdl() == sdl(), (
        "regional_node/schema.graphql is stale: run "
        "`siks node export-sdl --output regional_node/schema.graphql` and review the diff")


async def test_migrations_create_exactly_the_models(database):
    def differences(connection):  # type: ignore[no-untyped-def]
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)

    async with database.write_engine.connect() as connection:
        assert await connection.run_sync(differences) == []
