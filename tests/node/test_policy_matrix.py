"""The exhaustive matrix: every role × where the row lies relative to the role's scope × every
field of every type the registry serves, at a real node over HTTP with real tokens. The
expected outcome of each field is read from ``schema.policy`` (never written here):

* FULL: the value Dinas Sosial of the kab/kota sees (FULL on everything);
* MASKED: that value through the field's mask;
* DENIED: null, and a FORBIDDEN_FIELD error at that path;
* row out of scope: absent from lists, OUT_OF_SCOPE when asked for explicitly (a person by
  NIK: null, as for a NIK registered nowhere).

Counts are grouped by every key the role may read (``schema.disclosure``), and the row's
cell holds ten households, so a role that sees small cells withheld sees it too.

Positions: OWN (the principal's scope is the row's region at the role's level), PARENT (its
scope is the parent of that: a province-level Dinsos, a kab/kota-level pendamping), SIBLING
(another region under the same parent) and OTHER (another province). National roles and the
public have no region, so they see the row from everywhere.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

import pytest
from graphql import GraphQLObjectType
from sqlalchemy import select, update

from regional_node.adapters import orm
from regional_node.entrypoints.graphql.schema import build_schema
from schema.disclosure import may_group, withholds_small_cells
from schema.enums import Program
from schema.masking import mask
from schema.policy import ROLE_POLICIES, ROLES, Access, RowScope, access, field_rule
from schema.regions import RegionLevel, regions
from schema.roles import ANONYMOUS, Principal, Role
from tests import factories
from tests.node.field_helpers import field_visit
from tests.node.helpers import DINSOS_BANDUNG, gql, store
from tests.node.policy_walk import at, check_response, operation, probe, reach
from tests.node.report_helpers import row_counts

DESA = "32.73.01.1001"
HEAD = "Siti Aminah"
ARGUMENTS = {
    "Query.households": f'(first: 5, filter: {{region: "{DESA}", name: "{HEAD}"}})',
    "Query.household": "(id: $hid)",
    "Query.person": "(nik: $nik)",
    "Query.householdCounts": "(groupBy: [KECAMATAN, DESA, STATUS, PROGRAM, DESIL])",
    "Query.suspendedMemberships": "(first: 5)",
    "Query.suspensionSummary": "(level: DESA)",
    "Query.householdWarnings": "(first: 5)",
    "Query.warningSummary": "",
    "Query.dataQuality": "(level: DESA)",
    "Query.importQuality": "",
    "Query.targetingIndicators": '(period: "2026-S1")',
    "Query.householdClusters": '(period: "2026-S1")',
}
COUNT_DIMENSIONS = ("KECAMATAN", "DESA", "STATUS", "PROGRAM", "DESIL")
CELL = 10  # households in the row's cell: not a small one


def arguments(role: Role) -> dict[str, str]:
    """ARGUMENTS, counts grouped by every key ``role`` may read (the reference role is asked
    the same, so the cells compare one to one)."""
    dimensions = ", ".join(d for d in COUNT_DIMENSIONS if may_group(role, d))
    return {**ARGUMENTS, "Query.householdCounts": f"(groupBy: [{dimensions}])"}
VARIABLES = {"hid": "ID!", "nik": "String!"}
# Refused whole to the public at the node (FORBIDDEN: the gateway serves the public, small
# counts withheld): the walk skips them for roles that see small cells withheld
# (tests/node/test_targeting.py, tests/gateway/test_targeting.py).
TARGETING_TYPES = {"TargetingIndicators", "ProgramTargetingRow", "DesilCount"}
# Types of the registry the matrix must reach (one fresh household per role × position).
REGISTRY_TYPES = {"Query", "NodeInfo", "HouseholdConnection", "HouseholdEdge", "PageInfo",
                  "Household", "Housing", "Member", "ProgramMembership", "HouseholdCount",
                  # suspended aid: the row's PKH rests on a head never checked (NIK_UNCHECKED)
                  "Suspension", "SuspendedMembershipConnection", "SuspendedMembershipEdge",
                  "SuspendedMembership", "SuspensionSummary", "SuspensionReasonCount",
                  # warnings kept with households: the row's head has one (born before 1900)
                  "HouseholdWarningConnection", "HouseholdWarningEdge", "HouseholdWarning",
                  "WarningCount",
                  # what Dukcapil found: the row's head is tidak padan on the KK number
                  "DukcapilFinding",
                  # data quality: the row's desa, and one import run that refused a household
                  "RegionDataQuality", "MatchStatusCount", "WarningKindCount", "ImportQuality",
                  "ReasonCount",
                  # the node's users in the principal's region (Dinas Sosial only)
                  "NodeUser",
                  # the proxy means test: the row's score (stored with it) and the model
                  "PmtScore", "PmtModel",
                  # targeting indicators: the row's desa, its desil and its PKH
                  *TARGETING_TYPES,
                  # poverty pockets: one stored cluster of the period
                  "HouseholdClusters", "HouseholdCluster"}


class Position(StrEnum):
    OWN = "OWN"
    PARENT = "PARENT"
    SIBLING = "SIBLING"
    OTHER = "OTHER"


def _sibling(code: str) -> str:
    parent = code.rsplit(".", 1)[0]
    return next(r.code for r in regions().children(parent) if r.code != code)


def _other_province(level: RegionLevel) -> str:
    return next(regions().descendants("35", level)).code if level is not RegionLevel.PROVINSI \
        else "35"


OWN_SCOPE = {Role.OPERATOR_DESA: DESA, Role.PENDAMPING: DESA.rsplit(".", 1)[0],
             Role.DINSOS: "32.73"}


def principal_at(role: Role, position: Position) -> Principal | None:
    """The principal for ``role`` at ``position``; None for PUBLIC (no token at all)."""
    if role is Role.PUBLIC:
        return None
    own = OWN_SCOPE.get(role)
    if own is None:  # a partner names its programs (without any it sees none)
        programs = (Program.PKH.value,) if ROLE_POLICIES[role].programs_limited else ()
        return Principal(f"user:{role.value.lower()}", role, programs=programs)
    level = regions().require(own).level
    scope = {Position.OWN: own, Position.PARENT: own.rsplit(".", 1)[0],
             Position.SIBLING: _sibling(own), Position.OTHER: _other_province(level)}[position]
    return Principal(f"user:{role.value.lower()}-{position.value.lower()}", role, scope)


def visible(role: Role, position: Position) -> bool:
    rows = ROLE_POLICIES[role].rows
    if rows in (RowScope.NATIONAL, RowScope.PUBLIC_SEARCH):
        return True
    return position in (Position.OWN, Position.PARENT)


async def _fixture(node_database: Any, cell: int = CELL) -> tuple[str, str]:
    """The row, and more like it in its desa up to ``cell`` (its count cell not a small one)."""
    record = factories.household(DESA, members=3, head_name=HEAD, programs=(Program.PKH,))
    fillers = [factories.household(DESA, members=2, head_name=f"Pengisi {i}",
                                   programs=(Program.PKH,)) for i in range(cell - 1)]
    [household_id, *_] = await store(node_database, [record, *fillers])
    async with node_database.writer() as session:
        head = (await session.execute(select(orm.Member.id).where(
            orm.Member.household_id == household_id).order_by(orm.Member.id))).scalars().first()
        await session.execute(update(orm.Member).where(orm.Member.id == head).values(
            registry_finding={"status": "MISMATCH", "fields": ["kk_number"],
                              "registry": {"kk_number": "3273010101200001", "sex": "FEMALE",
                                           "death_date": "2026-01-02"}}))
        session.add(orm.ImportRun(
            source_name="dtks.csv", mode="skip-bad-rows", imported_by="cli:op",
            imported_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC), rows_read=44,
            households_read=11, households_stored=10, households_refused=1, errors=1,
            warnings_stored=0, errors_by_reason={"invalid_date": 1}))
        session.add(orm.HouseholdWarning(
            household_id=household_id, member_id=head, desa_code=DESA, kind="BORN_BEFORE_1900",
            source="IMPORT", message="tanggal lahir sebelum 1900 / born before 1900"))
        session.add(orm.HouseholdClusterRun(
            period="2026-S1", computed_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
            min_cluster_size=10, alpha=0.05, permutations=99, seed=14, households=40,
            poor_households=20, candidates=1, previous_period=None))
        await session.flush()
        session.add(orm.HouseholdCluster(
            period="2026-S1", size=12, latitude=-6.91, longitude=107.63, desa_codes=[DESA],
            households_in_area=14, poor_in_area=12, kabkota_share=0.5, p_value=0.01,
            is_new=True, reason_id="alasan", reason_en="reason",
            household_ids=[household_id]))
        session.add(orm.UserAccount(  # the desa's operator, for Query.users
            username="operator-baris", password_hash="-", role="OPERATOR_DESA", region=DESA,
            programs=[], household_ids=[], active=True))
        await session.commit()
    return str(household_id), record.members[0].nik


def _expected(role: Role, type_name: str, field: str, reference: Any) -> Any:
    granted = access(role, type_name, field)
    if granted is Access.DENIED:
        return None
    if granted is Access.MASKED:
        kind = field_rule(type_name, field).mask
        assert kind is not None
        return mask(kind, reference)
    return reference


def test_the_matrix_covers_every_registry_type() -> None:
    schema = build_schema()._schema
    reference = reach(schema, DINSOS_BANDUNG.role, ARGUMENTS)
    assert set(reference) >= REGISTRY_TYPES, REGISTRY_TYPES - set(reference)
    for type_name in REGISTRY_TYPES - {"Query"}:
        for field in schema.get_type(type_name).fields:  # type: ignore[union-attr]
            assert access(DINSOS_BANDUNG.role, type_name, field) is Access.FULL, (
                f"the reference role must be FULL on {type_name}.{field}")


@pytest.mark.parametrize("position", list(Position))
@pytest.mark.parametrize("role", ROLES)
async def test_policy_matrix(node_client: Any, node_database: Any, role: Role,
                             position: Position) -> None:
    household_id, nik = await _fixture(node_database)
    principal = principal_at(role, position)
    schema = build_schema()._schema
    ids: dict[str, Any] = {"hid": household_id, "nik": nik}
    paths = reach(schema, role, arguments(role))
    reference_paths = reach(schema, DINSOS_BANDUNG.role, arguments(role))
    problems: list[str] = []

    if not visible(role, position):
        await _assert_invisible(node_client, principal, role, ids, problems)
        assert problems == [], "\n".join(problems)
        return

    for type_name in sorted(REGISTRY_TYPES - {"Query"}):
        if type_name not in paths:
            # no allowed chain leads there: every way in is DENIED, which the Query row and
            # the fields on the way already prove field by field
            continue
        if type_name in TARGETING_TYPES and withholds_small_cells(principal or ANONYMOUS):
            continue
        query, where = probe(schema, paths[type_name], type_name, VARIABLES)
        body = await gql(node_client, query, principal=principal, **ids)
        reference_query, reference_where = probe(schema, reference_paths[type_name], type_name,
                                                 VARIABLES)
        reference_body = await gql(node_client, reference_query, **ids)
        assert "errors" not in reference_body, reference_body
        got, reference = at(body.get("data"), where), at(reference_body["data"], reference_where)
        if not isinstance(got, dict):
            problems.append(f"{type_name}: nothing at {where}: {body}")
            continue
        denied = {path for path in _forbidden(body)}
        for field in schema.get_type(type_name).fields:  # type: ignore[union-attr]
            expected = _expected(role, type_name, field, reference[field])
            if got.get(field) != expected:
                problems.append(f"{type_name}.{field}: got {got.get(field)!r}, policy says "
                                f"{access(role, type_name, field)} → {expected!r}")
            is_denied = access(role, type_name, field) is Access.DENIED
            if is_denied != (tuple([*where, field]) in denied):
                problems.append(f"{type_name}.{field}: FORBIDDEN_FIELD error "
                                f"{'missing' if is_denied else 'unexpected'} at {where}")
        problems += check_response(schema, role, query, body)
    assert schema.query_type is not None
    for field in schema.query_type.fields:
        if f"Query.{field}" in ARGUMENTS or field == "node":
            await _check_root(node_client, principal, role, field, ids, problems)
    counted = await gql(node_client, "{ householdCounts(groupBy: []) { households } }",
                        principal=principal)
    if counted.get("data", {}).get("householdCounts") != [{"households": CELL}]:
        problems.append(f"householdCounts: the row's cell of {CELL} is not counted: {counted}")
    assert problems == [], "\n".join(problems)


def _forbidden(body: dict[str, Any]) -> set[tuple[Any, ...]]:
    return {tuple(e["path"]) for e in body.get("errors", [])
            if e.get("extensions", {}).get("code") == "FORBIDDEN_FIELD"}


async def _check_root(client: Any, principal: Principal | None, role: Role, field: str,
                      ids: dict[str, Any], problems: list[str]) -> None:
    query = operation(f"{field}{arguments(role).get(f'Query.{field}', '')} {{ __typename }}",
                      VARIABLES)
    body = await gql(client, query, principal=principal, **ids)
    denied = (field,) in _forbidden(body)
    if (access(role, "Query", field) is Access.DENIED) != denied:
        problems.append(f"Query.{field}: policy {access(role, 'Query', field)}, response {body}")


async def _assert_invisible(client: Any, principal: Principal | None, role: Role,
                            ids: dict[str, Any], problems: list[str]) -> None:
    listing = await gql(client, "{ households(first: 50) { edges { node { __typename } } } }",
                        principal=principal)
    if access(role, "Query", "households") is not Access.DENIED:
        edges = (listing.get("data") or {}).get("households", {}).get("edges")
        if edges != []:
            problems.append(f"households lists a row out of scope: {listing}")
    counts = await gql(client, "{ householdCounts(groupBy: []) { households } }",
                       principal=principal)
    if counts.get("data", {}).get("householdCounts") not in ([], [{"households": 0}]):
        problems.append(f"householdCounts counts rows out of scope: {counts}")
    if access(role, "Query", "suspendedMemberships") is not Access.DENIED:
        suspended = await gql(client, "{ suspendedMemberships(first: 50) { totalCount } "
                                      "suspensionSummary(level: DESA) { active } }",
                              principal=principal)
        if suspended.get("data") != {"suspendedMemberships": {"totalCount": 0},
                                     "suspensionSummary": []}:
            problems.append(f"suspensions out of scope are shown: {suspended}")
    if access(role, "Query", "householdWarnings") is not Access.DENIED:
        warned = await gql(client, "{ householdWarnings(first: 50) { total } "
                                   "warningSummary { warnings } }", principal=principal)
        if warned.get("data") != {"householdWarnings": {"total": 0}, "warningSummary": []}:
            problems.append(f"warnings out of scope are shown: {warned}")
    for field, where in (("household", "(id: $hid)"), ("person", "(nik: $nik)")):
        body = await gql(client, operation(f"{field}{where} {{ __typename }}", VARIABLES),
                         principal=principal, **ids)
        codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
        expected = ["FORBIDDEN_FIELD" if access(role, "Query", field) is Access.DENIED
                    else "OUT_OF_SCOPE"]
        if field == "person" and expected == ["OUT_OF_SCOPE"]:
            expected = []  # a NIK outside the scope: null, as if registered nowhere
        if codes != expected or (body.get("data") or {}).get(field) is not None:
            problems.append(f"{field}: expected {expected} for a row out of scope: {body}")


# --- the workflow types: proposals, notifications, attachments, community reports, field
# verification and verivali, the outbox, the offline module -----------------------------------
#
# One node per backend is seeded once (a household, a proposal with its Musdes minutes, NIK
# checks and history, a notification, a community report, a field visit with its photo, a
# verivali period) and every role × position is then walked over it with real tokens: the
# same generated queries (``reach`` / ``probe``), the same reference (Dinas Sosial of 32.73,
# FULL on every field of these types), the same expectations read from ``schema.policy``.

PERIOD = "2026-S2"
WORKFLOW_ARGUMENTS = {
    **ARGUMENTS,
    "Query.proposals": "(first: 5)",
    "Query.proposal": "(id: $pid)",
    "Query.notifications": "(first: 5)",
    "Query.communityReports": "(first: 5)",
    "Query.communityReport": "(id: $rid)",
    "Query.communityReportReceipt": "(receiptId: $rid)",
    "Query.fieldVerifications": "(proposalId: $pid)",
    "Query.verivaliCoverage": f'(period: "{PERIOD}")',
}
WORKFLOW_VARIABLES = {**VARIABLES, "pid": "ID!", "rid": "ID!"}
# Reached through the queries above, compared field by field with the reference.
WORKFLOW_TYPES = {
    "ProposalConnection", "ProposalEdge", "Proposal", "ProposalEvent", "Musdes", "NikCheck",
    "NotificationConnection", "NotificationEdge", "Notification",
    "CommunityReportConnection", "CommunityReportEdge", "CommunityReport",
    "CommunityReportReceipt", "FieldVerification", "GeoPosition", "HousePhoto",
    "VerivaliPeriod", "VerivaliCoverage", "DesaCoverage", "OutboxBacklog", "Decree",
    "HouseholdReview"}
# Returned by mutations only: uploadAttachment and exportOfflinePackage are called as every
# role × position and checked against the policy of the mutation and of every field of their
# result; every other mutation is called with arguments that cannot succeed (REFUSED_CALLS),
# for its own FULL/DENIED row.
MUTATION_TYPES = {"Mutation", "Attachment", "OfflinePackageFile"}
# Not in the matrix yet: an import needs a filled work package per principal. Covered by
# tests/node/test_offline.py; the coverage test below fails if this set grows silently.
NOT_YET_IN_THE_MATRIX = {"OfflineImportResult", "OfflineImportRow"}
# Kemensos only (the reference role here is Dinas Sosial): every role in
# tests/node/test_benefit_counts.py, tests/node/test_score_histogram.py (the gateway's
# service identity alone, on top of the policy) and tests/node/test_benefit_overlaps.py.
KEMENSOS_TYPES = {"BenefitCount", "ScoreHistogram", "ScoreRangeCounts", "BenefitOverlap"}
# Partner ministries and Kemensos only: every role in tests/node/test_cross_check.py.
PARTNER_TYPES = {"CrossCheckResult", "CrossCheckProgram"}
# Types that are (part of) one row of a region: out of the principal's scope none of them may
# come back. The others are lists (empty out of scope) or node-wide (the verivali periods and
# coverage, the outbox backlog, a receipt looked up by its id).
ROW_TYPES = {"ProposalEdge", "Proposal", "ProposalEvent", "Musdes", "NikCheck", "Decree",
             "HouseholdReview",
             "NotificationEdge", "Notification", "CommunityReportEdge", "CommunityReport",
             "FieldVerification", "GeoPosition", "HousePhoto", "DesaCoverage"}
# Rows a principal sees by who it is rather than where: notifications are addressed to users
# (the seeded one to the OWN desa operator, its recipient), so other principals may see none.
ADDRESSED_TYPES = {"NotificationConnection", "NotificationEdge", "Notification"}
MINUTES = b"%PDF-1.4\n% berita acara musyawarah desa\n%%EOF\n"


def test_every_type_with_fields_is_in_the_matrix() -> None:
    """A new type of the node's schema fails here until it joins the matrix."""
    schema = build_schema()._schema
    with_fields = {name for name, named in schema.type_map.items()
                   if isinstance(named, GraphQLObjectType) and not name.startswith("__")}
    covered = (REGISTRY_TYPES | WORKFLOW_TYPES | MUTATION_TYPES | NOT_YET_IN_THE_MATRIX
               | KEMENSOS_TYPES | PARTNER_TYPES)
    assert with_fields - covered == set(), "types outside the policy matrix"
    assert covered - with_fields == set(), "the matrix names types the schema lacks"
    reference = reach(schema, DINSOS_BANDUNG.role, WORKFLOW_ARGUMENTS)
    assert set(reference) >= WORKFLOW_TYPES, WORKFLOW_TYPES - set(reference)
    for type_name in WORKFLOW_TYPES:
        for field in schema.get_type(type_name).fields:  # type: ignore[union-attr]
            assert access(DINSOS_BANDUNG.role, type_name, field) is Access.FULL, (
                f"the reference role must be FULL on {type_name}.{field}")


