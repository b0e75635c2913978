"""Fast bulk inserts for imports and seeding, inside the caller's transaction.

Primary keys are allocated up front, so rows go in without ``RETURNING``: SQLite can only
return keys in parameter order by inserting one row per statement, which is 20x slower.
PostgreSQL takes the rows through ``COPY`` (binary), SQLite through one ``executemany``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import JSON, Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


async def allocate_ids(session: AsyncSession, model: type[DeclarativeBase],
                       count: int) -> list[int]:
    """``count`` unused primary keys of ``model``'s table (its integer ``id``), ascending.

    PostgreSQL draws them from the column's sequence, which is safe under concurrency. On
    SQLite the node's writers hold the database write lock from their first statement
    (``BEGIN IMMEDIATE``), so the keys after the current maximum stay free until commit.
    """
    if count <= 0:
        return []
    table = _table(model)
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        drawn = await session.execute(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                 "FROM generate_series(1, :count)"),
            {"table": table.name, "count": count})
        return sorted(drawn.scalars())
    top = (await session.execute(select(func.max(table.c.id)))).scalar_one_or_none() or 0
    return list(range(top + 1, top + 1 + count))


async def insert_rows(session: AsyncSession, model: type[DeclarativeBase],
                      rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``model``'s table."""
    if not rows:
        return
    table = _table(model)
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        await session.execute(insert(table), list(rows))
        return
    columns = list(rows[0])
    json_columns = {name for name in columns if isinstance(table.c[name].type, JSON)}
    records = [tuple(_json(row[name]) if name in json_columns else row[name]
                     for name in columns) for row in rows]
    driver = (await connection.get_raw_connection()).driver_connection
    if not driver.is_in_transaction():  # type: ignore[union-attr]
        # the driver begins lazily: make sure COPY joins the caller's transaction
        await session.execute(text("SELECT 1"))
    await driver.copy_records_to_table(  # type: ignore[union-attr]
        table.name, records=records, columns=columns)


def _table(model: type[DeclarativeBase]) -> Table:
    return cast(Table, model.__table__)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value)
