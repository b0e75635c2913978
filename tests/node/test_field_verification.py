"""Field verification over HTTP, on SQLite and PostgreSQL: a real JPEG goes up over
``POST /uploads/photo`` with a real token, the visit is recorded over GraphQL, and the flags,
immutability, file storage and audit entries are checked in the node's database and data
directory."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from regional_node.adapters.database import Database
from regional_node.adapters.orm import AuditEntry, FieldVerification, Photo
from regional_node.config import NodeConfig
from regional_node.entrypoints.app import DATABASE, create_app
from regional_node.entrypoints.photo_upload import FIELD_VERIFICATION, PHOTO_FILES
from regional_node.service_layer.audit import verify_audit_chain
from schema.roles import Principal, Role
from tests import factories
from tests.node.field_helpers import (
    BANDUNG,
    BANDUNG_50M_EAST,
    BANDUNG_330M_EAST,
    JAKARTA,
    RECORD,
    VERIFICATION_FIELDS,
    jpeg,
    post_photo,
    upload,
    visit_input,
)
from tests.node.helpers import error_codes, gql, store, token_for

DESA = "32.73.01.1001"
PENDAMPING = Principal("pd-kec-01", Role.PENDAMPING, region="32.73.01")
OTHER_PENDAMPING = Principal("pd-kec-02", Role.PENDAMPING, region="32.73.02")
OPERATOR = Principal("op-bandung-1001", Role.OPERATOR_DESA, region=DESA)
DINSOS = Principal("dinsos-bandung", Role.DINSOS, region="32.73")
KEMENSOS = Principal("kemensos-1", Role.KEMENSOS)
MITRA = Principal("kementan-1", Role.MITRA, programs=("PKH",))


class Client:
    """The node over HTTP, acting as a given principal with a real token."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    async def call(self, principal: Principal, query: str, **variables: Any) -> dict[str, Any]:
        return await gql(self.client, query, principal=principal, **variables)


@pytest.fixture
def node(node_client: TestClient) -> Client:
    return Client(node_client)


@pytest.fixture
def database(node_client: TestClient) -> Database:
    return node_client.app[DATABASE]


