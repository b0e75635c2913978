"""What a community report (usul, sanggah) is and where it stands: shared by the node, which
keeps reports, and the gateway, which relays the public's reports and receipt checks to the
node that owns the desa (docs/community-reports.md)."""

from __future__ import annotations

from enum import StrEnum


class ReportKind(StrEnum):
    USUL = "USUL"  # propose someone for aid
    SANGGAH = "SANGGAH"  # object to a recipient


class ReportStatus(StrEnum):
    OPEN = "OPEN"  # waiting for the desa's operator
    PROPOSED = "PROPOSED"  # a proposal (usulan) was opened from it; linked
    RESOLVED = "RESOLVED"  # handled, with a reason
    DISMISSED = "DISMISSED"  # unfounded, with a reason
    EXPIRED = "EXPIRED"  # a SANGGAH nobody acted on within its due period


REPORT_STATUS_TEXT = "Where a community report is; an OPEN sanggah expires 14 days after it arrived"
