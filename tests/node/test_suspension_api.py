"""Suspended aid at a real node over HTTP: the membership's `suspended` / `suspension`, the
list Dinas Sosial works through, the summary per region × program × reason, each narrowed to
the caller's scope; who is refused, and every bad input."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, update

from regional_node.adapters.orm import Member
from schema.enums import Program
from schema.roles import Principal, Role
from tests.factories import household
from tests.node.helpers import error_codes, gql, store

DESA_A, DESA_B = "32.73.01.1001", "32.73.02.1001"
PROGRAMS = """programs { program suspended suspension { reason text } }"""


async def _set_heads(database: Any, household_ids: list[int], **values: Any) -> None:
    async with database.writer() as session, session.begin():
        await session.execute(update(Member).where(
            Member.household_id.in_(household_ids), Member.relationship == "HEAD")
            .values(**values))


async def _seed(database: Any) -> dict[str, list[int]]:
    """Desa A: 3 PKH households, heads MATCH, MISMATCH, DECEASED (Dukcapil); desa B: 2
    BPNT households, heads MATCH and NOT_FOUND. Every other member is MATCH."""
    a = await store(database, [household(DESA_A, programs=(Program.PKH,)) for _ in range(3)])
    b = await store(database, [household(DESA_B, programs=(Program.BPNT,)) for _ in range(2)])
    async with database.writer() as session, session.begin():
        await session.execute(update(Member).values(match_status="MATCH"))
    await _set_heads(database, [a[1]], match_status="MISMATCH")
    await _set_heads(database, [a[2]], match_status="DECEASED")
    await _set_heads(database, [b[1]], match_status="NOT_FOUND")
    return {"a": a, "b": b}


async def test_a_membership_shows_its_suspension(node_client, node_database):
    ids = await _seed(node_database)
    body = await gql(node_client, f"""{{ households(first: 10, filter: {{region: "{DESA_A}"}})
        {{ edges {{ node {{ id {PROGRAMS} }} }} }} }}""")
    assert "errors" not in body, body
    seen = {int(e["node"]["id"]): e["node"]["programs"]
            for e in body["data"]["households"]["edges"]}
    assert seen[ids["a"][0]] == [{"program": "PKH", "suspended": False, "suspension": None}]
    assert seen[ids["a"][1]] == [{"program": "PKH", "suspended": True, "suspension": {
        "reason": "NIK_MISMATCH",
        "text": "NIK tidak padan dengan Dukcapil / NIK does not match Dukcapil"}}]
    assert seen[ids["a"][2]][0]["suspension"]["reason"] == "DECEASED"


async def test_suspensions_of_a_page_cost_one_query_whatever_its_size(node_client,
                                                                      node_database):
    """No N+1: the members the rule reads come through the page's one batched load."""
    await store(node_database, [household(DESA_A, programs=(Program.PKH, Program.BPNT))
                                for _ in range(12)])
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    engines = {id(e): e for e in (node_database.reader().bind, node_database.writer().bind)}
    for engine in engines.values():
        event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        for first in (2, 12):
            statements.clear()
            body = await gql(node_client, f"""{{ households(first: {first})
                {{ edges {{ node {{ {PROGRAMS} }} }} }} }}""")
            assert "errors" not in body and len(body["data"]["households"]["edges"]) == first
            households_selects = [s for s in statements if "FROM household" in s
                                  or "FROM member" in s or "FROM program_membership" in s]
            if first == 2:
                small = len(households_selects)
                assert small == 3, households_selects  # the page, its programs, its members
            else:
                assert len(households_selects) == small, households_selects
    finally:
        for engine in engines.values():
            event.remove(engine.sync_engine, "before_cursor_execute", count)


LIST = """query($filter: SuspensionFilter, $first: Int!, $after: String) {
  suspendedMemberships(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { cursor node { id program period desaCode desaName suspension { reason }
                          household { id } person { relationship matchStatus } } }
    pageInfo { hasNextPage endCursor } } }"""


