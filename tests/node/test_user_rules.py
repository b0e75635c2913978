"""Security review (issue 16) item 16: the node stores users by the gateway's rules
(``schema.accounts.validate_new_user``, one function for both): no PUBLIC or SYSTEM user, no
unknown program, no MITRA user without programs; a refusal stores nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from regional_node.adapters.orm import UserAccount
from regional_node.domain.audit import Actor
from regional_node.service_layer.unit_of_work import UnitOfWork
from regional_node.service_layer.users import NewUser, add_user
from schema.errors import InvalidInput
from schema.roles import Role

PASSWORD = "correct horse battery staple"

REFUSED = [
    (NewUser("publik", PASSWORD, Role.PUBLIC), "role"),
    (NewUser("publik.bdg", PASSWORD, Role.PUBLIC, "32.73"), "role"),
    (NewUser("sistem", PASSWORD, Role.SYSTEM), "role"),
    (NewUser("mitra.kosong", PASSWORD, Role.MITRA), "scope"),
    (NewUser("mitra.aneh", PASSWORD, Role.MITRA, programs=("PKH", "BANSOS_FIKTIF")), "program"),
    (NewUser("dinsos.aneh", PASSWORD, Role.DINSOS, "32.73", programs=("NOPE",)), "program"),
    (NewUser("pendamping.x", PASSWORD, Role.PENDAMPING, "32.73", household_ids=(2**63,)),
     "malformed"),
]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("user", "reason"), REFUSED, ids=[u.username for u, _ in REFUSED])
async def test_the_node_refuses_what_the_gateway_refuses(node_database, user: NewUser,
                                                         reason: str):
    with pytest.raises(InvalidInput) as refused:
        async with UnitOfWork(node_database, Actor("test:admin", "SYSTEM")) as uow:
            await add_user(uow, user)
            await uow.commit()
    assert refused.value.reason == reason
    async with node_database.reader() as session:
        assert await session.scalar(select(func.count()).select_from(UserAccount)) == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_mitra_with_known_programs_is_stored(node_database):
    async with UnitOfWork(node_database, Actor("test:admin", "SYSTEM")) as uow:
        await add_user(uow, NewUser("mitra.kementan", PASSWORD, Role.MITRA, programs=("PKH",)))
        await uow.commit()
    async with node_database.reader() as session:
        assert await session.scalar(select(func.count()).select_from(UserAccount)) == 1
