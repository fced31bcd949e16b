"""briefwatch storage: one SQLite file, schema by versioned sqlite-utils Migrations."""

from db.connect import open_db

__all__ = ["open_db"]
