"""Suspended aid, counted for the command line (``siks node match-nik``, ``siks node
status``): one bilingual line."""

from __future__ import annotations

from regional_node.adapters.database import Database
from regional_node.adapters.suspension_queries import suspended_by_reason


async def suspension_line(database: Database) -> str:
    """``bantuan ditangguhkan: 3 dari 120 keanggotaan aktif / aid suspended: 3 of 120 active
    memberships (DECEASED 1, NIK_MISMATCH 2)``."""
    async with database.reader() as session:
        active, by_reason = await suspended_by_reason(session)
    suspended = sum(by_reason.values())
    reasons = ", ".join(f"{reason} {count}" for reason, count in by_reason.items())
    return (f"bantuan ditangguhkan: {suspended} dari {active} keanggotaan aktif / aid "
            f"suspended: {suspended} of {active} active memberships"
            + (f" ({reasons})" if reasons else ""))
