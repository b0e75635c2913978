"""Aggregates and filters are data too (security review #16, items 1-5, at the node; the same
rule at the gateway: tests/gateway/test_disclosure.py). Real tokens over HTTP, both backends.

Who is in the node: Siti Aminah's household (desa 32.73.01.1001, desil 3, four members, PKH,
BPNT, PBI-JK and PIP), eleven more active households in desa 32.73.01.1002 enrolled in the same
four programs, and three inactive ones in kecamatan 32.73.02 (PKH). So every active cell of a
partner's or the public's grain (status × program) holds 12 households, every inactive one 3.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from schema.enums import HouseholdStatus, Program
from schema.identity_numbers import Sex, make_nik
from schema.roles import Principal, Role
from tests import factories
from tests.node.helpers import gql, store

TARGET_DESA = "32.73.01.1001"
CROWD_DESA = "32.73.01.1002"
FOUR = (Program.PKH, Program.BPNT, Program.PBI_JK, Program.PIP)
MITRA = Principal("user:mitra-kementan", Role.MITRA, programs=("PKH", "BPNT"))
KEMENSOS = Principal("user:kemensos", Role.KEMENSOS)
OPERATOR_CROWD = Principal("user:operator-crowd", Role.OPERATOR_DESA, CROWD_DESA)
ITEM_1 = """{ householdCounts(groupBy: [DESA, DESIL], filter: {name: "Siti Aminah"}) {
    desaCode desil households members } }"""


@pytest.fixture
async def registry(node_database: Any) -> dict[str, Any]:
    target = factories.household(TARGET_DESA, members=4, head_name="Siti Aminah", desil=3,
                                 programs=FOUR)
    crowd = [factories.household(CROWD_DESA, members=3, head_name=f"Warga {i}",
                                 desil=1 + i % 10, programs=FOUR) for i in range(11)]
    inactive = [factories.household("32.73.02.1001", members=2, head_name=f"Pindah {i}",
                                    status=HouseholdStatus.INACTIVE, programs=(Program.PKH,))
                for i in range(3)]
    await store(node_database, [target, *crowd, *inactive])
    return {"target": target, "crowd": crowd, "inactive": inactive}


def _refusal(body: dict[str, Any]) -> dict[str, Any]:
    """The extensions of the one error of a refused root field (and no data)."""
    assert not any((body.get("data") or {}).values()), body
    [error] = body["errors"]
    return dict(error["extensions"])


def _living(records: list[Any]) -> int:
    return sum(len(r.members) for r in records)


@pytest.mark.parametrize("principal", [None, MITRA], ids=["public", "partner"])
async def test_item_1_counts_filtered_by_a_name_are_not_open(node_client, registry,
                                                             principal) -> None:
    """A named person's desa, desil and household size, asked as a count: refused."""
    extensions = _refusal(await gql(node_client, ITEM_1, principal=principal))
    assert extensions["code"] == "FORBIDDEN" and extensions["reason"] == "filter_policy"
    for grouped in ("", "DESA", "DESIL", "STATUS"):
        body = await gql(node_client, f'{{ householdCounts(groupBy: [{grouped}], filter: '
                                      '{name: "Siti Aminah"}) { households } }',
                         principal=principal)
        assert _refusal(body)["field"] in ("Member.name", "HouseholdCount.desaCode",
                                           "HouseholdCount.desil"), body
    staff = await gql(node_client, ITEM_1)  # Dinas Sosial of the kab/kota: its own data
    assert staff["data"]["householdCounts"] == [
        {"desaCode": TARGET_DESA, "desil": 3, "households": 1, "members": 4}]


@pytest.mark.parametrize("principal", [None, MITRA], ids=["public", "partner"])
async def test_small_cells_are_withheld_and_totals_leave_them_out(node_client, registry,
                                                                  principal) -> None:
    """Cells of fewer than 10 households are left out, their members with them, and every
    total is the sum of the published cells: no difference of two answers finds them."""
    active = [registry["target"], *registry["crowd"]]

    async def counts(group_by: str, flt: str = "") -> list[dict[str, Any]]:
        body = await gql(node_client, f"{{ householdCounts(groupBy: [{group_by}]{flt}) "
                                      "{ status program households members } }",
                         principal=principal)
        assert "errors" not in body, body
        return list(body["data"]["householdCounts"])

    by_status = await counts("STATUS")
    assert by_status == [{"status": "ACTIVE", "program": None, "households": 12,
                          "members": _living(active)}]  # 3 inactive: withheld
    assert await counts("") == [{"status": None, "program": None, "households": 12,
                                 "members": _living(active)}]  # not 15: nothing to subtract
    assert await counts("", ", filter: {status: INACTIVE}") == []
    assert await counts("", ", filter: {program: PKH}") == [
        {"status": None, "program": None, "households": 12, "members": _living(active)}]
    exact = await gql(node_client, "{ householdCounts(groupBy: []) { households members } }",
                      principal=KEMENSOS)
    assert exact["data"]["householdCounts"] == [
        {"households": 15, "members": _living([*active, *registry["inactive"]])}]


