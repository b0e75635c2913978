"""A partner's cross-check job (issue 19): a file of up to 1,000,000 NIKs checked like a
``crossCheck`` call, with progress and a result file to download once (docs/partners.md).

The file is text, one NIK per line (a first line ``nik`` is a header; blank lines and
spaces around a NIK are ignored). The first bad line refuses the whole file, named by its
line number; nothing is stored or asked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from enum import StrEnum

from schema.errors import InvalidInput, InvalidNik
from schema.identity_numbers import parse_nik

MAX_JOB_NIKS = 1_000_000
MAX_LINE_BYTES = 64  # a NIK, a CSV quote or two, a CR: far less
MAX_FILE_BYTES = MAX_JOB_NIKS * 18 + 4096  # 16 digits, CR LF, a header


class JobState(StrEnum):
    QUEUED = "QUEUED"  # stored, waiting for the gateway's job runner
    RUNNING = "RUNNING"
    DONE = "DONE"  # the result is ready for its one download
    DOWNLOADED = "DOWNLOADED"  # taken: the result is deleted
    EXPIRED = "EXPIRED"  # not taken in time: the result is deleted
    FAILED = "FAILED"  # the gateway could not finish it: send the file again


def too_many(count: int) -> InvalidInput:
    return InvalidInput(f"satu job paling banyak {MAX_JOB_NIKS:,} NIK / a job takes at most "
                        f"{MAX_JOB_NIKS:,} NIKs, not {count:,}+", reason="too_many",
                        field="file")


def parse_nik_file(text: str) -> list[str]:
    """The NIKs of an uploaded file, in order (duplicates kept: the result has a row per
    line)."""
    niks: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        value = line.strip().strip('"').strip()
        if not value or (number == 1 and value.lower() == "nik"):
            continue
        if len(niks) == MAX_JOB_NIKS:
            raise too_many(MAX_JOB_NIKS + 1)
        try:
            parse_nik(value)
        except InvalidNik as error:
            raise InvalidNik(f"baris {number} / line {number}: {error.message}",
                             reason=error.reason, field=f"line {number}") from None
        niks.append(value)
    if not niks:
        raise InvalidInput("berkas tidak berisi NIK / the file holds no NIK", reason="empty",
                           field="file")
    return niks


def digest_of(niks: Sequence[str]) -> str:
    """The SHA-256 of the list as sent (one NIK a line, LF, no header): the audit binds it."""
    return hashlib.sha256("\n".join(niks).encode("ascii")).hexdigest()
