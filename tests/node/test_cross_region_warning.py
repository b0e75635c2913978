"""A cross-region duplicate notice at a real node over HTTP (docs/duplicates.md): Dinas Sosial
of the region sees a CROSS_REGION_DUPLICATE warning naming the other kab/kota in
``householdWarnings`` and ``warningSummary``; an operator of another desa does not (scope);
the node's ``dataQuality`` counts it. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from certs.envelope import make_header, sign_envelope
from certs.identity import Identity
from certs.signing import SigningCredentials
from certs.trust import CertificateStore
from regional_node.service_layer.decisions import receive_decision
from schema.roles import Principal, Role
from schema.sync_messages import DuplicateFinding, duplicate_message
from tests.factories import household
from tests.node.helpers import DINSOS_BANDUNG, gql, store
from tests.sync.world import SECRET

LIST = """{ householdWarnings(first: 10) { total edges { node { kind source message
  english: message(language: "en") member { nik } } } } }"""
SUMMARY = "{ warningSummary { kind warnings } }"
QUALITY = "{ dataQuality { regionCode openWarnings { kind warnings } } }"
OTHER_DESA = Principal("user:op-other", Role.OPERATOR_DESA, "32.73.01.1002")


async def test_the_region_sees_the_warning_naming_the_other_region(
        node_client: Any, node_database: Any, node_signing_pki: Path) -> None:
    person = household("32.73.01.1001", members=2)
    await store(node_database, [person])
    nik = person.members[1].nik
    credentials = SigningCredentials.load(node_signing_pki, Identity.gateway())
    now = dt.datetime.now(dt.UTC)
    finding = DuplicateFinding(11, SECRET.key_of(nik), ("32.73", "35.78"), now, None, 1)
    header = make_header(action="duplicate", sender_id=credentials.holder.id,
                         receiver_id="32.73", total_count=1, message_ts=now)
    envelope = sign_envelope(header, duplicate_message([finding]), credentials.private_key,
                             credentials.kid, certificate=credentials.certificate)
    result = await receive_decision(node_database, CertificateStore.load(node_signing_pki),
                                    "32.73", envelope, now, SECRET)
    assert result.status == "APPLIED", result

    body = await gql(node_client, LIST, principal=DINSOS_BANDUNG)
    assert body["data"]["householdWarnings"]["total"] == 1
    [edge] = body["data"]["householdWarnings"]["edges"]
    assert (edge["node"]["kind"], edge["node"]["source"]) == ("CROSS_REGION_DUPLICATE",
                                                             "GATEWAY")
    assert edge["node"]["member"]["nik"] == nik  # the member it names
    masked = f"{nik[:4]}{'*' * 8}{nik[-4:]}"
    assert edge["node"]["message"] == (  # Indonesian by default, English when asked
        f"NIK {masked} juga terdaftar di Kota Surabaya (35.78): periksa bersama Dinas Sosial "
        "di sana dan Dukcapil, di wilayah mana orang ini tinggal.")
    assert edge["node"]["english"] == (
        f"NIK {masked} is also registered in Kota Surabaya (35.78): check with that "
        "region's Dinas Sosial and Dukcapil where this person lives.")
    summary = await gql(node_client, SUMMARY, principal=DINSOS_BANDUNG)
    assert {"kind": "CROSS_REGION_DUPLICATE", "warnings": 1} in [
        {"kind": r["kind"], "warnings": r["warnings"]} for r in summary["data"]["warningSummary"]]
    quality = await gql(node_client, QUALITY, principal=DINSOS_BANDUNG)
    [row] = quality["data"]["dataQuality"]
    assert {"kind": "CROSS_REGION_DUPLICATE", "warnings": 1} in row["openWarnings"]
    # control: an operator of another desa sees none of it
    other = await gql(node_client, LIST, principal=OTHER_DESA)
    assert other["data"]["householdWarnings"]["total"] == 0
