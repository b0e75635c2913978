"""Identity at the node: login, token verification, the gateway's tokens, an OIDC JWKS."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jwt as jose_jwt
from joserfc.jwk import OctKey
from sqlalchemy import select

from certs.dev import ensure_dev_pki
from certs.identity import Identity
from certs.signing import SigningCredentials
from regional_node.adapters.orm import AuditEntry, UserAccount
from regional_node.config import NodeConfig
from regional_node.domain.audit import Actor
from regional_node.entrypoints.app import create_app
from regional_node.entrypoints.http_security import TOKEN_TRUST
from regional_node.service_layer.audit import verify_audit_chain
from regional_node.service_layer.unit_of_work import UnitOfWork
from regional_node.service_layer.users import NewUser, add_user
from schema.roles import Principal, Role
from schema.tokens import CLAIM_CLIENT_ADDRESS, claims_for, node_audience
from service_kit import jwt
from service_kit.service_tokens import gateway_token
from siks.cli import main as siks_main
from tests import factories
from tests.node.helpers import bearer, store, token_for

WHO = "{ node { region } }"
PASSWORD = "correct horse battery staple"


async def _post(client: Any, token: str | None, query: str = WHO, **headers: str) -> Any:
    return await client.post("/graphql", json={"query": query},
                             headers={**bearer(token), **headers})


async def _add(database: Any, username: str = "dinsos.admin", role: Role = Role.DINSOS,
               region: str | None = "32.73") -> None:
    async with UnitOfWork(database, Actor("test:admin", "SYSTEM")) as uow:
        await add_user(uow, NewUser(username, PASSWORD, role, region))
        await uow.commit()


async def test_login_issues_a_token_that_the_node_accepts(node_client, node_database):
    await _add(node_database)
    response = await node_client.post("/auth/login",
                                      json={"username": "dinsos.admin", "password": PASSWORD})
    assert response.status == 200
    body = await response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert jwt.unverified_header(body["access_token"])["alg"] == "EdDSA"
    await store(node_database, [factories.household()])
    answer = await (await _post(node_client, body["access_token"],
                                "{ households { edges { node { kkNumber } } } }")).json()
    assert "errors" not in answer and len(answer["data"]["households"]["edges"]) == 1


async def test_wrong_password_and_unknown_user_get_the_same_refusal(node_client, node_database):
    await _add(node_database)
    answers = []
    for username, password in (("dinsos.admin", "wrong password!!"), ("nobody", PASSWORD)):
        response = await node_client.post("/auth/login",
                                          json={"username": username, "password": password})
        assert response.status == 401
        answers.append(await response.json())
    assert answers[0] == answers[1]
    assert answers[0]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_creating_a_user_is_audited_and_the_password_is_hashed(node_database):
    await _add(node_database)
    async with node_database.reader() as session:
        user = (await session.execute(select(UserAccount))).scalar_one()
        entry = (await session.execute(
            select(AuditEntry).where(AuditEntry.action == "user.create"))).scalar_one()
    assert user.password_hash.startswith("scrypt$") and PASSWORD not in user.password_hash
    assert (entry.entity_type, entry.entity_id) == ("user_account", str(user.id))
    assert (await verify_audit_chain(node_database)).ok


def test_user_add_command(database_url: str, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code = siks_main(["node", "user", "add", "--db", database_url, "--username", "op.sukarasa",
                      "--role", "OPERATOR_DESA", "--scope", "32.73.01.1001", "--password-stdin"])
    assert code == 0 and "op.sukarasa" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    refused = siks_main(["node", "user", "add", "--db", database_url, "--username", "op.x",
                         "--role", "OPERATOR_DESA", "--password-stdin"])
    assert refused == 2 and "needs a region" in capsys.readouterr().err


async def _refused(client: Any, token: str) -> str:
    response = await _post(client, token)
    assert response.status == 401, await response.text()
    assert "invalid_token" in response.headers["WWW-Authenticate"]
    body = await response.json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    return str(body["errors"][0]["message"])


DINSOS = Principal("user:x", Role.DINSOS, "32.73")


async def test_bad_tokens_are_401_never_anonymous(node_client):
    trust = node_client.app[TOKEN_TRUST]
    now = dt.datetime.now(dt.UTC)
    expired = token_for(node_client, DINSOS, now=now - dt.timedelta(hours=1))
    assert "expired" in await _refused(node_client, expired)
    other_key = jwt.sign(claims_for(DINSOS, issuer=trust.issuer, audience=trust.audience,
                                    now=now), Ed25519PrivateKey.generate(), kid=trust.own.kid)
    assert "does not verify" in await _refused(node_client, other_key)
    claims = claims_for(DINSOS, issuer=trust.issuer, audience=trust.audience, now=now)
    header = base64.urlsafe_b64encode(b'{"alg":"none","kid":"%s"}' % trust.own.kid.encode())
    body = base64.urlsafe_b64encode(json.dumps(claims).encode())
    unsigned = f"{header.decode().rstrip('=')}.{body.decode().rstrip('=')}.c2ln"
    assert "algorithm 'none'" in await _refused(node_client, unsigned)
    public_as_secret = OctKey.import_key(trust.own.jwks()["keys"][0]["x"].encode())
    confused = jose_jwt.encode({"alg": "HS256", "kid": trust.own.kid}, claims, public_as_secret)
    assert "algorithm 'HS256'" in await _refused(node_client, confused)
    elsewhere = token_for(node_client, DINSOS)
    other_audience = jwt.sign(claims_for(DINSOS, issuer=trust.issuer,
                                         audience=node_audience("35.78"), now=now),
                              trust.own.private_key, kid=trust.own.kid)
    assert "not meant for" in await _refused(node_client, other_audience)
    too_long = token_for(node_client, DINSOS, lifetime=dt.timedelta(days=1))
    assert "longer" in await _refused(node_client, too_long)
    no_region = token_for(node_client, Principal("user:y", Role.OPERATOR_DESA))
    assert "needs a region" in await _refused(node_client, no_region)
    assert (await _post(node_client, elsewhere)).status == 200
    for bad in ("garbage", "a.b.c"):
        await _refused(node_client, bad)
    response = await node_client.post("/graphql", json={"query": WHO},
                                      headers={"Authorization": "Basic eDp5"})
    assert response.status == 401


async def test_an_unsigned_user_header_is_not_trusted(node_client, node_database):
    await store(node_database, [factories.household()])
    forged = base64.urlsafe_b64encode(json.dumps({"user": "x", "role": "DINSOS",
                                                  "region": "32.73"}).encode()).decode()
    body = await (await _post(node_client, None, "{ household(id: 1) { kkNumber } }",
                              **{"X-SIKS-User-Context": forged})).json()
    assert body["errors"][0]["extensions"] == {
        "code": "FORBIDDEN_FIELD", "field": "Query.household", "role": "PUBLIC"}


@pytest.fixture
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("pki")
    ensure_dev_pki(directory, ["32.73", "35.78"])
    return directory


async def test_gateway_tokens_verify_against_the_national_ca(pki, database_url, aiohttp_client,
                                                              tmp_path):
    config = NodeConfig(region="32.73", db_url=database_url, data_dir=str(tmp_path),
                        trust_ca=str(pki / "ca" / "ca.crt"), trust_crl=str(pki / "ca" / "crl.pem"))
    client = await aiohttp_client(create_app(config))
    kemensos = Principal("budi", Role.KEMENSOS)
    gateway = SigningCredentials.load(pki, Identity.gateway())
    token = gateway_token(kemensos, "32.73", gateway)
    body = await (await _post(client, token)).json()
    assert body == {"data": {"node": {"region": "32.73"}}}
    region_key = SigningCredentials.load(pki, Identity.region("35.78"))
    assert "not the gateway" in await _refused(client, gateway_token(kemensos, "32.73",
                                                                     region_key))
    assert "not meant for" in await _refused(client, gateway_token(kemensos, "35.78", gateway))


async def test_a_client_address_is_believed_only_under_the_gateways_signature(
        pki, database_url, aiohttp_client, tmp_path):
    """The public's address, forwarded by the gateway for the node's per-address limits, is
    read from a gateway token only: the node's own tokens (or anyone's) cannot set it."""
    config = NodeConfig(region="32.73", db_url=database_url, data_dir=str(tmp_path),
                        trust_ca=str(pki / "ca" / "ca.crt"), trust_crl=str(pki / "ca" / "crl.pem"))
    client = await aiohttp_client(create_app(config))
    trust = client.app[TOKEN_TRUST]
    gateway = SigningCredentials.load(pki, Identity.gateway())
    public = Principal("anonymous", Role.PUBLIC)
    relayed = gateway_token(public, "32.73", gateway, client_address="10.1.1.1")
    assert await trust.verify_forwarded(relayed) == (
        Principal("gateway#anonymous", Role.PUBLIC), "10.1.1.1")
    assert (await trust.verify_forwarded(gateway_token(public, "32.73", gateway)))[1] is None
    claims = claims_for(DINSOS, issuer=trust.issuer, audience=trust.audience,
                        now=dt.datetime.now(dt.UTC))
    own = jwt.sign({**claims, CLAIM_CLIENT_ADDRESS: "10.9.9.9"}, trust.own.private_key,
                   kid=trust.own.kid)
    assert await trust.verify_forwarded(own) == (DINSOS, None)


async def test_a_configured_oidc_jwks_is_trusted(database_url, aiohttp_client, tmp_path):
    key = Ed25519PrivateKey.generate()
    jwk = {**jwt.okp_key(key.public_key()).as_dict(private=False), "kid": "sso-1"}
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps({"keys": [jwk]}))
    issuer = "https://sso.example.test/realms/siks"
    config = NodeConfig(region="32.73", db_url=database_url, data_dir=str(tmp_path),
                        oidc_issuer=issuer, jwks_file=str(jwks_file))
    client = await aiohttp_client(create_app(config))
    claims = claims_for(Principal("ani", Role.DINSOS, "32.73"), issuer=issuer,
                        audience=node_audience("32.73"), now=dt.datetime.now(dt.UTC))
    assert (await _post(client, jwt.sign(claims, key, kid="sso-1"))).status == 200
    stranger = jwt.sign(claims, Ed25519PrivateKey.generate(), kid="sso-1")
    await _refused(client, stranger)