async def _seed_workflow(client: Any, database: Any) -> dict[str, Any]:
    """Everything the workflow types show, in desa 32.73.01.1001, once per node."""
    household_id, nik = await _fixture(database, cell=1)  # counts are not walked here
    operator = principal_at(Role.OPERATOR_DESA, Position.OWN)
    pendamping = principal_at(Role.PENDAMPING, Position.OWN)
    assert operator is not None and pendamping is not None
    uploaded = await gql(client, """mutation($c: String!) { uploadAttachment(
        contentBase64: $c, mediaType: "application/pdf", filename: "ba.pdf") { sha256 } }""",
                         principal=operator, c=base64.b64encode(MINUTES).decode())
    assert "errors" not in uploaded, uploaded
    minutes = uploaded["data"]["uploadAttachment"]["sha256"]
    pid = str(uuid.uuid4())
    async with database.writer() as session, session.begin():
        session.add(orm.Proposal(
            id=pid, kind="GRADUATION", state="NIK_VALID", desa_code=DESA,
            household_id=int(household_id), details={"graduation": {"reason": "mampu"}},
            details_digest="0" * 64, musdes_held_on=dt.date(2026, 11, 2),
            musdes_minutes_number="12/2026", musdes_minutes_sha256=minutes, note="dicek",
            nik_results=[{"nik": nik, "name": HEAD, "outcome": "MATCH", "acceptable": True,
                          "detail": "cocok"}],
            reason="-", created_by=operator.user_id, created_role=operator.role.value))
        await session.flush()
        session.add(orm.ProposalEvent(proposal_id=pid, action="CREATE", to_state="DRAFT",
                                      actor=operator.user_id, role=operator.role.value,
                                      reason="baru"))
        # a decree in its history, so that every Decree field has a value to check (the
        # state does not matter to the policy; the history's last determination names it)
        session.add(orm.ProposalEvent(
            proposal_id=pid, action="DETERMINE", from_state="RECEIVED_NATIONAL",
            to_state="DETERMINED", actor="system:national-decision", role="SYSTEM",
            detail={"decree": {"number": "146/HUK/2026", "date": "2026-12-01",
                               "period": "2026-12", "pdf_sha256": "d" * 64}}))
        session.add(orm.Notification(recipient=operator.user_id, desa_code=DESA,
                                     proposal_id=pid, topic="NIK_ANOMALY", message="cek NIK"))
        # a review to show (as a return that could not be undone leaves it)
        household = await session.get(orm.Household, int(household_id))
        assert household is not None
        household.review_reason = "rumah tangga berubah / the household changed"
        household.review_proposal_id = pid
    period = await gql(client, """mutation($code: String!) { createVerivaliPeriod(input: {
        code: $code, name: "Semester 2", startsOn: "2026-07-01", endsOn: "2026-12-31"}) {
        code } }""", code=PERIOD)
    assert "errors" not in period, period
    await field_visit(_Caller(client), pendamping, proposal_id=pid)
    report = await gql(client, """mutation($d: String!) { submitUsul(input: {desaCode: $d,
        personName: "Siti Aminah", address: "Jl. Melati 1", description: "belum terdaftar",
        nik: "3273010101800002", kkNumber: "3273010101800001",
        submitter: {name: "Tetangga", contact: "0812"}}) { receiptId } }""",
                       principal=None, d=DESA)
    assert "errors" not in report, report
    return {"hid": household_id, "nik": nik, "pid": pid,
            "rid": report["data"]["submitUsul"]["receiptId"]}


