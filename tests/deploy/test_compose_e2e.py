"""The federation of docker-compose.yml, really exercised without a container engine: every
service's own command and environment run as local processes (tests/deploy/compose.py), then
a new household proposed at node 32.73 goes through the whole update cycle across them, by
their public interfaces only: logins and GraphQL over HTTP, the photo upload, the node's
relay to the gateway's inbox over mutual TLS, and `siks gateway decide` as Kemensos runs it.

DRAFT → SUBMITTED → NIK_VALID (the sandbox registry knows the person: `siks sandbox-registry
add`) → VERIFIED (a pendamping's geotagged house photo inside Kota Bandung) → APPROVED_KABKOTA
→ (relay) RECEIVED_NATIONAL → `decide determine` → DETERMINED; a second proposal →
`decide return` → RETURNED with the reason. The gateway knows a record by the proposal's id
(regional_node/domain/sync.py, submission_record).
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest

from tests.deploy.compose import LocalFederation
from tests.deploy.doc_blocks import compose_steps
from tests.node.field_helpers import BANDUNG, BANDUNG_50M_EAST, jpeg

NODE = "node-3273"
PEOPLE = [  # (NIK, name, birth date, sex, KK): new households of desa 32.73.01.1001
    ("3273011203800917", "Budi Santoso", "1980-03-12", "male", "3273010403150917"),
    ("3273015505850918", "Siti Rahayu", "1985-05-15", "female", "3273010403150918"),
]
MINUTES = b"%PDF-1.4\n% berita acara musyawarah kelurahan\n%%EOF\n"
WAIT_S = 30.0


def _post(url: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            result: dict[str, Any] = json.loads(answer.read())
            return result
    except urllib.error.HTTPError as error:
        raise AssertionError(f"{url}: HTTP {error.code} {error.read()[:500]!r}") from None


class Staff:
    """One person logged in at the node, calling its public HTTP API."""

    def __init__(self, federation: LocalFederation, username: str, secret: str) -> None:
        self.base = federation.url(NODE, 8100)
        login = _post(f"{self.base}/auth/login", json.dumps(
            {"username": username, "password": federation.passwords[secret]}).encode(),
            {"Content-Type": "application/json"})
        self.headers = {"Authorization": f"Bearer {login['access_token']}"}

    def graphql(self, query: str, **variables: Any) -> dict[str, Any]:
        body = _post(f"{self.base}/graphql", json.dumps(
            {"query": query, "variables": variables}).encode(),
            {**self.headers, "Content-Type": "application/json"})
        assert not body.get("errors"), body
        data: dict[str, Any] = body["data"]
        return data

    def upload_photo(self, content: bytes) -> str:
        body = _post(f"{self.base}/uploads/photo", content,
                     {**self.headers, "X-SIKS-Upload": "photo", "Content-Type": "image/jpeg"})
        sha: str = body["sha256"]
        return sha


def _federated_count(federation: LocalFederation) -> dict[str, Any]:
    """Kemensos at the gateway counts households on every node (gateway -> nodes over mutual
    TLS, the user in a token signed with the gateway's key), once the gateway's probe has
    picked up the nodes `siks gateway node add` registered after it started."""
    base = federation.url("gateway", 8080)
    login = _post(f"{base}/auth/login", json.dumps(
        {"username": "kemensos", "password": federation.passwords["kemensos"]}).encode(),
        {"Content-Type": "application/json"})
    headers = {"Authorization": f"Bearer {login['access_token']}",
               "Content-Type": "application/json"}
    query = json.dumps({"query": "{ households(first: 1) { totalCount } }"}).encode()
    deadline = time.monotonic() + WAIT_S
    while True:
        body = _post(f"{base}/graphql", query, headers)
        if body["extensions"]["federation"]["ok"] == 3:
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.5)


STATE = "query($id: ID!) { proposal(id: $id) { state reason } }"


def _proposal(operator: Staff, minutes: str, person: tuple[str, ...]) -> str:
    nik, name, born, sex, kk = person
    proposal_id = str(uuid.uuid4())
    created = operator.graphql("""mutation($input: ProposalInput!) {
        createProposal(input: $input) { id state } }""", input={
        "id": proposal_id,
        "musdes": {"heldOn": "2026-11-02", "minutesNumber": "BA/07/XI/2026",
                   "minutesSha256": minutes},
        "details": {"newHousehold": {
            "kkNumber": kk, "desaCode": "32.73.01.1001", "address": "Jl. Sukarasa No. 9",
            "members": [{"nik": nik, "name": name, "birthDate": born,
                         "sex": sex.upper(), "relationship": "HEAD"}]}}})
    assert created["createProposal"]["state"] == "DRAFT"
    submitted = operator.graphql("mutation($id: ID!) { submitProposal(id: $id) { state } }",
                                 id=proposal_id)
    assert submitted["submitProposal"]["state"] == "NIK_VALID", submitted
    return proposal_id


def _verify(pendamping: Staff, proposal_id: str, seed: int) -> None:
    photo = pendamping.upload_photo(jpeg(gps=BANDUNG, seed=seed))
    visit = pendamping.graphql("""mutation($input: FieldVerificationInput!) {
        recordFieldVerification(input: $input) { flags } }""", input={
        "id": str(uuid.uuid4()), "photoSha256": photo, "latitude": BANDUNG_50M_EAST[0],
        "longitude": BANDUNG_50M_EAST[1], "proposalId": proposal_id})
    assert visit["recordFieldVerification"]["flags"] == []
    verified = pendamping.graphql("mutation($id: ID!) { verifyProposal(id: $id) { state } }",
                                  id=proposal_id)
    assert verified["verifyProposal"]["state"] == "VERIFIED"


def _wait_state(staff: Staff, proposal_id: str, state: str) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_S
    while True:
        proposal: dict[str, Any] = staff.graphql(STATE, id=proposal_id)["proposal"]
        if proposal["state"] == state:
            return proposal
        assert time.monotonic() < deadline, f"{proposal_id} still {proposal} after {WAIT_S} s"
        time.sleep(0.25)


@pytest.mark.postgres
def test_a_proposal_travels_the_compose_federation(federation: LocalFederation) -> None:
    federation.up()
    keys = {volume: sorted(str(k.relative_to(federation.volume_dir(volume)))
                           for k in federation.volume_dir(volume).rglob("*.key"))
            for volume in ("ca", "pki-exchange", "pki-gateway", "pki-3273")}
    assert keys == {"ca": ["ca/ca.key"], "pki-exchange": [],  # only requests and certificates
                    "pki-gateway": ["gateway/signing.key", "gateway/tls.key"],
                    "pki-3273": ["regions/32.73/signing.key", "regions/32.73/tls.key"]}
    for region in ("3273", "3578", "5371"):
        assert "ACTIVE" in federation.log(f"gateway-node-add-{region}")
    assert _federated_count(federation)["data"]["households"]["totalCount"] == 900
    for nik, name, born, sex, kk in PEOPLE:
        federation.run("registry", "siks", "sandbox-registry", "add", "--nik", nik,
                       "--name", name, "--birth-date", born, "--sex", sex, "--kk", kk)
    operator = Staff(federation, "operator-3273", "operator-3273")
    pendamping = Staff(federation, "pendamping-3273", "pendamping-3273")
    dinsos = Staff(federation, "dinsos-3273", "dinsos-3273")
    minutes = operator.graphql("""mutation($c: String!) { uploadAttachment(contentBase64: $c,
        mediaType: "application/pdf", filename: "ba-muskel.pdf") { sha256 } }""",
                               c=base64.b64encode(MINUTES).decode())["uploadAttachment"]["sha256"]

    ids = [_proposal(operator, minutes, person) for person in PEOPLE]
    for seed, proposal_id in enumerate(ids, start=1):
        _verify(pendamping, proposal_id, seed)
        approved = dinsos.graphql("mutation($id: ID!) { approveProposal(id: $id) { state } }",
                                  id=proposal_id)
        assert approved["approveProposal"]["state"] == "APPROVED_KABKOTA"
    for proposal_id in ids:  # the relay delivered it, signed, to the gateway's inbox
        _wait_state(dinsos, proposal_id, "RECEIVED_NATIONAL")

    determined, returned = ids
    printed = federation.run("gateway", "siks", "gateway", "decide", "determine",
                             "--decree-number", "146/HUK/2026", "--decree-date", "2026-11-20",
                             "--period", "2026-S2", "--region", "32.73", "--records", determined)
    assert "32.73" in printed
    federation.run("gateway", "siks", "gateway", "decide", "return", "--region", "32.73",
                   "--records", returned, "--reason", "KK tidak ditemukan di alamat")
    assert _wait_state(dinsos, determined, "DETERMINED")["state"] == "DETERMINED"
    assert _wait_state(dinsos, returned, "RETURNED")["reason"] == "KK tidak ditemukan di alamat"

    # docs/deploy.md: the CA re-signs the CRL, every holder installs it; the federation goes on
    crl = federation.volume_dir("ca") / "ca" / "crl.pem"
    before = crl.read_bytes()
    for service, command in compose_steps():
        federation.run(service, *command)
    assert crl.read_bytes() != before
    for volume in ("pki-gateway", "pki-3273", "pki-3578", "pki-5371"):
        assert (federation.volume_dir(volume) / "ca" / "crl.pem").read_bytes() == crl.read_bytes()
    _federated_count(federation)  # new handshakes, with the new CRL, on every link
