"""The role × field policy: ONE table, as data, that the node and the gateway both enforce.

For each role: which rows it sees (:class:`RowScope`), and for every field of every GraphQL
type — queries, objects and (from issue 3 on) mutations — whether the role gets the value
(FULL), a masked value (MASKED, with the :class:`~schema.masking.MaskKind` of the field) or
null plus an error ``extensions.code = FORBIDDEN_FIELD`` (DENIED). A field missing from the
table is a failing test, never an open door. ``python -m schema.policy --markdown`` prints
the table for ``docs/security.md``.

Conventions the tests hold the table to: a field that any role may be DENIED is nullable in
the SDL (so a denial nulls only that field); MASKED applies to String fields only and names a
mask kind; every field is FULL for at least one role; a mutation is FULL or DENIED, never
MASKED.

Aggregates and filters are data too: each filter of a household list tests a field of this
table (:data:`LIST_FILTERS`) and each grouping of a count a ``HouseholdCount`` key
(:data:`COUNT_KEYS`); who may use them, and the small-cell suppression of the roles whose
``RolePolicy`` says so, follow from the table (``schema.disclosure``).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from schema.masking import MaskKind
from schema.roles import Role


class Access(StrEnum):
    FULL = "FULL"
    MASKED = "MASKED"
    DENIED = "DENIED"


class RowScope(StrEnum):
    REGION = "REGION"  # rows inside the principal's region (a desa, kecamatan, kab/kota, …)
    REGION_OR_ASSIGNED = "REGION_OR_ASSIGNED"  # its assigned families if any, else its region
    NATIONAL = "NATIONAL"  # every row (narrowed to a region when the principal has one)
    PUBLIC_SEARCH = "PUBLIC_SEARCH"  # every row, but lists only as a search: region + name


#: Aggregates seen by a role with ``small_cells_withheld`` leave out every cell of fewer
#: households than this (DESIGN.md: "fewer than 10 households").
SMALL_CELL_HOUSEHOLDS = 10


@dataclass(frozen=True, slots=True)
class RolePolicy:
    rows: RowScope
    needs_region: bool  # a principal of this role without a region is refused
    programs_limited: bool  # program memberships limited to the principal's programs
    audited_reads: bool  # every read of personal data is written to the audit log
    small_cells_withheld: bool  # counts leave out cells of < SMALL_CELL_HOUSEHOLDS households
    who: str


# The roles a person can hold; SYSTEM (the node's own jobs) never reaches the API.
ROLES: tuple[Role, ...] = (Role.OPERATOR_DESA, Role.PENDAMPING, Role.DINSOS, Role.KEMENSOS,
                           Role.MITRA, Role.PUBLIC)

# Staff (the region's keepers of the data, and Kemensos) count exactly; the others see
# aggregates with small cells withheld (a test holds this to "may read a household row").
ROLE_POLICIES: Mapping[Role, RolePolicy] = {
    Role.OPERATOR_DESA: RolePolicy(RowScope.REGION, True, False, False, False,
                                   "village operator; scope: a desa"),
    Role.PENDAMPING: RolePolicy(RowScope.REGION_OR_ASSIGNED, True, False, False, False,
                                "social facilitator; scope: a kecamatan or assigned families"),
    Role.DINSOS: RolePolicy(RowScope.REGION, True, False, False, False,
                            "Dinas Sosial; scope: a kab/kota (or a province)"),
    Role.KEMENSOS: RolePolicy(RowScope.NATIONAL, False, False, True, False,
                              "Ministry of Social Affairs; national"),
    Role.MITRA: RolePolicy(RowScope.NATIONAL, False, True, True, True,
                           "partner ministry; cross-check only: is a NIK in DTKS, which programs"),
    Role.PUBLIC: RolePolicy(RowScope.PUBLIC_SEARCH, False, False, False, True,
                            "anyone without a token (cekbansos)"),
}


@dataclass(frozen=True, slots=True)
class FieldRule:
    """Access per role, in the order of :data:`ROLES`, and the mask kind when any is MASKED."""

    access: tuple[Access, ...]
    mask: MaskKind | None = None

    def for_role(self, role: Role) -> Access:
        try:
            return self.access[ROLES.index(role)]
        except ValueError:
            return Access.DENIED  # SYSTEM or an unknown role: nothing


F, M, D = Access.FULL, Access.MASKED, Access.DENIED


def rule(operator_desa: Access, pendamping: Access, dinsos: Access, kemensos: Access,
         mitra: Access, public: Access, mask: MaskKind | None = None) -> FieldRule:
    return FieldRule((operator_desa, pendamping, dinsos, kemensos, mitra, public), mask)


OPEN = rule(F, F, F, F, F, F)
STAFF = rule(F, F, F, F, D, D)  # the region's staff and Kemensos
STAFF_AND_PUBLIC = rule(F, F, F, F, D, F)  # cekbansos results: where, and the aid status
STAFF_AND_MITRA = rule(F, F, F, F, F, D)  # the path to a person's programs
NATIONAL_OPS = rule(D, D, D, F, D, D)  # the gateway's operations: Kemensos only
PARTNER_CHECK = rule(D, D, D, F, F, D)  # the cross-check: partner ministries and Kemensos
TARGETING = rule(D, D, F, F, D, F)  # targeting indicators: Dinas Sosial, Kemensos, the public

FIELD_POLICY: Mapping[str, Mapping[str, FieldRule]] = {
    "Query": {
        "node": OPEN,
        "households": STAFF_AND_PUBLIC,
        "household": STAFF,
        "person": STAFF_AND_MITRA,
        "householdCounts": OPEN,
        "proposals": STAFF,
        "proposal": STAFF,
        "notifications": STAFF,
        # community reports (usul / sanggah): the inbox for staff, the receipt for anyone
        "communityReports": STAFF,
        "communityReport": STAFF,
        "communityReportReceipt": OPEN,
        # field verification and verivali: house coordinates and photos, region staff and
        # Kemensos only (the node narrows rows to the principal's scope)
        "verivaliPeriods": STAFF,
        "verivaliCoverage": STAFF,
        "fieldVerifications": STAFF,
        # the signed-submission backlog of the node (docs/sync.md): who approves, and Kemensos
        "outbox": rule(D, D, F, F, D, D),
        # gateway only: the node registry and its health (URLs, errors, certificates)
        "nodes": NATIONAL_OPS,
        # gateway only: what the nodes sent up and what Kemensos decided (docs/gateway.md)
        "nationalRecords": NATIONAL_OPS,
        "nationalRecordSummary": NATIONAL_OPS,
        # gateway only: cross-region duplicates of the NIK directory (docs/duplicates.md)
        "crossRegionDuplicates": NATIONAL_OPS,
        # suspended aid (docs/suspension.md): the region's staff, who fix the data, and
        # Kemensos; a partner or the public learns nothing of a person's Dukcapil status
        "suspendedMemberships": STAFF,
        "suspensionSummary": STAFF,
        # warnings kept with households (docs/import.md): the region's staff and Kemensos
        "householdWarnings": STAFF,
        "warningSummary": STAFF,
        # data quality (docs/import.md): per region for the staff; the imports for those
        # who import (Dinas Sosial) and Kemensos
        "dataQuality": STAFF,
        "importQuality": rule(D, D, F, F, D, D),
        # the node's user accounts in the kab/kota (docs/web.md, "Dinas Sosial")
        "users": rule(D, D, F, D, D, D),
        # what a DIPA is computed from (docs/dipa.md): per node, and combined at the gateway
        "benefitCounts": NATIONAL_OPS,
        "dipa": NATIONAL_OPS,
        "benefitCatalogue": NATIONAL_OPS,
        # poverty pockets (docs/pockets.md): kab/kota hot spots at the gateway for Kemensos;
        # clusters of poor households at the node for the region's Dinas Sosial only
        "povertyPockets": NATIONAL_OPS,
        "householdClusters": rule(D, D, F, D, D, D),
        # gateway only: cekbansos, the public chooses its desa by name (the Kemendagri table)
        "provinces": OPEN,
        "kabkotas": OPEN,
        "kecamatans": OPEN,
        "desas": OPEN,
        # a partner's batch cross-check (docs/gateway.md): in DTKS or not, a desil band, the
        # programs; never a name, an address or a birth date
        "crossCheck": PARTNER_CHECK,
        # the double-benefit overlap report (docs/partners.md): counts per region, Kemensos
        "benefitOverlaps": NATIONAL_OPS,
        # the PMT model that scores the households (docs/pmt.md): the region's staff and
        # Kemensos, like the scores
        "pmtModel": STAFF,
        # targeting error indicators (docs/targeting.md): Dinas Sosial of the region and
        # Kemensos; at the gateway the public too, at kab/kota level and above only, with
        # small counts withheld (the node never serves the public)
        "targetingIndicators": TARGETING,
        # node only: counts of scores per bucket for the national deciles (docs/deciles.md);
        # the node answers the gateway's service identity alone
        "scoreHistogram": NATIONAL_OPS,
        # gateway only: the latest national cut points and each kab/kota's spread
        "nationalDeciles": NATIONAL_OPS,
    },
    # Mutations: FULL or DENIED per role. The proposal ones mirror the transition table of
    # regional_node/domain/proposals.py (a test there holds them equal); the node still
    # checks role, region scope and state on every call.
    "Mutation": {
        "createProposal": rule(F, F, D, D, D, D),  # pendamping: graduation only
        "submitProposal": rule(F, F, D, D, D, D),
        "resubmitProposal": rule(F, F, D, D, D, D),
        "verifyProposal": rule(D, F, D, D, D, D),
        "rejectProposal": rule(D, F, F, D, D, D),
        "approveProposal": rule(D, D, F, D, D, D),
        # a returned change that could not be undone: Dinas Sosial reviews, then closes
        "closeHouseholdReview": rule(D, D, F, D, D, D),
        # gateway only: national decisions, signed by the gateway (Kemensos)
        "determineRecords": NATIONAL_OPS,
        "returnRecords": NATIONAL_OPS,
        "uploadAttachment": rule(F, F, F, D, D, D),
        "markNotificationRead": rule(F, F, F, F, D, D),
        # community reports: anyone may send one (rate-limited per address when anonymous);
        # the desa's operator acts on it (a pendamping may open a graduation from a sanggah)
        "submitUsul": OPEN,
        "submitSanggah": OPEN,
        "proposeFromCommunityReport": rule(F, F, D, D, D, D),
        "resolveCommunityReport": rule(F, D, F, D, D, D),
        "dismissCommunityReport": rule(F, D, F, D, D, D),
        # the offline module: a desa work package out (audited), filled work back in
        "exportOfflinePackage": rule(F, F, F, D, D, D),
        "importOfflinePackage": rule(F, F, D, D, D, D),
        # field verification: the pendamping records the visit; Dinas Sosial defines periods
        "recordFieldVerification": rule(D, F, D, D, D, D),
        "createVerivaliPeriod": rule(D, D, F, D, D, D),
        "resolveHouseholdWarning": rule(D, D, F, D, D, D),
        # an operator's or a pendamping's login on or off, in the kab/kota (audited)
        "setUserActive": rule(D, D, F, D, D, D),
    },
    "NodeInfo": {"region": OPEN, "regionName": OPEN, "schemaVersion": OPEN},
    "HouseholdConnection": {"edges": OPEN, "pageInfo": OPEN, "totalCount": OPEN},
    "HouseholdEdge": {"cursor": OPEN, "node": OPEN},
    "PageInfo": {"hasNextPage": OPEN, "endCursor": OPEN, "startCursor": OPEN},
    # The keys of a count are fields too: a role may group or filter counts only by keys it
    # may read (schema.disclosure). Below kab/kota and by desil: staff only, as in the rows.
    "HouseholdCount": {
        "kecamatanCode": STAFF,
        "desaCode": STAFF,
        "status": OPEN,
        "program": OPEN,
        "desil": STAFF,
        "households": OPEN,
        "members": OPEN,
        # gateway only: the province and kab/kota of a group, and when it was counted
        "provinceCode": OPEN,
        "kabkotaCode": OPEN,
        "asOf": OPEN,
    },
    "Household": {
        "id": STAFF,
        "kkNumber": rule(F, M, F, F, D, D, MaskKind.NUMBER),
        "desaCode": STAFF_AND_PUBLIC,
        "desaName": STAFF_AND_PUBLIC,
        "kecamatanCode": STAFF_AND_PUBLIC,
        "kecamatanName": STAFF_AND_PUBLIC,
        "address": STAFF,
        "latitude": STAFF,
        "longitude": STAFF,
        "housing": STAFF,
        "assets": STAFF,
        "desil": STAFF,
        "status": OPEN,
        "inactiveReason": STAFF,
        "version": STAFF,
        "createdAt": STAFF,
        "updatedAt": STAFF,
        "members": STAFF,
        "head": STAFF_AND_PUBLIC,
        "programs": OPEN,
        "region": STAFF_AND_PUBLIC,  # gateway only: the kab/kota whose node holds it
        # the decree of the latest determined proposal on it (node, and through the gateway)
        "decree": STAFF,
        "review": STAFF,  # node only: a returned change to review (docs/update-cycle.md)
        # node only: the proxy means test (docs/pmt.md); never a partner or the public
        "pmtScore": STAFF,
    },
    "HouseholdReview": {"reason": STAFF, "proposalId": STAFF},
    "PmtScore": {name: STAFF for name in ("score", "modelVersion", "computedAt")},
    "PmtModel": {name: STAFF for name in ("version", "description", "ownCoefficients")},
    "NationalDeciles": {name: NATIONAL_OPS for name in (
        "cutSetId", "computedAt", "households", "rounds", "cutPoints", "regions")},
    "RegionDeciles": {name: NATIONAL_OPS for name in ("kabkotaCode", "householdsPerDesil")},
    "ScoreHistogram": {name: NATIONAL_OPS for name in ("households", "ranges")},
    "ScoreRangeCounts": {name: NATIONAL_OPS for name in ("below", "buckets")},
    "Housing": {name: STAFF for name in (
        "floorMaterial", "wallMaterial", "roofMaterial", "floorAreaM2", "tenure",
        "drinkingWater", "lighting", "cookingFuel", "toilet")},
    "Member": {
        "id": STAFF,
        "nik": rule(F, M, F, F, M, D, MaskKind.NUMBER),
        "name": rule(F, F, F, F, D, M, MaskKind.NAME),
        "birthDate": STAFF,
        "sex": STAFF,
        "relationship": STAFF,
        "education": STAFF,
        "occupation": STAFF,
        "disability": STAFF,
        "matchStatus": STAFF,
        "alive": STAFF,
        "deathDate": STAFF,
        # node only: what the last Dukcapil check found (issue 15), for staff who fix it
        "dukcapilFinding": STAFF,
        "household": STAFF_AND_MITRA,
        "region": STAFF,  # gateway only: where a person is registered
    },
    "DukcapilFinding": {
        "status": STAFF,
        "fields": STAFF,
        "registryName": STAFF,
        "registryBirthDate": STAFF,
        "registryKkNumber": rule(F, M, F, F, D, D, MaskKind.NUMBER),  # as the household's KK
        "registrySex": STAFF,
        "registryDeathDate": STAFF,
    },
    "ProgramMembership": {
        "program": OPEN,
        "period": OPEN,
        "active": OPEN,
        "startDate": STAFF,
        "endDate": STAFF,
        "memberId": STAFF,
        "suspended": STAFF,
        "suspension": STAFF,
    },
    "HouseholdWarning": {name: STAFF for name in (
        "id", "kind", "source", "message", "desaCode", "desaName", "createdAt", "resolvedAt",
        "resolvedBy", "resolutionNote", "household", "member")},
    "HouseholdWarningConnection": {name: STAFF for name in ("edges", "pageInfo", "total")},
    "HouseholdWarningEdge": {"cursor": STAFF, "node": STAFF},
    # reached only through Query.users and Mutation.setUserActive (Dinas Sosial)
    "NodeUser": {name: OPEN for name in ("username", "role", "scope", "active", "createdAt")},
    "WarningCount": {name: STAFF for name in ("desaCode", "desaName", "kind", "warnings")},
    "RegionDataQuality": {**{name: STAFF for name in (
        "regionCode", "regionName", "households", "members", "matchStatus", "duplicates",
        "openWarnings")},
        # gateway only: what the imports refused, summed (as importQuality at a node)
        "householdsRefused": rule(D, D, F, F, D, D), "importErrors": rule(D, D, F, F, D, D)},
    "PovertyPockets": {name: NATIONAL_OPS for name in (
        "period", "previousPeriod", "alpha", "permutations", "seed", "regionsAnalysed",
        "pockets")},
    "PovertyPocket": {name: NATIONAL_OPS for name in (
        "kabkotaCode", "kabkotaName", "households", "poorHouseholds", "share",
        "neighbourhoodShare", "zScore", "pValue", "new", "reason", "reasonEn")},
    "HouseholdClusters": {name: rule(D, D, F, D, D, D) for name in (
        "period", "previousPeriod", "minClusterSize", "alpha", "permutations", "seed",
        "households", "poorHouseholds", "candidates", "clusters")},
    "HouseholdCluster": {name: rule(D, D, F, D, D, D) for name in (
        "size", "latitude", "longitude", "desaCodes", "householdsInArea", "poorInArea",
        "share", "kabkotaShare", "pValue", "new", "reason", "reasonEn")},
    "MatchStatusCount": {"status": STAFF, "members": STAFF},
    "WarningKindCount": {"kind": STAFF, "warnings": STAFF},
    "ImportQuality": {name: rule(D, D, F, F, D, D) for name in (
        "runs", "householdsStored", "householdsRefused", "errors", "errorsByReason",
        "lastImportAt")},
    "ReasonCount": {"reason": rule(D, D, F, F, D, D), "errors": rule(D, D, F, F, D, D)},
    "Suspension": {"reason": STAFF, "text": STAFF},
    "SuspendedMembership": {name: STAFF for name in (
        "id", "program", "period", "startDate", "suspension", "desaCode", "desaName",
        "household", "person")},
    "SuspendedMembershipConnection": {name: STAFF for name in (
        "edges", "pageInfo", "totalCount")},
    "SuspendedMembershipEdge": {"cursor": STAFF, "node": STAFF},
    "SuspensionSummary": {name: STAFF for name in (
        "regionCode", "regionName", "program", "active", "suspended", "byReason")},
    "SuspensionReasonCount": {name: STAFF for name in ("reason", "text", "memberships")},
    # The DTKS update cycle (usulan): the region's staff and Kemensos only.
    "Proposal": {name: STAFF for name in (
        "id", "kind", "state", "desaCode", "desaName", "householdId", "details", "musdes",
        "note", "nikChecks", "reason", "decree", "corrects", "correctedBy", "createdBy",
        "createdRole", "version", "createdAt", "updatedAt", "history")},
    "ProposalEvent": {name: STAFF for name in (
        "action", "fromState", "toState", "actor", "role", "at", "reason")},
    "Musdes": {name: STAFF for name in ("heldOn", "minutesNumber", "minutesSha256")},
    "NikCheck": {
        "nik": rule(F, M, F, F, D, D, MaskKind.NUMBER),
        "name": STAFF, "outcome": STAFF, "acceptable": STAFF, "detail": STAFF,
    },
    "ProposalConnection": {"edges": STAFF, "pageInfo": STAFF},
    "ProposalEdge": {"cursor": STAFF, "node": STAFF},
    "Notification": {name: STAFF for name in (
        "id", "topic", "message", "desaCode", "proposalId", "createdAt", "readAt")},
    "NotificationConnection": {"edges": STAFF, "pageInfo": STAFF},
    "NotificationEdge": {"cursor": STAFF, "node": STAFF},
    "Attachment": {name: STAFF for name in ("sha256", "mediaType", "sizeBytes", "filename")},
    # the cross-check's answer: the NIK as the partner sent it, nothing more of the person
    "CrossCheckResult": {name: PARTNER_CHECK for name in (
        "nik", "registered", "desilBand", "programs", "inMoreThanOneRegion", "conflicts")},
    "CrossCheckConflict": {name: PARTNER_CHECK for name in ("program", "excludes", "scope")},
    "CrossCheckProgram": {name: PARTNER_CHECK for name in ("program", "period", "level")},
    "BenefitOverlap": {name: NATIONAL_OPS for name in (
        "regionCode", "program", "excludes", "scope", "count")},
    # gateway only: a region of the cekbansos lists, and whether a node serves it
    "Region": {"code": OPEN, "name": OPEN, "served": OPEN},
    # What the public gets back for a report: the receipt and the status, nothing else.
    "CommunityReportReceipt": {"receiptId": OPEN, "status": OPEN},
    "CommunityReport": {
        **{name: STAFF for name in (
            "id", "kind", "status", "desaCode", "desaName", "personName", "address",
            "description", "kkNumber", "program", "photoSha256", "latitude", "longitude",
            "outsideRegency", "receivedAt", "dueAt", "overdue", "proposalId", "closedBy",
            "closedAt", "closeReason", "version")},
        "nik": rule(F, M, F, F, D, D, MaskKind.NUMBER),
        # who sent it: only those who act on it (operator, Dinas Sosial)
        "submitterName": rule(F, D, F, D, D, D),
        "submitterContact": rule(F, D, F, D, D, D),
    },
    "CommunityReportConnection": {"edges": STAFF, "pageInfo": STAFF},
    "CommunityReportEdge": {"cursor": STAFF, "node": STAFF},
    "OfflinePackageFile": {name: rule(F, F, F, D, D, D) for name in (
        "packageId", "filename", "mediaType", "contentBase64")},
    "OfflineImportResult": {name: rule(F, F, D, D, D, D) for name in (
        "packageId", "desaCode", "applied", "alreadyApplied", "conflicts", "errors", "rows")},
    "OfflineImportRow": {name: rule(F, F, D, D, D, D) for name in (
        "sheet", "row", "itemId", "outcome", "reason")},
    # Field verification (geotagged house photos) and verivali coverage.
    "FieldVerification": {name: STAFF for name in (
        "id", "period", "householdId", "proposalId", "desaCode", "desaName", "position",
        "photo", "distanceFromPhotoM", "flags", "flagged", "note", "verifiedBy",
        "verifiedRole", "verifiedAt")},
    "GeoPosition": {"latitude": STAFF, "longitude": STAFF},
    "HousePhoto": {name: STAFF for name in (
        "sha256", "sizeBytes", "width", "height", "exifPosition", "exifTakenAt", "uploadedBy",
        "uploadedAt", "url")},
    "VerivaliPeriod": {name: STAFF for name in ("code", "name", "startsOn", "endsOn")},
    "VerivaliCoverage": {name: STAFF for name in (
        "period", "verified", "active", "percent", "desas")},
    "DesaCoverage": {name: STAFF for name in (
        "desaCode", "desaName", "verified", "active", "percent")},
    "OutboxBacklog": {name: rule(D, D, F, F, D, D) for name in (
        "pending", "pendingRecords", "oldestAt", "lastError", "nextAttemptAt", "delivered",
        "refused")},
    # Gateway only: the registry of regional nodes (query `nodes`).
    "RegionalNode": {name: NATIONAL_OPS for name in (
        "region", "regionName", "url", "status", "refusedReason", "schemaVersion", "ready",
        "lastSeen", "latencyMs", "outboxBacklog", "lastError", "circuit",
        "certificateFingerprint")},
    # gateway only: Kemensos' national work on the records nodes send up
    "NationalRecord": {name: NATIONAL_OPS for name in (
        "id", "region", "regionName", "kind", "desaCode", "desaName", "state", "approvedBy",
        "approvedAt", "musdes", "signerKid", "corrects", "receivedAt", "decree",
        "returnReason", "decidedAt")},
    "NationalRecordConnection": {name: NATIONAL_OPS for name in (
        "edges", "pageInfo", "totalCount")},
    "NationalRecordEdge": {name: NATIONAL_OPS for name in ("node", "cursor")},
    "NationalRecordPageInfo": {name: NATIONAL_OPS for name in ("hasNextPage", "endCursor")},
    # gateway only: the directory's cross-region duplicates, never the NIK
    "CrossRegionDuplicate": {name: NATIONAL_OPS for name in (
        "id", "regions", "firstSeenAt", "resolvedAt")},
    "DuplicateRegion": {name: NATIONAL_OPS for name in ("code", "name")},
    "CrossRegionDuplicateConnection": {name: NATIONAL_OPS for name in (
        "edges", "pageInfo", "totalCount")},
    "CrossRegionDuplicateEdge": {name: NATIONAL_OPS for name in ("node", "cursor")},
    "CrossRegionDuplicatePageInfo": {name: NATIONAL_OPS for name in (
        "hasNextPage", "endCursor")},
    # the node shows it on a determined proposal and on its household; the gateway under
    # NationalRecord and passes the household's through
    "Decree": {name: STAFF for name in ("number", "date", "period", "pdfSha256")},
    "RegionRecordSummary": {name: NATIONAL_OPS for name in (
        "region", "regionName", "received", "determined", "returned", "oldestWaitingSince")},
    "IssuedDecision": {name: NATIONAL_OPS for name in ("region", "messageId")},
    # the DIPA: counts per node (BenefitCount), amounts at the gateway (docs/dipa.md)
    "BenefitCount": {name: NATIONAL_OPS for name in (
        "program", "period", "component", "households", "persons")},
    "Dipa": {name: NATIONAL_OPS for name in (
        "period", "generatedAt", "rows", "totals", "missingRegions", "catalogue")},
    "DipaRow": {name: NATIONAL_OPS for name in (
        "program", "component", "provinceCode", "provinceName", "kabkotaCode", "kabkotaName",
        "kpm", "persons", "unit", "rate", "amount", "legalBasis")},
    "DipaTotal": {name: NATIONAL_OPS for name in ("program", "kpm", "persons", "amount")},
    "DipaMissingRegion": {name: NATIONAL_OPS for name in ("region", "regionName", "code",
                                                            "message")},
    # targeting indicators (docs/targeting.md): who reaches the query sees every field; the
    # public's counts below SMALL_CELL_HOUSEHOLDS come back null
    "TargetingIndicators": {name: TARGETING for name in (
        "regionCode", "regionName", "period", "households", "householdsNoDesil",
        "desilDistribution", "poorestHouseholds", "exclusionErrors", "exclusionRate",
        "exclusionRateChange", "programs")},
    "ProgramTargetingRow": {name: TARGETING for name in (
        "program", "eligibleUpTo", "recipients", "inclusionErrors", "inclusionRate",
        "recipientsNoDesil", "eligibleHouseholds", "eligibleRecipients", "coverage",
        "inclusionRateChange", "coverageChange")},
    "DesilCount": {"desil": TARGETING, "households": TARGETING},
    "BenefitRate": {name: NATIONAL_OPS for name in (
        "program", "component", "period", "unit", "amount", "legalBasis", "source")},
}

# What a filter or a grouping tests (DESIGN.md: "a count, a filter or a sort can reveal a field
# the role may not read"). A filter of a household list tests a field of the rows; a count is
# grouped, and filtered, by the keys of HouseholdCount (a region filter by the key of its
# level); a name filter of a count tests Member.name (a count has no name key).
LIST_FILTERS: Mapping[str, tuple[str, str]] = {
    "region": ("Household", "desaCode"),
    "status": ("Household", "status"),
    "program": ("ProgramMembership", "program"),
    "name": ("Member", "name"),
    "desilMax": ("Household", "desil"),
}
COUNT_KEYS: Mapping[str, str] = {  # CountDimension -> its HouseholdCount field
    "PROVINCE": "provinceCode", "KABKOTA": "kabkotaCode", "KECAMATAN": "kecamatanCode",
    "DESA": "desaCode", "STATUS": "status", "PROGRAM": "program", "DESIL": "desil",
}
COUNT_FILTERS: Mapping[str, str] = {  # filter of a count -> the dimension whose key it tests
    "status": "STATUS", "program": "PROGRAM", "desilMax": "DESIL",
}

# Reads that leave an audit entry (UU PDP 27/2022): personal types, by the entity they name,
# read by a role whose RolePolicy says audited_reads; and every lookup by NIK, by any role.
PERSONAL_TYPES: Mapping[str, str] = {"Household": "household", "Member": "member",
                                      "CommunityReport": "community_report",
                                      "FieldVerification": "field_verification"}
NIK_LOOKUPS: Mapping[tuple[str, str], str] = {("Query", "person"): "nik",
                                              ("Query", "crossCheck"): "niks"}


class UnknownField(LookupError):
    """A field the policy table does not name: a programming error, and a denial."""


def field_rule(type_name: str, field_name: str) -> FieldRule:
    try:
        return FIELD_POLICY[type_name][field_name]
    except KeyError:
        raise UnknownField(f"{type_name}.{field_name} has no entry in schema.policy") from None


def access(role: Role, type_name: str, field_name: str) -> Access:
    """What ``role`` gets of ``type_name.field_name``; DENIED for fields the table lacks."""
    try:
        return field_rule(type_name, field_name).for_role(role)
    except UnknownField:
        return Access.DENIED


def role_policy(role: Role) -> RolePolicy | None:
    return ROLE_POLICIES.get(role)


def main(argv: list[str] | None = None) -> int:
    from schema.policy_doc import markdown

    args = sys.argv[1:] if argv is None else argv
    if args != ["--markdown"]:
        print("usage: python -m schema.policy --markdown", file=sys.stderr)
        return 2
    sys.stdout.write(markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
