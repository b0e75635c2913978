"""Identity at the gateway: login, bearer verification (every forged or stale token is a 401,
never anonymous), the gateway's own users and command, an OIDC JWKS, and the tokens the
gateway signs for every node call (each verified and accepted by the node, over mTLS)."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jwt as jose_jwt
from joserfc.jwk import OctKey
from sqlalchemy import select

from certs.identity import Identity
from certs.signing import SigningCredentials
from gateway.adapters.database import open_database
from gateway.adapters.orm import GatewayAuditEntry, GatewayUser
from gateway.entrypoints.app import SERVICES
from gateway.identity.http import TOKENS
from gateway.identity.users import NewUser, add_user
from gateway.inbox.audit import verify_gateway_chain
from regional_node.entrypoints.http_security import TOKEN_TRUST
from schema.roles import Principal, Role
from schema.tokens import claims_for, node_audience
from service_kit import jwt
from service_kit.service_tokens import gateway_token
from siks.cli import main as siks_main
from tests import factories
from tests.gateway.identity_helpers import (
    DINSOS_BANDUNG,
    KEMENSOS,
    bearer,
    gql_as,
    secure_gateway,
    token_for,
)
from tests.node.helpers import store

PASSWORD = "correct horse battery staple"
LIST = "{ households(first: 5) { edges { node { id kkNumber } } } }"


@pytest.fixture
async def gateway_app(cluster, dev_pki, tmp_path, aiohttp_client):  # type: ignore[no-untyped-def]
    return await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)


async def _post(client: Any, token: str | None, query: str = LIST, **headers: str) -> Any:
    return await client.post("/graphql", json={"query": query},
                             headers={**bearer(token), **headers})


async def _refused(client: Any, token: str) -> str:
    response = await _post(client, token)
    assert response.status == 401, await response.text()
    assert "invalid_token" in response.headers["WWW-Authenticate"]
    body = await response.json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    return str(body["errors"][0]["message"])


async def test_login_issues_a_token_that_the_gateway_and_nodes_accept(gateway_app, cluster):
    database = gateway_app.app[SERVICES].database
    await add_user(database, NewUser("kemensos", PASSWORD, Role.KEMENSOS), actor="test")
    await store(cluster.nodes["32.73"].database, [factories.household()])
    response = await gateway_app.post("/auth/login",
                                      json={"username": "kemensos", "password": PASSWORD})
    assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
    body = await response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert jwt.unverified_header(body["access_token"])["alg"] == "EdDSA"
    answer = await (await _post(gateway_app, body["access_token"])).json()
    assert "errors" not in answer, answer
    assert answer["data"]["households"]["edges"][0]["node"]["kkNumber"].isdigit()
    jwks = await (await gateway_app.get("/auth/jwks")).json()
    assert jwks["keys"][0]["kid"] == gateway_app.app[TOKENS].own.kid
    assert "d" not in jwks["keys"][0]  # the public half only


async def test_wrong_password_and_unknown_user_get_the_same_refusal(gateway_app):
    database = gateway_app.app[SERVICES].database
    await add_user(database, NewUser("kemensos", PASSWORD, Role.KEMENSOS), actor="test")
    answers = []
    for username, password in (("kemensos", "wrong password!!"), ("nobody", PASSWORD)):
        response = await gateway_app.post("/auth/login",
                                          json={"username": username, "password": password})
        assert response.status == 401
        answers.append(await response.json())
    assert answers[0] == answers[1]
    assert answers[0]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_bad_tokens_are_401_never_anonymous(gateway_app):
    tokens = gateway_app.app[TOKENS]
    now = dt.datetime.now(dt.UTC)
    expired = token_for(gateway_app, KEMENSOS, now=now - dt.timedelta(hours=1))
    assert "expired" in await _refused(gateway_app, expired)
    other_key = jwt.sign(claims_for(KEMENSOS, issuer=tokens.issuer, audience=tokens.audience,
                                    now=now), Ed25519PrivateKey.generate(), kid=tokens.own.kid)
    assert "does not verify" in await _refused(gateway_app, other_key)
    claims = claims_for(KEMENSOS, issuer=tokens.issuer, audience=tokens.audience, now=now)
    header = base64.urlsafe_b64encode(b'{"alg":"none","kid":"%s"}' % tokens.own.kid.encode())
    body = base64.urlsafe_b64encode(json.dumps(claims).encode())
    unsigned = f"{header.decode().rstrip('=')}.{body.decode().rstrip('=')}.c2ln"
    assert "algorithm 'none'" in await _refused(gateway_app, unsigned)
    public_as_secret = OctKey.import_key(tokens.own.jwks()["keys"][0]["x"].encode())
    confused = jose_jwt.encode({"alg": "HS256", "kid": tokens.own.kid}, claims, public_as_secret)
    assert "algorithm 'HS256'" in await _refused(gateway_app, confused)
    too_long = token_for(gateway_app, KEMENSOS, lifetime=dt.timedelta(days=1))
    assert "longer" in await _refused(gateway_app, too_long)
    no_region = token_for(gateway_app, Principal("user:y", Role.OPERATOR_DESA))
    assert "needs a region" in await _refused(gateway_app, no_region)
    for bad in ("garbage", "a.b.c"):
        await _refused(gateway_app, bad)
    basic = await gateway_app.post("/graphql", json={"query": LIST},
                                   headers={"Authorization": "Basic eDp5"})
    assert basic.status == 401
    assert (await _post(gateway_app, token_for(gateway_app, KEMENSOS))).status == 200


async def test_tokens_meant_for_a_node_are_refused_at_the_gateway(gateway_app, dev_pki):
    """A token the gateway signed for one node (PKI key, node audience) is not a login."""
    node_token = gateway_token(KEMENSOS, "32.73",
                               SigningCredentials.load(dev_pki.layout.root, Identity.gateway()))
    assert "does not hold" in await _refused(gateway_app, node_token)


async def test_an_unsigned_user_header_is_not_trusted(gateway_app):
    forged = base64.urlsafe_b64encode(json.dumps({"user": "x", "role": "KEMENSOS"}).encode())
    body = await (await _post(gateway_app, None, '{ household(id: "32.73:1") { id } }',
                              **{"X-SIKS-User-Context": forged.decode()})).json()
    assert body["errors"][0]["extensions"] == {
        "code": "FORBIDDEN_FIELD", "field": "Query.household", "role": "PUBLIC"}


async def test_every_node_call_carries_a_gateway_token_the_node_accepts(gateway_app, cluster):
    """The gateway forwards the user to each node in a token it signs for that node (over
    mTLS); each verifies at its node as that user, and the node enforces its row scope."""
    await store(cluster.nodes["32.73"].database, [factories.household()])
    forwarder = gateway_app.app[SERVICES].federation.client._user_context
    sent: list[tuple[str, str]] = []
    original = forwarder.headers

    def recording(region: str, principal: Principal, client_address: str | None = None) -> Any:
        headers = original(region, principal, client_address)
        sent.append((region, headers["Authorization"].removeprefix("Bearer ")))
        return headers

    forwarder.headers = recording  # type: ignore[method-assign]
    before = sum(cluster.requests.values())
    body = await gql_as(gateway_app, LIST, DINSOS_BANDUNG)
    assert "errors" not in body and len(body["data"]["households"]["edges"]) == 1
    assert [region for region, _ in sent] == ["32.73"]  # in scope only: one node
    assert sum(cluster.requests.values()) - before == len(sent)
    for region, token in sent:
        principal = await cluster.nodes[region].app[TOKEN_TRUST].verify(token)
        assert principal == Principal("gateway#user:dinsos-3273", Role.DINSOS, "32.73")
        assert jwt.unverified_claims(token)["aud"] == node_audience(region)
        assert jwt.unverified_header(token)["x5c"]


async def test_creating_a_user_is_audited_and_the_password_is_hashed(gateway_database):
    await add_user(gateway_database, NewUser("mitra-kementan", PASSWORD, Role.MITRA,
                                             programs=("PKH",)), actor="cli:root")
    async with gateway_database.reader() as session:
        user = (await session.execute(select(GatewayUser))).scalar_one()
        entry = (await session.execute(select(GatewayAuditEntry).where(
            GatewayAuditEntry.action == "user.create"))).scalar_one()
    assert user.password_hash.startswith("scrypt$") and PASSWORD not in user.password_hash
    assert (entry.actor, entry.entity_type, entry.entity_id) == (
        "cli:root", "gateway_user", str(user.id))
    assert (await verify_gateway_chain(gateway_database)).ok


def test_user_add_command(tmp_path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'gw.sqlite'}"
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code = siks_main(["gateway", "user", "add", "--db", url, "--username", "mitra-kementan",
                      "--role", "MITRA", "--programs", "PKH,BPNT", "--password-stdin"])
    assert code == 0 and "mitra-kementan" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    refused = siks_main(["gateway", "user", "add", "--db", url, "--username", "op.x",
                         "--role", "OPERATOR_DESA", "--password-stdin"])
    assert refused == 2 and "needs a region" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    weak = siks_main(["gateway", "user", "add", "--db", url, "--username", "k2",
                      "--role", "KEMENSOS", "--password-stdin"])
    assert weak == 2 and "12 characters" in capsys.readouterr().err

    async def stored() -> list[str]:
        database = open_database(url)
        try:
            async with database.reader() as session:
                return list((await session.execute(select(GatewayUser.username))).scalars())
        finally:
            await database.dispose()

    import asyncio

    assert asyncio.run(stored()) == ["mitra-kementan"]


async def test_a_configured_oidc_jwks_is_trusted(cluster, dev_pki, tmp_path, aiohttp_client):
    key = Ed25519PrivateKey.generate()
    jwk = {**jwt.okp_key(key.public_key()).as_dict(private=False), "kid": "sso-1"}
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps({"keys": [jwk]}))
    issuer = "https://sso.example.test/realms/siks"
    client = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster,
                                  oidc_issuer=issuer, jwks_file=jwks_file)
    audience = client.app[TOKENS].audience
    claims = claims_for(Principal("ani", Role.KEMENSOS), issuer=issuer, audience=audience,
                        now=dt.datetime.now(dt.UTC))
    assert (await _post(client, jwt.sign(claims, key, kid="sso-1"))).status == 200
    await _refused(client, jwt.sign(claims, Ed25519PrivateKey.generate(), kid="sso-1"))
