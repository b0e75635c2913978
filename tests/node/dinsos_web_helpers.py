"""A node with what Dinas Sosial's pages show: proposals waiting for a decision (brought to
VERIFIED through the real cycle over GraphQL: Dukcapil sandbox, a field visit with a geotagged
photo), and the node's user accounts that log in to the web pages."""

from __future__ import annotations

import uuid
from typing import Any

from regional_node.service_layer.unit_of_work import Actor, UnitOfWork
from regional_node.service_layer.users import NewUser, add_user
from schema.roles import Role
from tests.gateway.web_helpers import WebUser
from tests.node.field_helpers import field_visit
from tests.node.proposal_helpers import CREATE, OPERATOR, PENDAMPING, SUBMIT, VERIFY, Node, data

PASSWORD = "kata-sandi-dinas-sosial"
USERS = {  # username -> (role, scope)
    "dinsosbandung": (Role.DINSOS, "32.73"),
    "dinsossurabaya": (Role.DINSOS, "35.78"),
    "operatorsukarasa": (Role.OPERATOR_DESA, "32.73.01.1001"),
}


async def add_users(node: Node) -> None:
    async with UnitOfWork(node.database, Actor("test:admin", "SYSTEM")) as uow:
        for username, (role, scope) in USERS.items():
            await add_user(uow, NewUser(username, PASSWORD, role, scope))
        await uow.commit()


async def logged_in(node: Node, username: str) -> WebUser:
    user = WebUser(node.client)
    await user.get("/web/masuk")
    status, _ = await user.post("/web/masuk", {"username": username, "password": PASSWORD,
                                               "next": "/web/dinsos"})
    assert status == 303, status
    return user


async def verified(node: Node, details: dict[str, Any], *, state: str = "VERIFIED",
                   musdes: dict[str, Any] | None = None) -> str:
    """A proposal of the operator, submitted (the NIK check passes), visited and verified by
    the pendamping; ``state="NIK_VALID"`` stops before the verification."""
    pid = str(uuid.uuid4())
    data(await node.call(OPERATOR, CREATE, input={"id": pid, "details": details,
                                                      "musdes": musdes}),
         "createProposal")
    submitted = data(await node.call(OPERATOR, SUBMIT, id=pid), "submitProposal")
    assert submitted["state"] == "NIK_VALID", submitted
    if state == "VERIFIED":
        await field_visit(node, PENDAMPING, proposal_id=pid)
        assert data(await node.call(PENDAMPING, VERIFY, id=pid),
                    "verifyProposal")["state"] == "VERIFIED"
    return pid
