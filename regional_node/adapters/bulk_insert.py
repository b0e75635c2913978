"""Fast bulk inserts for imports and seeding, inside the caller's transaction.

Primary keys are allocated up front, so rows go in without ``RETURNING``: SQLite can only
return keys in parameter order by inserting one row per statement, which is 20x slower.
PostgreSQL takes the rows through ``COPY`` (binary); SQLite through multi-row ``INSERT …
VALUES (…), (…)`` statements of up to 32766 parameters each: SQLite then inserts thousands of
rows per step without the GIL, so other Python work goes on meanwhile (one row per step would
hand the GIL back and forth for every row). Values are converted column by column with the
bind processors SQLAlchemy would use, so stored values are identical to an ORM insert's.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, cast

import asyncpg
from sqlalchemy import JSON, Column, Date, DateTime, Table, func, insert, select, text
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from regional_node.errors import Conflict

Processor = Callable[[Any], Any] | None
# Host parameters per SQLite statement (32766 since SQLite 3.32, 999 before).
SQLITE_MAX_VARIABLES = 32766 if sqlite3.sqlite_version_info >= (3, 32) else 999


async def allocate_ids(session: AsyncSession, model: type[DeclarativeBase],
                       count: int) -> list[int]:
    """``count`` unused primary keys of ``model``'s table (its integer ``id``), ascending.

    PostgreSQL draws them from the column's sequence, which is safe under concurrency. On
    SQLite the node's writers hold the database write lock from their first statement
    (``BEGIN IMMEDIATE``), so the keys after the current maximum stay free until commit.
    """
    return (await allocate_id_sets(session, [(model, count)]))[0]


async def allocate_id_sets(session: AsyncSession,
                           wanted: Sequence[tuple[type[DeclarativeBase], int]]
                           ) -> list[list[int]]:
    """:func:`allocate_ids` for several tables; on PostgreSQL in one statement (one round
    trip), each table's keys from its own sequence as before."""
    found: list[list[int]] = [[] for _ in wanted]
    asked = [(index, _table(model), count) for index, (model, count) in enumerate(wanted)
             if count > 0]
    if not asked:
        return found
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        # one array per table, not one row per key; each sequence looked up once
        # (materialised), not once per key (that took 85 % of the statement's time)
        sequences = ", ".join(
            f"s{n} AS MATERIALIZED (SELECT pg_get_serial_sequence(:table{n}, 'id')::regclass"
            " AS id)" for n in range(len(asked)))
        arrays = ", ".join(
            f"(SELECT array_agg(nextval(s{n}.id)) FROM s{n}, generate_series(1, :count{n}))"
            for n in range(len(asked)))
        parameters: dict[str, Any] = {}
        for n, (_, table, count) in enumerate(asked):
            parameters[f"table{n}"], parameters[f"count{n}"] = table.name, count
        drawn = (await session.execute(text(f"WITH {sequences} SELECT {arrays}"),
                                       parameters)).one()
        for (index, _, _), keys in zip(asked, drawn, strict=True):
            found[index] = sorted(keys)
        return found
    for index, table, count in asked:
        top = (await session.execute(select(func.max(table.c.id)))).scalar_one_or_none() or 0
        found[index] = list(range(top + 1, top + 1 + count))
    return found