async def test_item_2_a_partner_counts_only_its_programs_and_no_place(node_client,
                                                                      registry) -> None:
    body = await gql(node_client, "{ householdCounts(groupBy: [PROGRAM]) { program households } }",
                     principal=MITRA)
    assert body["data"]["householdCounts"] == [{"program": "BPNT", "households": 12},
                                               {"program": "PKH", "households": 12}]
    public = await gql(node_client, "{ householdCounts(groupBy: [PROGRAM]) { program } }",
                       principal=None)
    assert {g["program"] for g in public["data"]["householdCounts"]} == {
        "PKH", "BPNT", "PBI_JK", "PIP"}  # the public sees every program's statistics
    outside = await gql(node_client, "{ householdCounts(groupBy: [], filter: {program: PIP}) "
                                     "{ households } }", principal=MITRA)
    assert _refusal(outside) == {"code": "FORBIDDEN", "reason": "program_scope"}
    named = await gql(node_client, '{ householdCounts(groupBy: [PROGRAM], filter: {name: '
                                   '"Siti Aminah"}) { program households } }', principal=MITRA)
    assert _refusal(named)["field"] == "Member.name"
    for dimension, field in (("DESA", "desaCode"), ("KECAMATAN", "kecamatanCode"),
                             ("DESIL", "desil")):
        body = await gql(node_client, f"{{ householdCounts(groupBy: [{dimension}]) "
                                      "{ households } }", principal=MITRA)
        assert _refusal(body) == {"code": "FORBIDDEN", "reason": "filter_policy",
                                  "field": f"HouseholdCount.{field}",
                                  "argument": f"groupBy.{dimension}", "role": "MITRA"}
    region = await gql(node_client, f'{{ householdCounts(groupBy: [], filter: {{region: '
                                    f'"{TARGET_DESA}"}}) {{ households }} }}', principal=MITRA)
    assert _refusal(region)["field"] == "HouseholdCount.desaCode"


SEARCH = """query($region: String, $name: String, $desil: Int) {
  households(filter: {region: $region, name: $name, desilMax: $desil}) {
    totalCount edges { node { status head { name } programs { program } } } } }"""


async def test_item_3_the_public_cannot_filter_by_desil(node_client, registry) -> None:
    for desil in range(1, 11):  # no value flips anything: every one is refused
        body = await gql(node_client, SEARCH, principal=None, region=TARGET_DESA,
                         name="Siti Aminah", desil=desil)
        assert _refusal(body) == {"code": "FORBIDDEN", "reason": "filter_policy",
                                  "field": "Household.desil", "argument": "filter.desilMax",
                                  "role": "PUBLIC"}
    staff = await gql(node_client, SEARCH, region=TARGET_DESA, name="Siti", desil=3)
    assert staff["data"]["households"]["totalCount"] == 1


async def test_item_4_the_public_search_wants_a_desa_and_the_full_name(node_client,
                                                                       registry) -> None:
    async def search(region: str, name: str) -> dict[str, Any]:
        return await gql(node_client, SEARCH, principal=None, region=region, name=name)

    kecamatan = await search("32.73.01", "Siti Aminah")
    assert _refusal(kecamatan) == {"code": "FORBIDDEN", "reason": "search_required"}
    for fragment in ("sit", "Siti", "Aminah", "iti amina", "Warga", "Siti Aminah Binti"):
        body = await search(TARGET_DESA, fragment)
        assert body["data"]["households"] == {"totalCount": 0, "edges": []}, fragment
    found = {"totalCount": 1, "edges": [{"node": {
        "status": "ACTIVE", "head": {"name": "SIT* AMI***"},
        "programs": [{"program": p.value} for p in FOUR]}}]}
    for written in ("Siti Aminah", "SITI AMINAH", "  siti   aminah ", "Siti. Aminah,",
                    "siti-aminah"):
        assert (await search(TARGET_DESA, written))["data"]["households"] == found, written
    member = await search(TARGET_DESA, "anggota 2 aminah")  # any member, by the full name
    assert member["data"]["households"]["totalCount"] == 1
    elsewhere = await search(CROWD_DESA, "Siti Aminah")  # a desa where she does not live
    assert elsewhere["data"]["households"] == {"totalCount": 0, "edges": []}
    staff = await gql(node_client, SEARCH, region="32.73.01", name="sit")  # staff: in part
    assert staff["data"]["households"]["totalCount"] == 1


async def test_item_5_outside_the_scope_a_nik_is_answered_as_unknown(node_client,
                                                                     registry) -> None:
    query = "query($nik: String!) { person(nik: $nik) { name } }"
    elsewhere = registry["target"].members[0].nik  # another desa of this kab/kota
    unknown = make_nik("32.73.01", dt.date(1977, 7, 7), Sex.FEMALE, 9876)
    answers = [await gql(node_client, query, principal=OPERATOR_CROWD, nik=nik)
               for nik in (elsewhere, unknown)]
    assert answers[0] == answers[1] == {"data": {"person": None}}
    own = registry["crowd"][0].members[0]
    mine = await gql(node_client, query, principal=OPERATOR_CROWD, nik=own.nik)
    assert mine == {"data": {"person": {"name": own.name}}}
