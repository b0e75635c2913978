"""Security review (issue 16) item 13: mutations that touch no one row check the principal's
scope against the node's kab/kota (32.73 here). A Dinas Sosial of 32.72 may not define a
verivali period on 32.73; operators and pendamping of other areas may not store attachments
or house photos there. Every refusal is OUT_OF_SCOPE and stores nothing."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import func, select

from regional_node.adapters.orm import Attachment, FieldVerification, Photo, VerivaliPeriod
from regional_node.domain.proposals import ProposalScope, covers
from schema.roles import Principal, Role
from tests import factories
from tests.node.field_helpers import BANDUNG, RECORD, jpeg, post_photo, upload, visit_input
from tests.node.helpers import error_codes, gql, store

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

DINSOS_CIMAHI = Principal("user:dinsos-cimahi", Role.DINSOS, "32.77")
DINSOS_KAB_BANDUNG = Principal("user:dinsos-kab-bandung", Role.DINSOS, "32.04")
DINSOS_JABAR = Principal("user:dinsos-jabar", Role.DINSOS, "32")
DINSOS_KOTA = Principal("user:dinsos-kota-bandung", Role.DINSOS, "32.73")
OPERATOR_ELSEWHERE = Principal("user:op-cimahi", Role.OPERATOR_DESA, "32.77.01.1001")
PENDAMPING_ELSEWHERE = Principal("user:pd-cimahi", Role.PENDAMPING, "32.77.01")
OPERATOR_HERE = Principal("user:op-bandung", Role.OPERATOR_DESA, "32.73.01.1001")
PENDAMPING_HERE = Principal("user:pd-bandung", Role.PENDAMPING, "32.73.01")
ASSIGNED = Principal("user:pd-assigned", Role.PENDAMPING, "32.73.02", household_ids=(1,))

CREATE_PERIOD = """mutation($input: VerivaliPeriodInput!) {
    createVerivaliPeriod(input: $input) { code } }"""
UPLOAD = """mutation($c: String!) { uploadAttachment(contentBase64: $c,
    mediaType: "application/pdf", filename: "ba.pdf") { sha256 } }"""


async def _count(node_client, table) -> int:  # type: ignore[no-untyped-def]
    from regional_node.entrypoints.app import DATABASE
    async with node_client.app[DATABASE].reader() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


@SQLITE
async def test_a_verivali_period_needs_a_scope_holding_the_whole_kabkota(node_client):
    for n, outsider in enumerate((DINSOS_CIMAHI, DINSOS_KAB_BANDUNG)):
        body = await gql(node_client, CREATE_PERIOD, principal=outsider, input={
            "code": f"2027-LUAR{n}", "startsOn": "2027-01-01", "endsOn": "2027-01-31"})
        assert error_codes(body) == ["OUT_OF_SCOPE"], body
    assert await _count(node_client, VerivaliPeriod) == 0
    for n, insider in enumerate((DINSOS_KOTA, DINSOS_JABAR)):
        body = await gql(node_client, CREATE_PERIOD, principal=insider, input={
            "code": f"2028-DALAM{n}", "startsOn": f"2028-0{n + 1}-01",
            "endsOn": f"2028-0{n + 1}-20"})
        assert error_codes(body) == [], body


@SQLITE
async def test_attachments_only_from_uploaders_whose_scope_meets_the_node(node_client):
    for n, outsider in enumerate((OPERATOR_ELSEWHERE, PENDAMPING_ELSEWHERE, DINSOS_CIMAHI)):
        content = base64.b64encode(b"%PDF-1.4\n% luar " + bytes([n]) + b"\n%%EOF\n").decode()
        body = await gql(node_client, UPLOAD, principal=outsider, c=content)
        assert error_codes(body) == ["OUT_OF_SCOPE"], body
    assert await _count(node_client, Attachment) == 0
    for n, insider in enumerate((OPERATOR_HERE, PENDAMPING_HERE, ASSIGNED, DINSOS_JABAR)):
        content = base64.b64encode(b"%PDF-1.4\n% dalam " + bytes([n]) + b"\n%%EOF\n").decode()
        body = await gql(node_client, UPLOAD, principal=insider, c=content)
        assert error_codes(body) == [], body


@SQLITE
async def test_house_photos_only_from_uploaders_whose_scope_meets_the_node(node_client):
    for n, outsider in enumerate((OPERATOR_ELSEWHERE, PENDAMPING_ELSEWHERE)):
        response = await post_photo(node_client, outsider, jpeg(gps=BANDUNG, seed=n))
        assert response.status == 403
        assert (await response.json())["errors"][0]["extensions"]["code"] == "OUT_OF_SCOPE"
    assert await _count(node_client, Photo) == 0
    response = await post_photo(node_client, PENDAMPING_HERE, jpeg(gps=BANDUNG, seed=9))
    assert response.status == 201, await response.text()


def test_assigned_families_count_only_in_the_pendamping_s_kabkota():
    assigned = Principal("user:pd", Role.PENDAMPING, "32.73.02", household_ids=(7,))
    assert covers(assigned, ProposalScope("32.73.01.1001", 7))  # another kecamatan: assigned
    elsewhere = Principal("user:pd-cimahi", Role.PENDAMPING, "32.77.01", household_ids=(7,))
    assert not covers(elsewhere, ProposalScope("32.73.01.1001", 7))  # 7 here is not theirs


@SQLITE
async def test_a_pendamping_of_another_kabkota_cannot_visit_a_family_by_its_number(
        node_client, node_database):
    [household] = await store(node_database, [factories.household("32.73.01.1001")])
    photo = await upload(node_client, PENDAMPING_HERE, jpeg(gps=BANDUNG, seed=21))
    # household ids are the node's own: the same number assigned at another kab/kota
    outsider = Principal("user:pd-cimahi", Role.PENDAMPING, "32.77.01",
                         household_ids=(household,))
    body = await gql(node_client, RECORD, principal=outsider, input=visit_input(
        photo["sha256"], BANDUNG, household_id=household))
    assert error_codes(body) == ["OUT_OF_SCOPE"], body
    assert await _count(node_client, FieldVerification) == 0
