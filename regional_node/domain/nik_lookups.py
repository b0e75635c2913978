"""A batch of NIKs looked up in one operation (a partner's ``crossCheck``), as the audit chain
binds it: one entry (action ``read.nik_lookups``) whose after-digest is :func:`batch_digest`
of the batch's rows in ``audit_nik_lookup``, each ``(masked NIK, nik_digest(NIK))``.

:func:`nik_digest` is the after-digest a single lookup's entry (``read.nik_lookup``) carries,
so one search by digest finds a NIK's lookups of either kind."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from schema.audit_chain import canonical_json

NIK_LOOKUP = "read.nik_lookup"  # one NIK: one entry
NIK_LOOKUPS = "read.nik_lookups"  # a batch: one entry, its NIKs in audit_nik_lookup


def nik_digest(nik: str) -> str:
    """The SHA-256 of ``{"nik": NIK}`` as canonical JSON (a NIK of digits is written straight
    into its canonical form: the same bytes)."""
    if nik.isascii() and nik.isdigit():
        return hashlib.sha256(b'{"nik":"' + nik.encode("ascii") + b'"}').hexdigest()
    return hashlib.sha256(canonical_json({"nik": nik})).hexdigest()


def batch_digest(rows: Iterable[tuple[str, str]]) -> str:
    """The after-digest of a batch's entry: SHA-256 of the canonical JSON of
    ``{"niks": [[masked NIK, NIK digest], ...]}``, in the order asked."""
    return hashlib.sha256(canonical_json({"niks": [list(row) for row in rows]})).hexdigest()
