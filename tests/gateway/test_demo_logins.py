"""``siks demo`` logins: users created once with generated passwords kept 0600, printed with
how to log in; the demo gateway takes nobody for Kemensos without a token."""

from __future__ import annotations

import stat

from aiohttp.test_utils import TestClient

from gateway.entrypoints.app import SERVICES
from gateway.identity.users import authenticate, user_exists
from regional_node.service_layer.users import authenticate as node_authenticate
from schema.roles import Role
from siks import demo_gateway
from tests.gateway.identity_helpers import error_codes, gql_as, secure_gateway


async def test_demo_logins_are_created_once_and_printed(tmp_path, dev_pki, cluster,
                                                        aiohttp_client) -> None:
    logins = demo_gateway.demo_logins(("32.73", "35.78"))
    assert {(lg.where, lg.username, lg.role) for lg in logins} >= {
        ("gateway", "kemensos", Role.KEMENSOS), ("gateway", "mitra-kementan", Role.MITRA),
        ("32.73", "dinsos-3273", Role.DINSOS), ("32.73", "operator-3273011001",
                                                Role.OPERATOR_DESA),
        ("32.73", "pendamping-327301", Role.PENDAMPING),
        ("35.78", "dinsos-3578", Role.DINSOS)}
    assert {lg.where for lg in logins if lg.role is Role.PENDAMPING} == {"32.73", "35.78"}
    passwords = demo_gateway.demo_passwords(tmp_path, logins)
    assert demo_gateway.demo_passwords(tmp_path, logins) == passwords  # generated once
    path = tmp_path / demo_gateway.LOGINS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert all(len(p) >= 12 for p in passwords.values())

    client: TestClient = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)
    database = client.app[SERVICES].database
    db_url = f"sqlite:///{tmp_path / 'gateway.sqlite'}"
    await demo_gateway.create_gateway_logins(db_url, logins, passwords)
    await demo_gateway.create_gateway_logins(db_url, logins, passwords)  # idempotent
    principal = await authenticate(database, "mitra-kementan",
                                   passwords["gateway/mitra-kementan"])
    assert principal.role is Role.MITRA and principal.programs == ("PKH", "BPNT")
    assert not await user_exists(database, "operator-3273011001")  # regional: at its node
    node_db = f"sqlite:///{cluster.workdir / '32.73.sqlite'}"
    await demo_gateway.create_node_logins(node_db, "32.73", logins, passwords)
    await demo_gateway.create_node_logins(node_db, "32.73", logins, passwords)  # idempotent
    operator = await node_authenticate(cluster.nodes["32.73"].database, "operator-3273011001",
                                       passwords["32.73/operator-3273011001"])
    assert (operator.role, operator.region) == (Role.OPERATOR_DESA, "32.73.01.1001")

    response = await client.post("/auth/login", json={
        "username": "kemensos", "password": passwords["gateway/kemensos"]})
    assert response.status == 200
    anonymous = await gql_as(client, "{ nodes { region } }", None)
    assert error_codes(anonymous) == ["FORBIDDEN_FIELD"]  # a visitor is the public

    text = "\n".join(demo_gateway.login_help(logins, passwords, "http://127.0.0.1:8100/graphql",
                                             {"32.73": "http://127.0.0.1:8101"}, tmp_path,
                                             public_example=("32.73.01.1001",
                                                             "Siti Aminah")))
    assert "curl -s -X POST http://127.0.0.1:8100/auth/login" in text
    assert passwords["gateway/kemensos"] in text and "Headers" in text
    assert '"Authorization": "Bearer <access_token>"' in text
