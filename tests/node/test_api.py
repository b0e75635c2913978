"""The node's GraphQL API over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import event, func, select

from regional_node.adapters.orm import Household
from schema.enums import HouseholdStatus, Program
from tests import factories
from tests.node.helpers import error_codes, gql, store

LIST = """
query($first: Int!, $after: String, $filter: HouseholdFilter, $order: HouseholdOrder! = ID) {
  households(first: $first, after: $after, filter: $filter, orderBy: $order) {
    edges { cursor node { id kkNumber desaCode status head { name nik } } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def _all_pages(client, first: int, **variables) -> list[str]:
    seen, after = [], None
    while True:
        body = await gql(client, LIST, first=first, after=after, **variables)
        assert "errors" not in body, body
        page = body["data"]["households"]
        seen += [edge["node"]["kkNumber"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]


async def test_node_info(node_client):
    body = await gql(node_client, "{ node { region regionName schemaVersion } }")
    assert body["data"]["node"] == {"region": "32.73", "regionName": "Kota Bandung",
                                    "schemaVersion": "1.0"}


async def test_pages_visit_every_household_once(node_client, node_database):
    records = [factories.household() for _ in range(23)]
    await store(node_database, records)
    for order in ("ID", "KK_NUMBER", "DESA"):
        seen = await _all_pages(node_client, 5, order=order)
        assert sorted(seen) == sorted(r.kk_number for r in records)
        assert len(seen) == len(set(seen))


async def test_pagination_is_stable_under_inserts(node_client, node_database):
    """Households inserted while a reader pages never make it repeat or skip what existed."""
    original = [factories.household() for _ in range(12)]
    await store(node_database, original)
    added: list[str] = []
    for order in ("ID", "KK_NUMBER"):
        seen, after = [], None
        while True:
            body = await gql(node_client, LIST, first=4, after=after, order=order)
            page = body["data"]["households"]
            seen += [e["node"]["kkNumber"] for e in page["edges"]]
            newcomer = factories.household()
            await store(node_database, [newcomer])
            added.append(newcomer.kk_number)
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert len(seen) == len(set(seen)), "a household was returned twice"
        assert {r.kk_number for r in original} <= set(seen), "a household was skipped"
        assert set(seen) <= {r.kk_number for r in original} | set(added)


async def test_filters(node_client, node_database):
    await store(node_database, [
        factories.household("32.73.01.1001", head_name="Siti Aminah", programs=(Program.PKH,)),
        factories.household("32.73.01.1002", head_name="Budi Santoso",
                            status=HouseholdStatus.PROPOSED),
        factories.household("32.73.02.1001", head_name="Asep Sunandar", desil=7,
                            programs=(Program.BPNT,)),
    ])

    async def heads(flt):
        body = await gql(node_client, LIST, first=50, filter=flt)
        assert "errors" not in body, body
        return sorted(e["node"]["head"]["name"] for e in body["data"]["households"]["edges"])

    assert await heads({"region": "32.73.01"}) == ["Budi Santoso", "Siti Aminah"]
    assert await heads({"region": "32.73.01.1002"}) == ["Budi Santoso"]
    assert await heads({"region": "32"}) == ["Asep Sunandar", "Budi Santoso", "Siti Aminah"]
    assert await heads({"status": "PROPOSED"}) == ["Budi Santoso"]
    assert await heads({"program": "PKH"}) == ["Siti Aminah"]
    assert await heads({"name": "sunan"}) == ["Asep Sunandar"]
    assert await heads({"name": "100%_"}) == []
    assert await heads({"desilMax": 3}) == ["Budi Santoso", "Siti Aminah"]
    assert await heads({"region": "32.73.02", "program": "BPNT"}) == ["Asep Sunandar"]


async def test_total_count_follows_filter(node_client, node_database):
    await store(node_database, [factories.household("32.73.01.1001") for _ in range(3)]
                + [factories.household("32.73.02.1001")])
    body = await gql(node_client, """{ households(first: 1, filter: {region: "32.73.01"})
                                       { totalCount } }""")
    assert body["data"]["households"]["totalCount"] == 3


async def test_bad_arguments_are_typed_errors(node_client):
    cases = {
        '{ households(filter: {region: "35.78"}) { edges { cursor } } }': "OUT_OF_REGION",
        '{ households(filter: {region: "32.73.99"}) { edges { cursor } } }': "INVALID_REGION",
        '{ households(filter: {region: "abc"}) { edges { cursor } } }': "INVALID_REGION",
        '{ households(after: "not-a-cursor") { edges { cursor } } }': "INVALID_CURSOR",
        '{ households(first: 0) { edges { cursor } } }': "INVALID_INPUT",
        '{ households(first: 501) { edges { cursor } } }': "INVALID_INPUT",
        '{ households(filter: {desilMax: 11}) { edges { cursor } } }': "INVALID_INPUT",
        '{ person(nik: "123") { name } }': "INVALID_NIK",
        '{ person(nik: "3273015705900000") { name } }': "INVALID_NIK",
        '{ household(id: "x1") { id } }': "INVALID_INPUT",
    }
    for query, code in cases.items():
        body = await gql(node_client, query)
        assert error_codes(body) == [code], (query, body)
        assert "Traceback" not in str(body)


async def test_cursor_of_another_order_is_refused(node_client, node_database):
    await store(node_database, [factories.household() for _ in range(3)])
    body = await gql(node_client, LIST, first=1, order="ID")
    cursor = body["data"]["households"]["pageInfo"]["endCursor"]
    body = await gql(node_client, LIST, first=1, after=cursor, order="KK_NUMBER")
    assert error_codes(body) == ["INVALID_CURSOR"]


async def test_person_by_nik_and_household_by_id(node_client, node_database):
    record = factories.household(members=3, head_name="Dewi Lestari")
    [household_id] = await store(node_database, [record])
    nik = record.members[1].nik
    body = await gql(node_client, """query($nik: String!) { person(nik: $nik) {
        nik name sex relationship household { id kkNumber members { nik } } } }""", nik=nik)
    person = body["data"]["person"]
    assert person["nik"] == nik and person["relationship"] == "SPOUSE"
    assert person["household"]["kkNumber"] == record.kk_number
    assert len(person["household"]["members"]) == 3
    unknown = factories.household().members[0].nik
    body = await gql(node_client, "query($nik: String!) { person(nik: $nik) { name } }",
                     nik=unknown)
    assert body == {"data": {"person": None}}
    body = await gql(node_client, "query($id: ID!) { household(id: $id) { kkNumber desaName "
                     "kecamatanName } }", id=str(household_id))
    assert body["data"]["household"] == {"kkNumber": record.kk_number,
                                         "desaName": "Sukarasa", "kecamatanName": "Sukasari"}


async def test_grouped_counts(node_client, node_database):
    await store(node_database, [
        factories.household("32.73.01.1001", members=2, programs=(Program.PKH, Program.BPNT)),
        factories.household("32.73.01.1001", members=3, programs=(Program.PKH,)),
        factories.household("32.73.02.1001", members=4, status=HouseholdStatus.PROPOSED),
    ])
    body = await gql(node_client, """{ householdCounts(groupBy: [KECAMATAN, STATUS]) {
        kecamatanCode status desaCode households members } }""")
    assert body["data"]["householdCounts"] == [
        {"kecamatanCode": "32.73.01", "status": "ACTIVE", "desaCode": None, "households": 2,
         "members": 5},
        {"kecamatanCode": "32.73.02", "status": "PROPOSED", "desaCode": None, "households": 1,
         "members": 4},
    ]
    body = await gql(node_client, "{ householdCounts(groupBy: [PROGRAM]) { program households } }")
    assert body["data"]["householdCounts"] == [{"program": "BPNT", "households": 1},
                                               {"program": "PKH", "households": 2}]
    body = await gql(node_client, "{ householdCounts(groupBy: []) { households members } }")
    assert body["data"]["householdCounts"] == [{"households": 3, "members": 9}]


async def test_related_rows_load_in_batches_not_per_household(node_client, node_database):
    await store(node_database, [factories.household(members=4, programs=(Program.PKH,))
                                for _ in range(40)])
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    engine = node_database.read_engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        body = await gql(node_client, """{ households(first: 40) { edges { node {
            head { name } members { nik household { kkNumber } } programs { program } } } } }""")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    edges = body["data"]["households"]["edges"]
    assert len(edges) == 40 and all(len(e["node"]["members"]) == 4 for e in edges)
    # the page, members (one batch), programs (one batch), households of members (one batch)
    assert len(statements) <= 4, statements


async def test_health_and_readiness(node_client, node_database):
    response = await node_client.get("/healthz")
    assert response.status == 200
    response = await node_client.get("/readyz")
    assert response.status == 200
    assert (await response.json())["status"] == "ready"
    async with node_database.reader() as session:
        assert (await session.execute(select(func.count()).select_from(Household))).scalar() == 0
