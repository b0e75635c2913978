"""Probes of a unique index on SQLite, run on the calling (event loop's) thread.

A primary-key probe reads a few cached pages in ~20 µs; handing it to a worker thread, as
every other SQLite call here is handed (``Database.run_sync``, aiosqlite), costs ~50 times
that, and under load more than a millisecond (the NIK directory's look-up on every person
lookup). So a probe runs where it is asked, over one connection kept for probes, in
autocommit (one statement: its own read snapshot in WAL mode) with ``query_only`` set.

It never waits: ``busy_timeout`` is 0, and a probe that finds the database busy (rare in WAL
mode: a reader waits only while a checkpoint resets the log or recovery runs) raises
:class:`ProbeBusy`, and the caller runs it the usual way, on a worker thread that may wait.
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import make_url

_DIALECT = sqlite_dialect.dialect(paramstyle="named")
_BUSY_CODES = (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED (extended codes keep them in the low byte)


def _is_busy(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _BUSY_CODES
    return "locked" in str(error) or "busy" in str(error)


class ProbeBusy(Exception):
    """The database was busy; run the probe on a thread that may wait."""


class SqliteProbe:
    def __init__(self, url: str) -> None:
        self._path = make_url(url).database or ""
        self._connection: sqlite3.Connection | None = None
        self._sql: weakref.WeakKeyDictionary[Select[Any], str] = weakref.WeakKeyDictionary()

    def first_value(self, statement: Select[Any], parameters: Mapping[str, Any]) -> Any:
        """The first column of the first row (None: no row). ``statement`` takes its values
        from ``bindparam``s named in ``parameters``; it is compiled once."""
        sql = self._sql.get(statement)
        if sql is None:
            sql = self._sql[statement] = str(statement.compile(dialect=_DIALECT))
        try:
            cursor = self._open().execute(sql, parameters)
            try:
                row = cursor.fetchone()
            finally:
                cursor.close()  # ends the statement's read snapshot now
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                raise ProbeBusy(str(exc)) from exc
            raise
        return None if row is None else row[0]

    def _open(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = sqlite3.connect(self._path, isolation_level=None,
                                         check_same_thread=False)
            connection.execute("PRAGMA busy_timeout=0")
            connection.execute("PRAGMA query_only=ON")
            self._connection = connection
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