async def insert_rows(session: AsyncSession, model: type[DeclarativeBase],
                      rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``model``'s table."""
    if rows:
        columns = list(rows[0])
        await _insert(session, _table(model), columns,
                      [list(map(itemgetter(name), rows)) for name in columns])


async def insert_tuples(session: AsyncSession, model: type[DeclarativeBase],
                        columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` (values in the order of ``columns``) into ``model``'s table."""
    if not rows:
        return
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await send_copy(session, copy_rows(model, columns, rows))
    else:
        await _insert(session, _table(model), list(columns), list(zip(*rows, strict=True)))


@dataclass(frozen=True, slots=True)
class CopyRows:
    """Rows converted for PostgreSQL's ``COPY`` (:func:`copy_rows`), ready to send."""

    table: str
    columns: tuple[str, ...]
    records: Sequence[Sequence[Any]]


def copy_rows(model: type[DeclarativeBase], columns: Sequence[str],
              rows: Sequence[Sequence[Any]]) -> CopyRows:
    """``rows`` (values in the order of ``columns``) as :func:`send_copy` sends them to
    PostgreSQL: the same records :func:`insert_tuples` sends. No database work: a caller may
    prepare the next rows while the server works on a previous statement."""
    return _copy_rows(_table(model), columns, rows)


def _copy_rows(table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
               ) -> CopyRows:
    names = tuple(columns)
    processors = [_copy_processor(table.c[name]) for name in names]
    if all(process is None for process in processors):
        return CopyRows(table.name, names, rows)
    values = [column if process is None else list(map(process, column))
              for column, process in zip(zip(*rows, strict=True), processors, strict=True)]
    return CopyRows(table.name, names, list(zip(*values, strict=True)))


async def send_copy(session: AsyncSession, rows: CopyRows) -> None:
    """``COPY`` rows prepared by :func:`copy_rows` into their table (PostgreSQL), in the
    session's transaction."""
    if not rows.records:
        return
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    if not driver.is_in_transaction():  # type: ignore[union-attr]
        # the driver begins lazily: make sure COPY joins the caller's transaction
        await session.execute(text("SELECT 1"))
    try:
        await driver.copy_records_to_table(  # type: ignore[union-attr]
            rows.table, records=rows.records, columns=rows.columns)
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise Conflict(f"the change conflicts with stored data: {exc}") from exc


async def _insert(session: AsyncSession, table: Table, columns: list[str],
                  values: Sequence[Sequence[Any]]) -> None:
    """Insert the rows whose values ``values`` holds column by column."""
    connection = await session.connection()
    dialect = connection.dialect
    count = len(values[0])
    if dialect.name == "postgresql":
        await send_copy(session, _copy_rows(table, columns, list(zip(*values, strict=True))))
    elif dialect.paramstyle == "qmark":
        width = len(columns)
        flat: list[Any] = [None] * (count * width)  # row after row, as VALUES wants them
        for offset, column in enumerate(_converted(table, columns, values, functools.partial(
                _bind_processor, dialect))):
            flat[offset::width] = column
        quote = dialect.identifier_preparer.quote
        head = f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, columns))}) VALUES "
        group = f"({', '.join('?' * width)})"
        per_statement = max(1, SQLITE_MAX_VARIABLES // width)
        for start in range(0, count, per_statement):
            size = min(per_statement, count - start)
            try:
                await connection.exec_driver_sql(
                    head + ", ".join([group] * size),
                    tuple(flat[start * width:(start + size) * width]))
            except IntegrityError as exc:
                raise Conflict("the change conflicts with stored data: "
                               f"{str(exc.orig).splitlines()[0]}") from exc
    else:
        await session.execute(insert(table), [dict(zip(columns, row, strict=True))
                                              for row in zip(*values, strict=True)])


def _converted(table: Table, columns: list[str], values: Sequence[Sequence[Any]],
               processor_for: Callable[[Column[Any]], Processor]) -> list[Sequence[Any]]:
    """Each column's values, converted for the driver."""
    converted: list[Sequence[Any]] = []
    for name, column in zip(columns, values, strict=True):
        process = processor_for(table.c[name])
        converted.append(column if process is None else list(map(process, column)))
    return converted


def _bind_processor(dialect: Dialect, column: Column[Any]) -> Processor:
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if process is not None and isinstance(column.type, Date | DateTime):
        return functools.lru_cache(maxsize=None)(process)  # dates repeat a lot
    return process


def _copy_processor(column: Column[Any]) -> Processor:
    return _json if isinstance(column.type, JSON) else None


def _table(model: type[DeclarativeBase]) -> Table:
    return cast(Table, model.__table__)


def _json(value: Any) -> str | None:
    if value is None:
        return None
    if value.__class__ is list and all(item.__class__ is str for item in value):
        key = tuple(value)  # texts only: 1, 1.0 and True would be one key
        text = _JSON_OF_TEXTS.get(key)
        if text is None:
            text = json.dumps(value)
            if len(_JSON_OF_TEXTS) < 4_096:
                _JSON_OF_TEXTS[key] = text
        return text
    return json.dumps(value)


# lists of texts (assets, an audit entry's attachments: mostly empty) repeat across rows
_JSON_OF_TEXTS: dict[tuple[str, ...], str] = {}
