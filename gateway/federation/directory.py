"""The directory's keyed hash of NIKs (:mod:`schema.nik_directory_key`, shared with the nodes,
which hash their own NIKs with the same key to place a cross-region duplicate)."""

from __future__ import annotations

from schema.nik_directory_key import NikDirectoryKey

__all__ = ["NikDirectoryKey"]
