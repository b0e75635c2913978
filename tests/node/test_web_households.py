"""The node's web pages over HTTP, with a real node app: an Operator Desa logs in with the
node's user account and sees the desa's households (search by name, pages of 20, detail
with members and programs), never another desa's; the node's field policy and scope are the
GraphQL API's, because the pages are its client."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from regional_node.adapters.orm import Household
from regional_node.service_layer.unit_of_work import Actor, UnitOfWork
from regional_node.service_layer.users import NewUser, add_user
from schema.enums import Program
from schema.roles import Role
from tests import factories
from tests.gateway.web_helpers import WebUser
from tests.node.helpers import store

PASSWORD = "kata-sandi-operator-desa"
DESA, OTHER_DESA = "32.73.01.1001", "32.73.01.1002"


@pytest.fixture
async def operator(node_client, node_database) -> tuple[WebUser, Any, Any]:  # type: ignore[no-untyped-def]
    siti = factories.household(DESA, members=3, head_name="Siti Aminah", desil=3,
                               programs=(Program.PKH,))
    neighbours = [factories.household(DESA, head_name=f"Warga Sukarasa {i}")
                  for i in range(20)]
    elsewhere = factories.household(OTHER_DESA, head_name="Orang Gegerkalong")
    await store(node_database, [siti, *neighbours, elsewhere])
    async with UnitOfWork(node_database, Actor("test:admin", "SYSTEM")) as uow:
        await add_user(uow, NewUser("operatorsukarasa", PASSWORD, Role.OPERATOR_DESA, DESA))
        await uow.commit()
    user = WebUser(node_client)
    status, _ = await user.get("/web/rumah-tangga")
    assert status == 303 and user.last.headers["Location"] == (
        "/web/masuk?next=/web/rumah-tangga")
    await user.get("/web/masuk", next="/web/rumah-tangga")
    status, _ = await user.post("/web/masuk", {"username": "operatorsukarasa",
                                               "password": PASSWORD,
                                               "next": "/web/rumah-tangga"})
    assert status == 303 and user.last.headers["Location"] == "/web/rumah-tangga"
    return user, siti, elsewhere


def _ids(body: str) -> list[str]:
    return re.findall(r'href="/web/rumah-tangga/([^"]+)"', body)


async def test_an_operator_desa_sees_the_desas_households_in_pages_of_20(operator) -> None:
    user, siti, elsewhere = operator
    status, body = await user.get("/web/rumah-tangga")
    assert status == 200 and "21 rumah tangga" in body and len(_ids(body)) == 20
    assert "Orang Gegerkalong" not in body and elsewhere.kk_number not in body
    following = re.search(r'href="(/web/rumah-tangga\?[^"]+)" rel="next"', body)
    assert following is not None
    status, body = await user.get(following.group(1).replace("&amp;", "&"))
    assert status == 200 and len(_ids(body)) == 1 and 'rel="next"' not in body


async def test_an_operator_searches_by_name_and_opens_the_detail(operator) -> None:
    user, siti, _ = operator
    status, body = await user.get("/web/rumah-tangga", nama="aminah")
    assert "1 rumah tangga" in body and "Siti Aminah" in body
    [household_id] = _ids(body)
    status, body = await user.get(f"/web/rumah-tangga/{household_id}")
    assert status == 200 and siti.kk_number in body and "Sukarasa" in body
    for member in siti.members:
        assert member.nik in body and member.name in body
    assert "<td>PKH</td><td>2026-S1</td><td>ya</td>" in body


async def test_another_desas_household_is_not_shown_and_says_what_to_do(operator,
                                                                        node_database) -> None:
    user, _, elsewhere = operator
    async with node_database.reader() as session:
        other = await session.scalar(select(Household.id).where(
            Household.kk_number == elsewhere.kk_number))
    status, body = await user.get(f"/web/rumah-tangga/{other}")
    assert status == 404 and elsewhere.kk_number not in body
    assert "Data ini di luar wilayah kerja akun Anda (desa atau kab/kota Anda)." in body
    status, body = await user.get("/web/rumah-tangga/999999")
    assert status == 404 and "tidak ada di wilayah kerja Anda atau tidak ada" in body


async def test_the_node_login_refuses_a_post_without_the_csrf_token(node_client) -> None:
    user = WebUser(node_client)
    await user.get("/web/masuk")
    status, body = await user.post("/web/masuk", {"username": "x", "password": "y"},
                                   csrf=False)
    assert status == 403 and body.startswith("Formulir sudah kedaluwarsa")
    morsel = user.last.headers.getall("Set-Cookie", [])
    assert (await user.get("/web/masuk"))[0] == 200 and morsel == []


def test_a_short_web_session_key_is_refused_naming_the_variable() -> None:
    from regional_node.config import NodeConfig
    from regional_node.errors import ConfigError

    base = {"SIKS_NODE_REGION": "32.73", "SIKS_NODE_DB_URL": "sqlite:///n.db"}
    assert NodeConfig.from_env(base).web_session_key is None
    assert NodeConfig.from_env({**base, "SIKS_NODE_WEB_SESSION_KEY": "k" * 32}
                               ).web_session_key == "k" * 32
    with pytest.raises(ConfigError, match="SIKS_NODE_WEB_SESSION_KEY must be at least 32"):
        NodeConfig.from_env({**base, "SIKS_NODE_WEB_SESSION_KEY": "short"})