class _Caller:
    def __init__(self, client: Any) -> None:
        self.client = client

    async def call(self, principal: Principal, query: str, **variables: Any) -> dict[str, Any]:
        return await gql(self.client, query, principal=principal, **variables)


async def test_policy_matrix_workflow_types(node_client: Any, node_database: Any) -> None:
    ids = await _seed_workflow(node_client, node_database)
    schema = build_schema()._schema
    reference_paths = reach(schema, DINSOS_BANDUNG.role, WORKFLOW_ARGUMENTS)
    references: dict[str, tuple[dict[str, Any], list[str | int]]] = {}
    for type_name in sorted(WORKFLOW_TYPES):
        query, where = probe(schema, reference_paths[type_name], type_name, WORKFLOW_VARIABLES)
        body = await gql(node_client, query, **ids)
        assert "errors" not in body, body
        reference = at(body["data"], where)
        assert isinstance(reference, dict), (type_name, where, body)
        references[type_name] = reference, where
    problems: list[str] = []
    for role in ROLES:
        paths = reach(schema, role, WORKFLOW_ARGUMENTS)
        for position in positions_of(role):
            principal = principal_at(role, position)
            seen = visible(role, position)
            label = f"{role.value}@{position.value}"
            recipient = role is Role.OPERATOR_DESA and position is Position.OWN
            for type_name in sorted(WORKFLOW_TYPES & set(paths)):
                query, where = probe(schema, paths[type_name], type_name, WORKFLOW_VARIABLES)
                body = await gql(node_client, query, principal=principal, **ids)
                problems += [f"{label}: {p}" for p in check_response(schema, role, query, body)]
                got = at(body.get("data"), where)
                if not seen and type_name in ROW_TYPES:
                    # outside the principal's scope nothing of the row may come back
                    if got is not None:
                        problems.append(f"{label}: {type_name} out of scope but at {where}")
                    continue
                not_addressed = type_name in ADDRESSED_TYPES and not recipient and (
                    got is None or (isinstance(got, dict) and got.get("edges") == []))
                if not_addressed:
                    continue
                if not isinstance(got, dict):
                    if seen or _codes_at(body, where[:1]) != ["OUT_OF_SCOPE"]:
                        problems.append(f"{label}: {type_name}: nothing at {where}: {body}")
                    continue
                reference = references[type_name][0]
                denied = _forbidden(body)
                for field in schema.get_type(type_name).fields:  # type: ignore[union-attr]
                    granted = access(role, type_name, field)
                    expected = _expected(role, type_name, field, reference[field])
                    if not seen and granted is not Access.DENIED:
                        # a list or an aggregate out of scope: empty, nothing counted
                        if isinstance(expected, list):
                            expected = []
                        elif isinstance(expected, int) and not isinstance(expected, bool):
                            expected = 0
                    if got.get(field) != expected:
                        problems.append(f"{label}: {type_name}.{field}: got {got.get(field)!r},"
                                        f" policy says {granted} → {expected!r}")
                    is_denied = granted is Access.DENIED
                    if is_denied != (tuple([*where, field]) in denied):
                        problems.append(f"{label}: {type_name}.{field}: FORBIDDEN_FIELD "
                                        f"{'missing' if is_denied else 'unexpected'}")
            for field in WORKFLOW_ARGUMENTS.keys() - ARGUMENTS.keys() | {"Query.outbox",
                                                                       "Query.verivaliPeriods"}:
                name = field.removeprefix("Query.")
                query = operation(f"{name}{WORKFLOW_ARGUMENTS.get(field, '')} {{ __typename }}",
                                  WORKFLOW_VARIABLES)
                body = await gql(node_client, query, principal=principal, **ids)
                if (access(role, "Query", name) is Access.DENIED) != ((name,) in _forbidden(body)):
                    problems.append(f"{label}: Query.{name}: policy "
                                    f"{access(role, 'Query', name)}, response {body}")
            problems += await _check_mutations(node_client, role, principal, label)
    before = await row_counts(node_database)
    for role in ROLES:
        for position in positions_of(role):
            problems += await _check_refusals(node_client, role, principal_at(role, position))
    assert await row_counts(node_database) == before, "a mutation that cannot succeed wrote"
    assert problems == [], "\n".join(problems)


