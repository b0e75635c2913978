"""After a login that names no page, each node role lands on its own first page and its menu
shows its own pages only: an Operator Desa is not offered the Dinas Sosial queue nor the
Pendamping's field visits (the API would refuse them anyway; a menu of refusals confuses)."""

from __future__ import annotations

import pytest

from regional_node.service_layer.unit_of_work import Actor, UnitOfWork
from regional_node.service_layer.users import NewUser, add_user
from schema.roles import Role
from tests.gateway.web_helpers import WebUser

PASSWORD = "kata-sandi-yang-panjang"
MENU = {"/web/verifikasi": "Kunjungan lapangan", "/web/usulan": "Usulan",
        "/web/dinsos": "Dinas Sosial"}


@pytest.mark.parametrize(("role", "scope", "lands", "offered"), [
    (Role.OPERATOR_DESA, "32.73.01.1001", "/web/rumah-tangga", {"/web/usulan"}),
    (Role.PENDAMPING, "32.73.01", "/web/verifikasi", {"/web/verifikasi"}),
    (Role.DINSOS, "32.73", "/web/dinsos/usulan", {"/web/dinsos"}),
])
async def test_each_role_lands_on_its_page_with_its_own_menu(
        node_client, node_database, role, scope, lands, offered) -> None:  # type: ignore[no-untyped-def]
    async with UnitOfWork(node_database, Actor("test:admin", "SYSTEM")) as uow:
        await add_user(uow, NewUser("pengguna", PASSWORD, role, scope))
        await uow.commit()
    user = WebUser(node_client)
    await user.get("/web/masuk")
    status, body = await user.post("/web/masuk", {"username": "pengguna",
                                                  "password": PASSWORD, "next": ""})
    assert status == 303, body
    assert user.last.headers["Location"] == lands
    status, body = await user.get("/web/rumah-tangga")
    assert status == 200, body
    menu = body[body.index('<nav'):body.index('</nav>')]
    assert 'href="/web/rumah-tangga"' in menu
    for path in MENU:
        assert (f'href="{path}"' in menu) == (path in offered), (role, path)


async def test_a_named_page_still_wins_over_the_roles_landing(node_client, node_database
                                                              ) -> None:  # type: ignore[no-untyped-def]
    async with UnitOfWork(node_database, Actor("test:admin", "SYSTEM")) as uow:
        await add_user(uow, NewUser("dinsos", PASSWORD, Role.DINSOS, "32.73"))
        await uow.commit()
    user = WebUser(node_client)
    await user.get("/web/masuk", next="/web/dinsos/verivali")
    status, _ = await user.post("/web/masuk", {"username": "dinsos", "password": PASSWORD,
                                               "next": "/web/dinsos/verivali"})
    assert status == 303 and user.last.headers["Location"] == "/web/dinsos/verivali"
    _, body = await user.get("/web/masuk")
    assert 'name="next" value=""' in body  # no page named: the role's own after the login
