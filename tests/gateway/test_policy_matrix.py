"""The exhaustive matrix THROUGH THE GATEWAY: every role × where the row lies relative to the
role's scope × every field of every type the gateway serves, with real node apps behind real
mutual TLS, real gateway tokens, and the gateway's signed tokens at the nodes. The expected
outcome of each field is read from ``schema.policy`` (never written here):

* FULL: the value Kemensos (FULL on every gateway field) sees;
* MASKED: that value through the field's mask;
* DENIED: null, and a FORBIDDEN_FIELD error at that path;
* row out of scope: absent from lists and counts, OUT_OF_SCOPE when asked for explicitly (a
  person by NIK: null, as for a NIK registered nowhere).

Counts are grouped by every key the role may read (``schema.disclosure``), and the row's cell
holds ten households, so a role that sees small cells withheld sees it too.

Positions: OWN (the scope is the row's region at the role's level), PARENT (its parent),
SIBLING (another region under the same parent, served by a registered node) and OTHER
(another province's registered node). National roles and the public see the row from
everywhere. The queries come from ``tests.node.policy_walk`` (generated from the schema and
the table), as at the node.
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum
from typing import Any

import pytest

from gateway.entrypoints.app import SERVICES, refresh_snapshots
from gateway.entrypoints.graphql.schema import build_schema
from schema.disclosure import may_group
from schema.enums import Program
from schema.masking import mask
from schema.policy import ROLE_POLICIES, ROLES, Access, RowScope, access, field_rule
from schema.roles import Principal, Role
from tests import factories
from tests.gateway.helpers import determined_at_the_node
from tests.gateway.identity_helpers import KEMENSOS, gql_as, secure_gateway
from tests.node.helpers import store
from tests.node.policy_walk import at, check_response, forbidden_paths, operation, probe, reach

DESA = "32.73.01.1001"
HEAD = "Siti Aminah"
ARGUMENTS = {
    "Query.households": f'(first: 5, filter: {{region: "{DESA}", name: "{HEAD}"}})',
    "Query.household": "(id: $hid)",
    "Query.person": "(nik: $nik)",
    "Query.householdCounts": "(groupBy: [KECAMATAN, DESA, STATUS, PROGRAM, DESIL])",
    "Query.suspensionSummary": "(level: DESA)",
    "Query.dipa": '(period: "2026-S1")',
    "Query.dataQuality": "(level: KABKOTA)",
    "Query.povertyPockets": '(period: "2026-S1")',
    "Query.kabkotas": '(province: "32")',
    "Query.kecamatans": '(kabkota: "32.73")',
    "Query.desas": '(kecamatan: "32.73.01")',
    "Query.communityReportReceipt": "(receiptId: $rid)",
    "Query.crossCheck": '(niks: [$nik], program: "BLT")',  # BLT x PKH: a conflict
    "Query.targetingIndicators": '(period: "2026-S1")',
    "Query.crossRegionDuplicates": "(includeResolved: true)",
    "Query.benefitOverlaps": "(level: KABKOTA)",
}
COUNT_DIMENSIONS = ("KECAMATAN", "DESA", "STATUS", "PROGRAM", "DESIL")
CELL = 10  # households in the row's cell: not a small one


def arguments(role: Role) -> dict[str, str]:
    """ARGUMENTS, counts grouped by every key ``role`` may read (the reference role is asked
    the same, so the cells compare one to one)."""
    dimensions = ", ".join(d for d in COUNT_DIMENSIONS if may_group(role, d))
    return {**ARGUMENTS, "Query.householdCounts": f"(groupBy: [{dimensions}])"}
VARIABLES = {"hid": "ID!", "nik": "String!", "rid": "ID!"}
# The public sees these with every count under SMALL_CELL_HOUSEHOLDS withheld (null), so a
# value it gets is the reference's or null (which ones: tests/gateway/test_targeting.py).
TARGETING_TYPES = {"TargetingIndicators", "ProgramTargetingRow", "DesilCount"}
GATEWAY_TYPES = {"Query", "RegionalNode", "HouseholdConnection", "HouseholdEdge", "PageInfo",
                 "Household", "Housing", "Member", "ProgramMembership", "HouseholdCount",
                 "NationalRecordConnection", "NationalRecordEdge", "NationalRecordPageInfo",
                 "NationalRecord", "Decree",
                 "Musdes", "RegionRecordSummary",
                 # suspended aid: the row's PKH rests on a head never checked (NIK_UNCHECKED)
                 "Suspension", "SuspensionSummary", "SuspensionReasonCount",
                 # the DIPA: the fillers' PKH pays (their members are padan)
                 "Dipa", "DipaRow", "DipaTotal", "BenefitRate",
                 # data quality: the row's household carries an open warning
                 "RegionDataQuality", "MatchStatusCount", "WarningKindCount",
                 # cekbansos and the public's reports: the region lists, an usul's receipt
                 "Region", "CommunityReportReceipt",
                 # a partner's cross-check of the row's head (its PKH)
                 "CrossCheckResult", "CrossCheckProgram", "CrossCheckConflict",
                 # targeting indicators of the row's kab/kota (its desil, its PKH)
                 *TARGETING_TYPES,
                 # the national deciles over the scored rows (computed in the fixture)
                 "NationalDeciles", "RegionDeciles",
                 # poverty pockets: one stored for the period
                 "PovertyPockets", "PovertyPocket",
                 # the directory's cross-region duplicates: one open, one resolved
                 "CrossRegionDuplicateConnection", "CrossRegionDuplicateEdge",
                 "CrossRegionDuplicatePageInfo", "CrossRegionDuplicate", "DuplicateRegion",
                 # the overlap report: every packaged Kemensos rule, per kab/kota
                 "BenefitOverlap"}
# Filled only when a node does not answer: tests/gateway/test_dipa.py (Kemensos reads it; every
# other role is refused the whole dipa field, which the Query rows here check).
NODE_DOWN_TYPES = {"DipaMissingRegion"}
# Reached by mutations only: each mutation is tried by every role below.
MUTATION_TYPES = {"Mutation", "IssuedDecision"}
# Values that change between two calls (when counted live); compared by presence only.
VOLATILE = {"HouseholdCount.asOf", "Dipa.generatedAt"}
SCHEMA = build_schema()._schema


class Position(StrEnum):
    OWN = "OWN"
    PARENT = "PARENT"
    SIBLING = "SIBLING"
    OTHER = "OTHER"


# Scopes per region-scoped role; SIBLING and OTHER lie in regions with a registered node.
SCOPES = {
    Role.OPERATOR_DESA: {Position.OWN: DESA, Position.PARENT: "32.73.01",
                         Position.SIBLING: "32.73.01.1002", Position.OTHER: "35.78.01.1001"},
    Role.PENDAMPING: {Position.OWN: "32.73.01", Position.PARENT: "32.73",
                      Position.SIBLING: "32.73.02", Position.OTHER: "35.78.01"},
    Role.DINSOS: {Position.OWN: "32.73", Position.PARENT: "32",
                  Position.SIBLING: "32.04", Position.OTHER: "35.78"},
}


def principal_at(role: Role, position: Position) -> Principal | None:
    """The principal for ``role`` at ``position``; None for PUBLIC (no token at all)."""
    if role is Role.PUBLIC:
        return None
    if role not in SCOPES:
        return Principal(f"user:{role.value.lower()}", role,
                         programs=("PKH",) if role is Role.MITRA else ())
    return Principal(f"user:{role.value.lower()}-{position.value.lower()}", role,
                     SCOPES[role][position])


def visible(role: Role, position: Position) -> bool:
    if ROLE_POLICIES[role].rows in (RowScope.NATIONAL, RowScope.PUBLIC_SEARCH):
        return True
    return position in (Position.OWN, Position.PARENT)


def _expected(role: Role, type_name: str, field: str, reference: Any) -> Any:
    granted = access(role, type_name, field)
    if granted is Access.DENIED:
        return None
    if granted is Access.MASKED:
        kind = field_rule(type_name, field).mask
        assert kind is not None
        return mask(kind, reference)
    return reference


@pytest.fixture
async def matrix_gateway(cluster, dev_pki, tmp_path, aiohttp_client):  # type: ignore[no-untyped-def]
    record = factories.household(DESA, members=3, head_name=HEAD, programs=(Program.PKH,))
    fillers = [factories.household(DESA, members=2, head_name=f"Pengisi {i}",
                                   programs=(Program.PKH,)) for i in range(CELL - 1)]
    [household_id, *_] = await store(cluster.nodes["32.73"].database, [record, *fillers])
    await _padan(cluster.nodes["32.73"].database, household_id)  # the fillers' PKH pays
    await _a_warning(cluster.nodes["32.73"].database, household_id)
    # Household.decree has a value to check through the gateway
    await determined_at_the_node(cluster.nodes["32.73"].database, household_id, DESA)
    # the matrix asks every field of every type at once: on a loaded machine the three nodes
    # may need more than the usual 3 s; what is tested here is who sees what, not the deadline
    client = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster, deadline_ms=20000)
    await refresh_snapshots(client.app[SERVICES])  # rollups + NIK directory know the row
    await _a_determined_record(client.app[SERVICES].database, dev_pki.layout.root)
    from gateway.service_layer.deciles import compute_deciles

    await compute_deciles(client.app[SERVICES], "test:kemensos")  # nationalDeciles has a value
    await _a_pocket(client.app[SERVICES].database)
    await _duplicates(client.app[SERVICES].database)
    sent = await gql_as(client, f"mutation {{ {MUTATIONS['submitUsul']} }}", None)
    return client, {"hid": f"32.73:{household_id}", "nik": record.members[0].nik,
                    "rid": sent["data"]["submitUsul"]["receiptId"]}


async def _a_pocket(database: Any) -> None:
    from gateway.adapters.pocket_store import PocketRecord, PocketStore, RunRecord

    await PocketStore(database).replace(
        RunRecord("2026-S1", 0.05, 999, 14, 514, "e" * 64, None),
        [PocketRecord("32.73", 1000, 450, 0.45, 0.4, 3.2, 0.001, True, "alasan", "reason")])


async def _a_warning(database: Any, household_id: int) -> None:
    from regional_node.adapters.orm import HouseholdWarning

    async with database.writer() as session, session.begin():
        session.add(HouseholdWarning(household_id=household_id, desa_code=DESA,
                                     kind="KK_OTHER_PROVINCE", source="IMPORT",
                                     message="No. KK lain / another KK"))


async def _padan(database: Any, suspended_household: int) -> None:
    """Every member MATCH but those of ``suspended_household`` (its PKH stays suspended)."""
    from sqlalchemy import update

    from regional_node.adapters.orm import Member

    async with database.writer() as session, session.begin():
        await session.execute(update(Member).where(Member.household_id != suspended_household)
                              .values(match_status="MATCH"))


async def _duplicates(database: Any) -> None:
    """Two findings in the gateway's directory: one open, one resolved (every field of
    CrossRegionDuplicate has a value)."""
    from gateway.adapters.directory_store import DirectoryStore

    directory = DirectoryStore(database)
    await directory.learn("a" * 64, ["35.78", "53.71"])
    await directory.learn("b" * 64, ["35.78", "53.71"])
    await directory.replace_region("53.71", ["a" * 64])  # b: resolved


async def _a_determined_record(database: Any, pki_root: Any) -> None:
    """A record 32.73 signed and sent (with its Musdes), determined by a decree with its PDF:
    so that every field under Query.nationalRecords has a value to check."""
    import datetime as dt

    from certs.identity import Identity
    from certs.signing import SigningCredentials
    from gateway.inbox.decisions import DecisionDesk
    from gateway.inbox.http import GatewaySigner
    from gateway.inbox.submissions import Inbox
    from gateway.inbox.trust import ReloadingTrust
    from schema.sync_messages import Decision, DecisionKind, Decree
    from tests.sync.helpers import as_bytes, make_records, signed

    [record] = make_records("32.73", 1, prefix="matrix")
    record["musdes"] = {"held_on": "2026-11-02", "minutes_number": "BA/7/XI/2026",
                        "minutes_sha256": "c" * 64}
    record.update(approved_by="user:dinsos-3273", approved_at="2026-11-03T08:00:00+00:00")
    record["corrects"] = "matrix-returned"  # the returned record it corrects
    credentials = SigningCredentials.load(pki_root, Identity.region("32.73"))
    outcome = await Inbox(database, ReloadingTrust(pki_root)).submit(
        as_bytes(signed(credentials, [record], at=dt.datetime.now(dt.UTC))), tls_peer="32.73")
    assert outcome.status == 200, outcome.body()
    await DecisionDesk(database, GatewaySigner(pki_root)).issue("32.73", Decision(
        DecisionKind.DETERMINED, (record["id"],),
        Decree("146/HUK/2026", dt.date(2026, 12, 1), "2026-12", "d" * 64)), "test:kemensos")


def test_the_matrix_covers_every_gateway_type() -> None:
    reference = reach(SCHEMA, KEMENSOS.role, ARGUMENTS)
    assert set(reference) >= GATEWAY_TYPES, GATEWAY_TYPES - set(reference)
    objects = {n for n, t in SCHEMA.type_map.items()
               if not n.startswith("__") and hasattr(t, "fields") and hasattr(t, "interfaces")}
    covered = GATEWAY_TYPES | MUTATION_TYPES | NODE_DOWN_TYPES
    assert objects <= covered, f"add to the matrix: {objects - covered}"
    for type_name in covered - {"Query", "Mutation"}:
        for field in SCHEMA.get_type(type_name).fields:  # type: ignore[union-attr]
            assert access(KEMENSOS.role, type_name, field) is Access.FULL, (
                f"the reference role must be FULL on {type_name}.{field}")


MUTATIONS = {
    "determineRecords": 'determineRecords(input: {decreeNumber: "1/HUK/2026", decreeDate: '
                        '"2026-12-01", period: "2026-12", pdfSha256: "' + "a" * 64 + '", '
                        'recordIds: ["no-such-record"]}) { region messageId }',
    "returnRecords": 'returnRecords(input: {recordIds: ["no-such-record"], reason: "r"}) '
                     "{ region messageId }",
    "submitUsul": f'submitUsul(input: {{desaCode: "{DESA}", personName: "Siti Aminah", '
                  'address: "Gg. Mawar 3", description: "rumah bocor"}) { receiptId status }',
    "submitSanggah": f'submitSanggah(input: {{desaCode: "{DESA}", personName: "Budi", '
                     'address: "Jl. Contoh 1", description: "punya mobil", photoBase64: '
                     '"/9j/4AAQSkZJRgABAQ==", latitude: -6.9147, longitude: 107.6098}) '
                     "{ receiptId status }",
}
OPEN_TO_ALL = {"submitUsul", "submitSanggah"}  # the public's reports: everyone may send one


@pytest.mark.parametrize("role", ROLES)
async def test_every_gateway_mutation_by_every_role(matrix_gateway, role: Role) -> None:
    client, _ = matrix_gateway
    assert set(MUTATIONS) == set(SCHEMA.mutation_type.fields)  # type: ignore[union-attr]
    principal = principal_at(role, Position.OWN)
    deciding = (dataclasses.replace(principal, permissions=("decide",))
                if principal is not None and role is Role.KEMENSOS else None)
    for name, call in MUTATIONS.items():
        answer = await gql_as(client, f"mutation {{ {call} }}", principal)
        codes = [e["extensions"]["code"] for e in answer.get("errors", [])]
        if name in OPEN_TO_ALL:
            assert access(role, "Mutation", name) is Access.FULL
            assert codes == [] and answer["data"][name]["status"] == "OPEN", (role, answer)
            continue
        if access(role, "Mutation", name) is Access.FULL:
            assert codes == ["FORBIDDEN"], (role, name, answer)  # no decide permission
            assert deciding is not None
            answer = await gql_as(client, f"mutation {{ {call} }}", deciding)
            codes = [e["extensions"]["code"] for e in answer.get("errors", [])]
            assert codes == ["INVALID_INPUT"], (role, name, answer)  # past policy and permission
        else:
            assert codes == ["FORBIDDEN_FIELD"], (role, name, answer)
        assert answer["data"] == {name: None}


@pytest.mark.parametrize("role", ROLES)
async def test_policy_matrix_through_the_gateway(matrix_gateway, role: Role) -> None:
    client, ids = matrix_gateway
    problems: list[str] = []
    for position in Position:
        if role not in SCOPES and position is not Position.OWN:
            continue  # no region: the same principal everywhere
        principal = principal_at(role, position)
        if visible(role, position):
            await _check_visible(client, principal, role, ids, problems, position)
        else:
            await _check_invisible(client, principal, role, ids, problems, position)
    assert problems == [], "\n".join(problems)


async def _check_visible(client: Any, principal: Principal | None, role: Role,
                         ids: dict[str, str], problems: list[str], position: Position) -> None:
    paths = reach(SCHEMA, role, arguments(role))
    reference_paths = reach(SCHEMA, KEMENSOS.role, arguments(role))
    for type_name in sorted(GATEWAY_TYPES - {"Query"}):
        if type_name not in paths:
            continue  # every way in is DENIED: the Query row and the fields on the way prove it
        query, where = probe(SCHEMA, paths[type_name], type_name, VARIABLES)
        body = await gql_as(client, query, principal, **ids)
        reference_query, reference_where = probe(SCHEMA, reference_paths[type_name], type_name,
                                                 VARIABLES)
        reference_body = await gql_as(client, reference_query, KEMENSOS, **ids)
        assert "errors" not in reference_body, reference_body
        got, reference = at(body.get("data"), where), at(reference_body["data"], reference_where)
        if not isinstance(got, dict):
            problems.append(f"{position} {type_name}: nothing at {where}: {body}")
            continue
        denied = forbidden_paths(body)
        for field in SCHEMA.get_type(type_name).fields:  # type: ignore[union-attr]
            expected = _expected(role, type_name, field, reference[field])
            value = got.get(field)
            if f"{type_name}.{field}" in VOLATILE:
                value, expected = value is None, expected is None
            if type_name in TARGETING_TYPES and value is None and ROLE_POLICIES[
                    role].small_cells_withheld:
                value = expected  # a small count withheld
            if value != expected:
                problems.append(f"{position} {type_name}.{field}: got {got.get(field)!r}, policy "
                                f"says {access(role, type_name, field)} → {expected!r}")
            is_denied = access(role, type_name, field) is Access.DENIED
            if is_denied != (tuple([*where, field]) in denied):
                problems.append(f"{position} {type_name}.{field}: FORBIDDEN_FIELD error "
                                f"{'missing' if is_denied else 'unexpected'} at {where}")
        unexpected = [e for e in body.get("errors", [])
                      if e.get("extensions", {}).get("code") != "FORBIDDEN_FIELD"]
        if unexpected:
            problems.append(f"{position} {type_name}: unexpected errors {unexpected}")
        problems += [f"{position} {p}" for p in check_response(SCHEMA, role, query, body)]
    for field in SCHEMA.query_type.fields:
        query = operation(f"{field}{arguments(role).get(f'Query.{field}', '')} {{ __typename }}",
                          VARIABLES)
        body = await gql_as(client, query, principal, **ids)
        denied = (field,) in forbidden_paths(body)
        if (access(role, "Query", field) is Access.DENIED) != denied:
            problems.append(f"{position} Query.{field}: policy {access(role, 'Query', field)}, "
                            f"response {body}")


async def _check_invisible(client: Any, principal: Principal | None, role: Role,
                           ids: dict[str, str], problems: list[str], position: Position) -> None:
    listing = await gql_as(client, "{ households(first: 50) { edges { node { __typename } } } }",
                           principal)
    edges = ((listing.get("data") or {}).get("households") or {}).get("edges")
    if edges != [] or "errors" in listing:
        problems.append(f"{position} households lists a row out of scope: {listing}")
    counts = await gql_as(client, "{ householdCounts(groupBy: []) { households } }", principal)
    if (counts.get("data") or {}).get("householdCounts") not in ([], [{"households": 0}]):
        problems.append(f"{position} householdCounts counts rows out of scope: {counts}")
    if access(role, "Query", "suspensionSummary") is not Access.DENIED:
        summary = await gql_as(client, "{ suspensionSummary(level: DESA) { active } }",
                               principal)
        if summary.get("data") != {"suspensionSummary": []}:
            problems.append(f"{position} suspensionSummary counts rows out of scope: {summary}")
    explicit = [("household", "(id: $hid)"), ("person", "(nik: $nik)"),
                ("households", f'(filter: {{region: "{DESA}"}})')]
    for field, where in explicit:
        body = await gql_as(client, operation(f"{field}{where} {{ __typename }}", VARIABLES),
                            principal, **ids)
        codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
        expected = ["FORBIDDEN_FIELD" if access(role, "Query", field) is Access.DENIED
                    else "OUT_OF_SCOPE"]
        if field == "person" and expected == ["OUT_OF_SCOPE"]:
            expected = []  # a NIK outside the scope: null, as if registered nowhere
        if codes != expected or (body.get("data") or {}).get(field) is not None:
            problems.append(f"{position} {field}: expected {expected} out of scope: {body}")