NOWHERE = str(uuid.uuid4())  # no proposal, report or visit has this id
GRADUATE_NOBODY = '{graduation: {householdId: "987654321", reason: "-"}}'
# Every other mutation, with arguments that cannot succeed (an unknown id, a malformed
# value): a role the table DENIES gets FORBIDDEN_FIELD, any other role a different refusal.
REFUSED_CALLS = {
    "createProposal": f"(input: {{id: $x, details: {GRADUATE_NOBODY}}})",
    "submitProposal": "(id: $x)",
    "resubmitProposal": "(id: $x)",
    "verifyProposal": "(id: $x)",
    "rejectProposal": '(id: $x, reason: "-")',
    "approveProposal": "(id: $x)",
    "closeHouseholdReview": '(householdId: "987654321", note: "-")',
    "setUserActive": '(username: "nobody-here", active: false)',
    "markNotificationRead": '(id: "987654321")',
    "submitUsul": '(input: {desaCode: "99.99.99.9999", personName: "-", address: "-", '
                  'description: "-"})',
    "submitSanggah": '(input: {desaCode: "99.99.99.9999", personName: "-", address: "-", '
                     'description: "-", photoBase64: "", latitude: 0, longitude: 0})',
    "proposeFromCommunityReport": f"(id: $x, proposal: {{id: $x, details: {GRADUATE_NOBODY}}})",
    "resolveCommunityReport": '(id: $x, reason: "-")',
    "dismissCommunityReport": '(id: $x, reason: "-")',
    "importOfflinePackage": '(contentBase64: "")',
    "recordFieldVerification": '(input: {id: $x, photoSha256: "%s", latitude: 0, longitude: 0})'
                               % ("0" * 64),
    "createVerivaliPeriod": '(input: {code: "-", startsOn: "2026-01-01", endsOn: "2026-01-02"})',
    "resolveHouseholdWarning": '(id: "987654321", note: "-")',
}
DOMAIN_REFUSALS = {"FORBIDDEN_FIELD", "NOT_FOUND", "INVALID_INPUT", "INVALID_REGION",
                   "OUT_OF_SCOPE", "OUT_OF_REGION"}  # never an internal error
