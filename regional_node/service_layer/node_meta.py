"""Bind a database to the region it serves, once; refuse to serve another region from it."""

from __future__ import annotations

from sqlalchemy import select

from regional_node.adapters.database import Database
from regional_node.adapters.orm import NodeMeta
from regional_node.errors import ConfigError

REGION_KEY = "region"


async def bind_region(database: Database, region: str) -> None:
    async with database.writer() as session, session.begin():
        stored = await session.get(NodeMeta, REGION_KEY)
        if stored is None:
            session.add(NodeMeta(key=REGION_KEY, value=region))
        elif stored.value != region:
            raise ConfigError(f"this database belongs to region {stored.value}, not {region}")


async def bound_region(database: Database) -> str | None:
    async with database.reader() as session:
        return (await session.execute(
            select(NodeMeta.value).where(NodeMeta.key == REGION_KEY))).scalar_one_or_none()