async def configured(database_url: str, aiohttp_client: Any, tmp_path: Path,
                     monkeypatch: pytest.MonkeyPatch, **environment: str) -> Client:
    """A node started with these SIKS_NODE_* variables set."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    config = NodeConfig(region="32.73", db_url=database_url, data_dir=str(tmp_path / "node"))
    return Client(await aiohttp_client(create_app(config)))


async def household(database: Database, desa: str = DESA) -> int:
    [household_id] = await store(database, [factories.household(desa)])
    return household_id


async def record(node: Client, principal: Principal, photo: str, at: tuple[float, float],
                 **target: Any) -> dict[str, Any]:
    return await node.call(principal, RECORD, input=visit_input(photo, at, **target))


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def recorded(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    value: dict[str, Any] = body["data"]["recordFieldVerification"]
    return value


# --- the upload -----------------------------------------------------------------------------

async def test_a_photo_is_stored_once_under_its_sha256_with_its_exif_position(
        node_client: TestClient, database: Database) -> None:
    content = jpeg(gps=BANDUNG)
    sha256 = hashlib.sha256(content).hexdigest()
    first = await post_photo(node_client, PENDAMPING, content)
    assert first.status == 201, await first.text()
    body = await first.json()
    assert body["sha256"] == sha256 and body["created"] is True
    assert body["sizeBytes"] == len(content) and (body["width"], body["height"]) == (96, 64)
    assert body["exifPosition"]["latitude"] == pytest.approx(BANDUNG[0], abs=1e-6)
    assert body["exifPosition"]["longitude"] == pytest.approx(BANDUNG[1], abs=1e-6)
    assert body["exifTakenAt"] == "2026-11-20T10:11:12"

    path = node_client.app[PHOTO_FILES].path_of(sha256)
    assert path.name == f"{sha256}.jpg" and path.read_bytes() == content
    again = await post_photo(node_client, PENDAMPING, content)
    assert again.status == 200 and (await again.json())["created"] is False
    async with database.reader() as session:
        photos = list(await session.scalars(select(Photo)))
        entries = list(await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "photo.store")))
    assert [p.sha256 for p in photos] == [sha256]
    assert [(e.entity_id, e.attachments, e.actor) for e in entries] == [
        (sha256, [sha256], PENDAMPING.user_id)]


async def test_a_photo_without_exif_gps_is_accepted_without_a_position(
        node_client: TestClient) -> None:
    body = await upload(node_client, PENDAMPING, jpeg(gps=None, taken_at=None))
    assert body["exifPosition"] is None and body["exifTakenAt"] is None


@pytest.mark.parametrize(("content", "headers", "status", "code", "reason"), [
    (b"%PDF-1.4\n%%EOF\n", {}, 400, "INVALID_INPUT", "not_jpeg"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, {}, 400, "INVALID_INPUT", "not_jpeg"),
    (jpeg(gps=BANDUNG)[:400], {}, 400, "INVALID_INPUT", "corrupt"),
    (b"", {}, 400, "INVALID_INPUT", "empty"),
    (jpeg(gps=BANDUNG), {"Content-Type": "multipart/form-data; boundary=x"}, 415,
     "UNSUPPORTED_MEDIA_TYPE", None),
    (jpeg(gps=BANDUNG), {"X-SIKS-Upload": ""}, 403, "FORBIDDEN", "upload_header"),
])
async def test_bad_uploads_are_refused_with_a_typed_error_and_store_nothing(
        node_client: TestClient, database: Database, content: bytes, headers: dict[str, str],
        status: int, code: str, reason: str | None) -> None:
    response = await post_photo(node_client, PENDAMPING, content, headers=headers)
    assert response.status == status, await response.text()
    [error] = (await response.json())["errors"]
    assert error["extensions"]["code"] == code
    assert error["extensions"].get("reason") == reason
    async with database.reader() as session:
        assert list(await session.scalars(select(Photo))) == []
    assert files_under(node_client.app[PHOTO_FILES].root) == []


async def test_an_oversized_photo_is_refused_with_413(
        database_url: str, aiohttp_client: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    node = await configured(database_url, aiohttp_client, tmp_path, monkeypatch,
                            SIKS_NODE_PHOTO_MAX_BYTES="2000")
    content = jpeg(gps=BANDUNG, size=(400, 300), seed=3)
    assert len(content) > 2_000
    response = await post_photo(node.client, PENDAMPING, content)
    assert response.status == 413
    [error] = (await response.json())["errors"]
    assert error["extensions"] == {"code": "INVALID_INPUT", "reason": "too_large",
                                   "field": "photo"}


async def test_uploading_needs_a_token_and_a_role_that_may(node_client: TestClient) -> None:
    content = jpeg(gps=BANDUNG)
    anonymous = await post_photo(node_client, None, content)
    assert anonymous.status == 401
    forged = await post_photo(node_client, None, content,
                              headers={"Authorization": "Bearer not.a.token"})
    assert forged.status == 401
    for principal in (KEMENSOS, MITRA):
        refused = await post_photo(node_client, principal, content)
        assert refused.status == 403
        assert (await refused.json())["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_photo_is_served_back_only_to_staff_whose_scope_covers_it(
        node: Client, database: Database) -> None:
    household_id = await household(database)
    content = jpeg(gps=BANDUNG, seed=5)
    photo = await upload(node.client, PENDAMPING, content)
    recorded(await record(node, PENDAMPING, photo["sha256"], BANDUNG,
                          household_id=household_id))
    url = f"/uploads/photo/{photo['sha256']}"
    for principal, status in ((DINSOS, 200), (KEMENSOS, 200), (OPERATOR, 200),
                              (OTHER_PENDAMPING, 404), (MITRA, 403)):
        token = token_for(node.client, principal)
        response = await node.client.get(url, headers={"Authorization": f"Bearer {token}"})
        assert response.status == status, (principal.user_id, await response.text())
        if status == 200:
            assert await response.read() == content
            assert response.content_type == "image/jpeg"
    assert (await node.client.get(url)).status == 401


# --- recording a visit: flags ---------------------------------------------------------------

async def test_a_visit_inside_the_regency_near_the_photo_has_no_flag(
        node: Client, database: Database) -> None:
    household_id = await household(database)
    photo = await upload(node.client, PENDAMPING, jpeg(gps=BANDUNG))
    visit = recorded(await record(node, PENDAMPING, photo["sha256"], BANDUNG_50M_EAST,
                                  household_id=household_id, note="rumah semi permanen"))
    assert visit["flags"] == [] and visit["flagged"] is False
    assert visit["distanceFromPhotoM"] == pytest.approx(50, abs=3)
    assert visit["householdId"] == str(household_id) and visit["desaCode"] == DESA
    assert visit["position"] == {"latitude": BANDUNG_50M_EAST[0],
                                 "longitude": BANDUNG_50M_EAST[1]}
    assert visit["photo"]["sha256"] == photo["sha256"]
    assert visit["photo"]["url"] == f"/uploads/photo/{photo['sha256']}"
    assert visit["verifiedBy"] == PENDAMPING.user_id and visit["verifiedRole"] == "PENDAMPING"
    assert visit["period"].endswith(("-S1", "-S2"))


async def test_a_point_outside_the_regency_is_flagged_not_refused(
        node: Client, database: Database) -> None:
    household_id = await household(database)
    photo = await upload(node.client, PENDAMPING, jpeg(gps=JAKARTA))
    visit = recorded(await record(node, PENDAMPING, photo["sha256"], JAKARTA,
                                  household_id=household_id))
    assert visit["flags"] == ["OUTSIDE_REGENCY"]
    assert visit["distanceFromPhotoM"] == pytest.approx(0, abs=1)


async def test_a_point_far_from_the_photos_gps_is_flagged(node: Client,
                                                          database: Database) -> None:
    household_id = await household(database)
    photo = await upload(node.client, PENDAMPING, jpeg(gps=BANDUNG))
    visit = recorded(await record(node, PENDAMPING, photo["sha256"], BANDUNG_330M_EAST,
                                  household_id=household_id))
    assert visit["flags"] == ["FAR_FROM_PHOTO"]
    assert visit["distanceFromPhotoM"] == pytest.approx(331, abs=3)


async def test_the_distance_threshold_is_configurable(
        database_url: str, aiohttp_client: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    node = await configured(database_url, aiohttp_client, tmp_path, monkeypatch,
                            SIKS_NODE_GEOTAG_MAX_DISTANCE_M="400")
    assert node.client.app[FIELD_VERIFICATION].max_distance_m == 400
    household_id = await household(node.client.app[DATABASE])
    photo = await upload(node.client, PENDAMPING, jpeg(gps=BANDUNG))
    visit = recorded(await record(node, PENDAMPING, photo["sha256"], BANDUNG_330M_EAST,
                                  household_id=household_id))
    assert visit["flags"] == []


async def test_a_photo_without_gps_and_a_point_in_jakarta_raise_both_flags(
        node: Client, database: Database) -> None:
    household_id = await household(database)
    photo = await upload(node.client, PENDAMPING, jpeg(gps=None))
    visit = recorded(await record(node, PENDAMPING, photo["sha256"], JAKARTA,
                                  household_id=household_id))
    assert visit["flags"] == ["OUTSIDE_REGENCY", "PHOTO_WITHOUT_GPS"]
    assert visit["distanceFromPhotoM"] is None and visit["photo"]["exifPosition"] is None


# --- immutability and audit -----------------------------------------------------------------

async def test_a_second_visit_is_a_new_verification_and_the_first_is_unchanged(
        node: Client, database: Database) -> None:
    household_id = await household(database)
    first_photo = await upload(node.client, PENDAMPING, jpeg(gps=BANDUNG, seed=1))
    first = recorded(await record(node, PENDAMPING, first_photo["sha256"], BANDUNG,
                                  household_id=household_id))
    async with database.reader() as session:
        stored_first = (await session.get(FieldVerification, first["id"]))
        assert stored_first is not None
        before = {c.name: getattr(stored_first, c.key)
                  for c in FieldVerification.__table__.columns}

    second_photo = await upload(node.client, PENDAMPING, jpeg(gps=BANDUNG_50M_EAST, seed=2))
    second = recorded(await record(node, PENDAMPING, second_photo["sha256"], BANDUNG_50M_EAST,
                                   household_id=household_id))
    reused = recorded(await record(node, PENDAMPING, first_photo["sha256"], BANDUNG,
                                   household_id=household_id))
    assert len({first["id"], second["id"], reused["id"]}) == 3
    assert reused["flags"] == ["PHOTO_REUSED"]

    async with database.reader() as session:
        rows = list(await session.scalars(select(FieldVerification).where(
            FieldVerification.household_id == household_id)))
        stored_first = await session.get(FieldVerification, first["id"])
        assert stored_first is not None
        after = {c.name: getattr(stored_first, c.key)
                 for c in FieldVerification.__table__.columns}
    assert len(rows) == 3 and after == before

    listed = await node.call(DINSOS, f"""query($h: ID) {{ fieldVerifications(householdId: $h)
        {{ {VERIFICATION_FIELDS} }} }}""", h=str(household_id))
    assert "errors" not in listed, listed
    assert {v["id"] for v in listed["data"]["fieldVerifications"]} == {
        first["id"], second["id"], reused["id"]}


async def test_retrying_the_same_visit_id_creates_nothing_and_other_content_conflicts(
        node: Client, database: Database) -> None:
    household_id = await household(database)
    photo = await upload(node.client, PENDAMPING, jpeg(gps=BANDUNG))
    vid = str(uuid.uuid4())
    submission = visit_input(photo["sha256"], BANDUNG, household_id=household_id, vid=vid)
    first = recorded(await node.call(PENDAMPING, RECORD, input=submission))
    retry = recorded(await node.call(PENDAMPING, RECORD, input=submission))
    assert retry == first
    moved = await node.call(PENDAMPING, RECORD, input={**submission, "latitude": JAKARTA[0],
                                                       "longitude": JAKARTA[1]})
    assert error_codes(moved) == ["CONFLICT"]
    async with database.reader() as session:
        rows = list(await session.scalars(select(FieldVerification)))
    assert [(r.id, r.latitude, r.longitude) for r in rows] == [(vid, *BANDUNG)]


async def test_the_database_refuses_to_change_or_delete_photos_and_verifications(
        node: Client, database: Database) -> None:
    household_id = await household(database)
    photo = await upload(node.client, PENDAMPING, jpeg(gps=BANDUNG))
    visit = recorded(await record(node, PENDAMPING, photo["sha256"], BANDUNG,
                                  household_id=household_id))
    statements = [
        update(FieldVerification).where(FieldVerification.id == visit["id"])
        .values(latitude=JAKARTA[0]),
        delete(FieldVerification).where(FieldVerification.id == visit["id"]),
        update(Photo).where(Photo.sha256 == photo["sha256"]).values(exif_latitude=0.0),
        delete(Photo).where(Photo.sha256 == photo["sha256"]),
    ]
    for statement in statements:
        async with database.writer() as session:
            with pytest.raises((DBAPIError, IntegrityError), match="immutable"):
                async with session.begin():
                    await session.execute(statement)
    async with database.reader() as session:
        row = await session.get(FieldVerification, visit["id"])
        assert row is not None and (row.latitude, row.longitude) == BANDUNG
        count = (await session.execute(text("SELECT count(*) FROM photo"))).scalar_one()
        assert count == 1


async def test_the_audit_entry_of_a_visit_names_the_photo_hash(
        node: Client, database: Database) -> None:
    household_id = await household(database)
    photo = await upload(node.client, PENDAMPING, jpeg(gps=BANDUNG))
    visit = recorded(await record(node, PENDAMPING, photo["sha256"], BANDUNG,
                                  household_id=household_id))
    async with database.reader() as session:
        entry = (await session.scalars(select(AuditEntry).where(
            AuditEntry.action == "field_verification.record"))).one()
    assert (entry.entity_type, entry.entity_id) == ("field_verification", visit["id"])
    assert entry.attachments == [photo["sha256"]]
    assert (entry.actor, entry.role) == (PENDAMPING.user_id, "PENDAMPING")
    assert (await verify_audit_chain(database)).ok


# --- refusals -------------------------------------------------------------------------------

async def test_refused_visits_have_typed_errors_and_change_nothing(
        node: Client, database: Database) -> None:
    household_id = await household(database)
    photo = await upload(node.client, PENDAMPING, jpeg(gps=BANDUNG))
    sha = photo["sha256"]
    cases = [
        (OPERATOR, visit_input(sha, BANDUNG, household_id=household_id),
         ["FORBIDDEN_FIELD"]),
        (DINSOS, visit_input(sha, BANDUNG, household_id=household_id), ["FORBIDDEN_FIELD"]),
        (OTHER_PENDAMPING, visit_input(sha, BANDUNG, household_id=household_id),
         ["OUT_OF_SCOPE"]),
        (PENDAMPING, visit_input("0" * 64, BANDUNG, household_id=household_id),
         ["NOT_FOUND"]),
        (PENDAMPING, visit_input(sha, BANDUNG, household_id=999_999), ["NOT_FOUND"]),
        (PENDAMPING, visit_input(sha, BANDUNG), ["INVALID_INPUT"]),
        (PENDAMPING, visit_input(sha, (-96.0, 107.6), household_id=household_id),
         ["INVALID_INPUT"]),
        (PENDAMPING, {**visit_input(sha, BANDUNG, household_id=household_id),
                      "id": "not-a-uuid"}, ["INVALID_INPUT"]),
    ]
    async with database.reader() as session:
        audit_before = len(list(await session.scalars(select(AuditEntry.seq))))
    for principal, submission, codes in cases:
        body = await node.call(principal, RECORD, input=submission)
        assert error_codes(body) == codes, (principal.user_id, submission, body)
    async with database.reader() as session:
        assert list(await session.scalars(select(FieldVerification))) == []
        assert len(list(await session.scalars(select(AuditEntry.seq)))) == audit_before