CALLED_WITH_A_RESULT = {"uploadAttachment", "exportOfflinePackage"}  # _check_mutations


def test_every_mutation_is_in_the_matrix() -> None:
    schema = build_schema()._schema
    assert schema.mutation_type is not None
    assert set(schema.mutation_type.fields) == REFUSED_CALLS.keys() | CALLED_WITH_A_RESULT


async def _check_refusals(client: Any, role: Role, principal: Principal | None) -> list[str]:
    problems = []
    label = f"{role.value}@{principal.user_id if principal else 'anonymous'}"
    for mutation, arguments in REFUSED_CALLS.items():
        query = f"mutation{'($x: ID!)' if '$x' in arguments else ''} " \
                f"{{ {mutation}{arguments} {{ __typename }} }}"
        variables: dict[str, Any] = {"x": NOWHERE} if "$x" in arguments else {}
        body = await gql(client, query, principal=principal, **variables)
        codes = _codes_at(body, [mutation])
        if (body.get("data") or {}).get(mutation) is not None or len(codes) != 1:
            problems.append(f"{label}: {mutation} should have been refused: {body}")
        elif (access(role, "Mutation", mutation) is Access.DENIED) != (
                codes == ["FORBIDDEN_FIELD"]) or codes[0] not in DOMAIN_REFUSALS:
            problems.append(f"{label}: Mutation.{mutation} is "
                            f"{access(role, 'Mutation', mutation)}, refused with {codes}")
    return problems


