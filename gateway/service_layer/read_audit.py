"""Audit of reads at the gateway (UU PDP 27/2022): which person's or household's data a
national or partner user read through the gateway, and every NIK looked up, by anyone.

Written to the gateway's own hash chain (``gateway_audit_entry``, the chain of the inbox
work), in one transaction per operation, before the response leaves: ``siks gateway audit``
style verification covers reads too. One entry per record read (action ``read``, entity
``household``/``member``, its global id ``32.73:123``); one per NIK looked up (action
``read.nik_lookup``, entity id the masked NIK; ``detail.nikKey`` is the NIK directory's keyed
hash, which binds the NIK without storing it). Each entry's attachments name the operation:
``operation:<name>`` and ``query:<sha256>``; actor and role are the token's subject and role.
The nodes audit the same reads in their own chains (the gateway's token names the user).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from gateway.adapters.database import Database
from gateway.federation.directory import NikDirectoryKey
from gateway.inbox.audit import AuditNote, append
from schema.identity_numbers import mask_number
from schema.roles import Principal

READ = "read"
NIK_LOOKUP = "read.nik_lookup"


def operation_refs(operation_name: str | None, query: str | None) -> tuple[str, str]:
    digest = hashlib.sha256((query or "").encode("utf-8")).hexdigest()
    return f"operation:{operation_name or '(anonymous)'}", f"query:{digest}"


def _nik_key(directory_key: NikDirectoryKey, nik: str) -> str:
    """The directory's key of the NIK (an attempt with any text at all is audited too)."""
    return hmac.new(directory_key.secret, nik.encode("utf-8"), hashlib.sha256).hexdigest()


async def record_reads(database: Database, directory_key: NikDirectoryKey, principal: Principal,
                       entities: Iterable[tuple[str, str]], nik_lookups: Iterable[str], *,
                       operation_name: str | None, query: str | None) -> int:
    """Append the entries in one transaction; returns how many were written."""
    refs = operation_refs(operation_name, query)
    actor, role = principal.user_id, principal.role.value
    notes = [AuditNote(actor, READ, entity_type, entity_id, {}, role, refs)
             for entity_type, entity_id in entities]
    notes += [AuditNote(actor, NIK_LOOKUP, "nik", mask_number(nik),
                        {"nikKey": _nik_key(directory_key, nik)}, role, refs)
              for nik in nik_lookups]
    if notes:
        async with database.writer() as session, session.begin():
            await append(session, notes)
    return len(notes)
