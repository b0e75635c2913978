"""The gateway's storage: its own database (SQLite or PostgreSQL) and migrations."""