async def _check_mutations(client: Any, role: Role, principal: Principal | None,
                           label: str) -> list[str]:
    """uploadAttachment (→ Attachment) and exportOfflinePackage (→ OfflinePackageFile) as
    this principal; every other mutation with arguments that cannot succeed, for its own
    FULL/DENIED outcome."""
    schema = build_schema()._schema
    problems: list[str] = []
    calls: dict[str, tuple[str, str, dict[str, Any]]] = {
        "uploadAttachment": ("Attachment", "(contentBase64: $c, mediaType: \"application/pdf\", "
                             "filename: \"ba.pdf\")",
                             {"c": base64.b64encode(MINUTES + label.encode()).decode()}),
        "exportOfflinePackage": ("OfflinePackageFile", "(desaCode: $d, format: JSON)",
                                 {"d": DESA}),
    }
    for mutation, (type_name, arguments, variables) in calls.items():
        fields = " ".join(schema.get_type(type_name).fields)  # type: ignore[union-attr]
        used = ", ".join(f"${k}: String!" for k in variables)
        body = await gql(client, f"mutation({used}) {{ {mutation}{arguments} {{ {fields} }} }}",
                         principal=principal, **variables)
        denied = _forbidden(body)
        result = (body.get("data") or {}).get(mutation)
        if access(role, "Mutation", mutation) is Access.DENIED:
            if (mutation,) not in denied or result is not None:
                problems.append(f"{label}: Mutation.{mutation} is DENIED: {body}")
            continue
        if (mutation,) in denied:
            problems.append(f"{label}: Mutation.{mutation} is FULL but refused: {body}")
        if not isinstance(result, dict):
            # allowed by the table, refused by the row scope (another desa): no data either
            # (OUT_OF_SCOPE, as in queries)
            if visible(role, position_of(principal)) or _codes_at(body, [mutation]) != [
                    "OUT_OF_SCOPE"]:
                problems.append(f"{label}: Mutation.{mutation} returned nothing: {body}")
            continue
        for field in schema.get_type(type_name).fields:  # type: ignore[union-attr]
            granted = access(role, type_name, field)
            if (granted is Access.DENIED) != (result.get(field) is None):
                problems.append(f"{label}: {type_name}.{field} is {granted}: {result}")
            if (granted is Access.DENIED) != ((mutation, field) in denied):
                problems.append(f"{label}: {type_name}.{field}: FORBIDDEN_FIELD mismatch")
    return problems


def positions_of(role: Role) -> list[Position]:
    """Every position for a role with a region; national roles and the public are the same
    principal everywhere (and the public is rate-limited per address), so: once."""
    return list(Position) if role in OWN_SCOPE else [Position.OWN]


def _codes_at(body: dict[str, Any], path: list[str | int]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])
            if e.get("path") == path]


def position_of(principal: Principal | None) -> Position:
    if principal is None or principal.region is None:
        return Position.OWN
    return Position(principal.user_id.rsplit("-", 1)[1].upper())