async def test_dinas_sosial_pages_through_the_suspended_memberships(node_client,
                                                                  node_database):
    ids = await _seed(node_database)
    seen, after = [], None
    while True:
        body = await gql(node_client, LIST, first=2, after=after)
        assert "errors" not in body, body
        page = body["data"]["suspendedMemberships"]
        assert page["totalCount"] == 3
        seen += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert [(int(n["household"]["id"]), n["program"], n["suspension"]["reason"],
             n["person"]["matchStatus"]) for n in seen] == [
        (ids["a"][1], "PKH", "NIK_MISMATCH", "MISMATCH"),
        (ids["a"][2], "PKH", "DECEASED", "DECEASED"),
        (ids["b"][1], "BPNT", "NIK_NOT_FOUND", "NOT_FOUND")]
    assert seen[0]["desaName"] and seen[0]["person"]["relationship"] == "HEAD"
    filtered = await gql(node_client, LIST, first=10, filter={
        "region": DESA_A, "reason": "DECEASED", "program": "PKH"})
    assert [e["node"]["household"]["id"] for e in
            filtered["data"]["suspendedMemberships"]["edges"]] == [str(ids["a"][2])]
    nothing = await gql(node_client, LIST, first=10, filter={"program": "PIP"})
    assert nothing["data"]["suspendedMemberships"] == {
        "totalCount": 0, "edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}


SUMMARY = """query($level: SuspensionLevel!, $filter: SuspensionFilter) {
  suspensionSummary(level: $level, filter: $filter) {
    regionCode regionName program active suspended byReason { reason text memberships } } }"""


async def test_the_summary_counts_per_region_program_and_reason(node_client, node_database):
    await _seed(node_database)
    body = await gql(node_client, SUMMARY, level="KABKOTA")
    assert "errors" not in body, body
    rows = body["data"]["suspensionSummary"]
    assert [(r["regionCode"], r["program"], r["active"], r["suspended"],
             [(c["reason"], c["memberships"]) for c in r["byReason"]]) for r in rows] == [
        ("32.73", "BPNT", 2, 1, [("NIK_NOT_FOUND", 1)]),
        ("32.73", "PKH", 3, 2, [("DECEASED", 1), ("NIK_MISMATCH", 1)])]
    assert rows[0]["regionName"] == "Kota Bandung"
    by_desa = await gql(node_client, SUMMARY, level="DESA")
    assert [(r["regionCode"], r["program"], r["suspended"])
            for r in by_desa["data"]["suspensionSummary"]] == [
        (DESA_A, "PKH", 2), (DESA_B, "BPNT", 1)]
    national = await gql(node_client, SUMMARY, level="NATIONAL", filter={"program": "PKH"})
    assert [(r["regionCode"], r["active"], r["suspended"])
            for r in national["data"]["suspensionSummary"]] == [(None, 3, 2)]


async def test_a_village_operator_and_a_pendamping_see_their_own_households(node_client,
                                                                          node_database):
    ids = await _seed(node_database)
    operator = Principal("user:op-b", Role.OPERATOR_DESA, DESA_B)
    listed = await gql(node_client, LIST, principal=operator, first=10)
    assert [e["node"]["household"]["id"] for e in
            listed["data"]["suspendedMemberships"]["edges"]] == [str(ids["b"][1])]
    summary = await gql(node_client, SUMMARY, principal=operator, level="DESA")
    assert [r["regionCode"] for r in summary["data"]["suspensionSummary"]] == [DESA_B]
    assigned = Principal("user:pendamping", Role.PENDAMPING, "32.73.01",
                         household_ids=(ids["a"][2],))
    mine = await gql(node_client, LIST, principal=assigned, first=10)
    assert mine["data"]["suspendedMemberships"]["totalCount"] == 1
    outside = await gql(node_client, LIST, principal=operator, first=10,
                        filter={"region": DESA_A})
    assert error_codes(outside) == ["OUT_OF_SCOPE"]


async def test_a_partner_and_the_public_learn_nothing_of_suspensions(node_client,
                                                                   node_database):
    ids = await _seed(node_database)
    mitra = Principal("user:mitra", Role.MITRA, programs=("PKH",))
    for principal in (mitra, None):
        for query, variables in ((LIST, {"first": 5}), (SUMMARY, {"level": "KABKOTA"})):
            body = await gql(node_client, query, principal=principal, **variables)
            assert error_codes(body) == ["FORBIDDEN_FIELD"], body
            assert body["data"] is None or not any(body["data"].values())
    async with node_database.reader() as session:
        head = (await session.execute(Member.__table__.select().where(
            Member.household_id == ids["a"][1], Member.relationship == "HEAD"))).first()
    body = await gql(node_client, """query($nik: String!) { person(nik: $nik) {
        household { programs { program suspended suspension { reason } } } } }""",
                     principal=mitra, nik=head.nik)
    [programs] = [body["data"]["person"]["household"]["programs"]]
    assert programs == [{"program": "PKH", "suspended": None, "suspension": None}]
    assert sorted(e["path"][-1] for e in body["errors"]) == ["suspended", "suspension"]
    assert set(error_codes(body)) == {"FORBIDDEN_FIELD"}


async def test_bad_input_is_refused_with_a_code(node_client, node_database):
    await _seed(node_database)
    cases = [
        ((LIST, {"first": 0}), "INVALID_INPUT"),
        ((LIST, {"first": 501}), "INVALID_INPUT"),
        ((LIST, {"first": 5, "after": "bm90LWEtY3Vyc29y"}), "INVALID_CURSOR"),
        ((LIST, {"first": 5, "filter": {"region": "35.78.01"}}), "OUT_OF_REGION"),
        ((LIST, {"first": 5, "filter": {"region": "99.99"}}), "INVALID_REGION"),
        ((SUMMARY, {"level": "DESA", "filter": {"reason": "DECEASED"}}), "INVALID_INPUT"),
    ]
    for (query, variables), code in cases:
        body = await gql(node_client, query, **variables)
        assert error_codes(body) == [code], (variables, body)
