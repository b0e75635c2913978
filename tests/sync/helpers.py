"""Shared pieces of the sync tests: a national PKI made at a fixed time, records, signed
envelopes, and what the gateway holds."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from certs.authority import CertificateAuthority
from certs.envelope import make_header, sign_envelope
from certs.identity import Identity
from certs.signing import SigningCredentials
from certs.trust import CertificateStore
from gateway.adapters.database import Database as GatewayDatabase
from gateway.adapters.orm import GatewayAuditEntry, InboxReceipt, NationalRecord
from schema.identity_numbers import Sex, make_nik
from schema.regions import RegionLevel, parent_code, regions

ISSUED = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
NOW = ISSUED + timedelta(days=1)
BANDUNG = Identity.region("32.73")
KAB_BANDUNG = Identity.region("32.04")
SURABAYA = Identity.region("35.78")
GATEWAY = Identity.gateway()


@dataclass
class Pki:
    authority: CertificateAuthority

    @property
    def root(self) -> Path:
        return self.authority.layout.root

    def credentials(self, holder: Identity) -> SigningCredentials:
        return SigningCredentials.load(self.root, holder)

    def store(self) -> CertificateStore:
        return CertificateStore.load(self.root)


def new_pki(directory: Path, issued: datetime = ISSUED) -> Pki:
    authority = CertificateAuthority.create(directory, now=issued - timedelta(days=1))
    for holder in (BANDUNG, KAB_BANDUNG, SURABAYA, GATEWAY):
        authority.issue(holder, now=issued)
    return Pki(authority)


_DESA: dict[str, list[str]] = {}


def desas(region: str) -> list[str]:
    if region not in _DESA:
        _DESA[region] = [r.code for r in regions().descendants(region, RegionLevel.DESA)][:20]
    return _DESA[region]


def nik_in(desa: str, i: int) -> str:
    """A valid NIK (schema.identity_numbers) registered in ``desa``'s kecamatan, one per ``i``."""
    born = date(1960, 1, 1) + timedelta(days=i // 9999)
    return make_nik(parent_code(desa) or desa, born, Sex.FEMALE if i % 2 else Sex.MALE,
                    i % 9999 + 1)


def make_records(region: str, count: int, prefix: str = "r") -> list[dict[str, Any]]:
    codes = desas(region)
    records = []
    for i in range(count):
        desa = codes[i % len(codes)]
        nik = nik_in(desa, i)
        records.append({"id": f"{prefix}-{i:06d}", "kind": "NEW_HOUSEHOLD", "desa_code": desa,
                        "details": {"household": {"kk_number": f"{i:016d}",
                                                  "members": [{"nik": nik,
                                                               "name": f"Warga {i}"}]}},
                        "niks": [nik]})
    return records


def signed(credentials: SigningCredentials, records: list[dict[str, Any]], *,
           at: datetime = NOW, message_id: str | None = None, action: str = "submit",
           embed: bool = True) -> dict[str, Any]:
    header = make_header(action=action, sender_id=credentials.holder.id, receiver_id="gateway",
                         total_count=len(records), message_id=message_id, message_ts=at)
    return sign_envelope(header, {"records": records}, credentials.private_key,
                         credentials.kid, certificate=credentials.certificate if embed else None)


def as_bytes(envelope: dict[str, Any]) -> bytes:
    return json.dumps(envelope).encode()


async def stored_counts(database: GatewayDatabase) -> tuple[int, int]:
    """Receipts and records, read in one statement: one snapshot even on PostgreSQL's READ
    COMMITTED, where two statements may straddle a concurrent commit."""
    receipts = select(func.count()).select_from(InboxReceipt).scalar_subquery()
    records = select(func.count()).select_from(NationalRecord).scalar_subquery()
    async with database.reader() as session:
        row = (await session.execute(select(receipts, records))).one()
    return int(row[0]), int(row[1])


async def settled_counts(database: GatewayDatabase, expected: tuple[int, int],
                         within_s: float = 15.0) -> tuple[int, int]:
    """:func:`stored_counts` once they equal ``expected``, or as they are after ``within_s``:
    a gateway whose answer was lost (or timed out) may still be committing the message."""
    import asyncio
    import time

    deadline = time.monotonic() + within_s
    for _ in range(int(within_s * 10) + 1):
        found = await stored_counts(database)
        if found == expected or time.monotonic() >= deadline:
            return found
        await asyncio.sleep(0.1)
    return found


async def gateway_audit(database: GatewayDatabase) -> list[GatewayAuditEntry]:
    async with database.reader() as session:
        return list((await session.execute(select(GatewayAuditEntry)
                                           .order_by(GatewayAuditEntry.seq))).scalars())
