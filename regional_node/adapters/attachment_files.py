"""Content-addressed files under the node's data directory (house photos).

A file is stored once, at ``<root>/<first two hex digits>/<sha256><suffix>``, written to a
temporary name, flushed to disk and renamed into place, then made read-only. Storing the same
bytes again finds them there and writes nothing. The database row that names a file commits
after the file is on disk: a crash in between leaves an unreferenced file (harmless, the same
bytes are simply found again on retry), never a row without its file.

The Musdes minutes stay in the database (:mod:`regional_node.adapters.attachments`): they are
small and few. Photos are many and large, so they live as files, backed up with the data
directory.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from regional_node.adapters.attachments import sha256_of

HEX_DIGITS = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True)
class StoredFile:
    sha256: str
    path: Path
    created: bool  # False: the same bytes were already stored


class ContentAddressedFiles:
    def __init__(self, root: Path, suffix: str = "") -> None:
        self.root = root
        self.suffix = suffix

    def path_of(self, sha256: str) -> Path:
        if len(sha256) != 64 or not set(sha256) <= HEX_DIGITS:
            raise ValueError(f"{sha256!r} is not a SHA-256 in lowercase hex")
        return self.root / sha256[:2] / f"{sha256}{self.suffix}"

    def put(self, content: bytes) -> StoredFile:
        sha256 = sha256_of(content)
        path = self.path_of(sha256)
        if path.is_file() and sha256_of(path.read_bytes()) == sha256:
            return StoredFile(sha256, path, created=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o444)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _fsync_directory(path.parent)
        return StoredFile(sha256, path, created=True)

    def get(self, sha256: str) -> bytes | None:
        path = self.path_of(sha256)
        return path.read_bytes() if path.is_file() else None


def _fsync_directory(directory: Path) -> None:
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # not possible on every platform; the rename is still atomic
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
