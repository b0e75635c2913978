"""The gateway's storage: the shared engine setup (SQLite embedded default, PostgreSQL)."""

from service_kit.database import Database, async_url, open_database

__all__ = ["Database", "async_url", "open_database"]
