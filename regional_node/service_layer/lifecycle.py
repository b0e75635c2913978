"""Bringing a node's database up: migrate to the newest revision, bind it to its region."""

from __future__ import annotations

from regional_node.adapters.database import open_database
from regional_node.adapters.migrations import current_revision, upgrade
from regional_node.config import NodeConfig
from regional_node.service_layer.node_meta import bind_region


async def prepare_database(config: NodeConfig) -> str | None:
    database = open_database(config.db_url)
    try:
        await upgrade(database)
        await bind_region(database, config.region)
        return await current_revision(database)
    finally:
        await database.dispose()
