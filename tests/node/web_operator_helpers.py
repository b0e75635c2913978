"""The Operator Desa's web tests: a real node app (with the Dukcapil sandbox and the test
principal hook of ``proposal_helpers`` for the other roles' GraphQL steps), an operator of
Sukarasa logged in through ``/web/masuk``, and what the database holds."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import FormData
from sqlalchemy import func, select

from regional_node.adapters.orm import Attachment, Proposal
from regional_node.service_layer.unit_of_work import Actor, UnitOfWork
from regional_node.service_layer.users import NewUser, add_user
from schema.roles import Role
from tests.gateway.web_helpers import WebUser
from tests.node.proposal_helpers import Node

PASSWORD = "kata-sandi-operator-desa"
USERNAME = "operatorsukarasa"
DESA = "32.73.01.1001"


async def logged_in(node: Node, desa: str = DESA, username: str = USERNAME) -> WebUser:
    async with UnitOfWork(node.database, Actor("test:admin", "SYSTEM")) as uow:
        await add_user(uow, NewUser(username, PASSWORD, Role.OPERATOR_DESA, desa))
        await uow.commit()
    user = WebUser(node.client)
    await user.get("/web/masuk")
    status, _ = await user.post("/web/masuk", {"username": username, "password": PASSWORD,
                                               "next": "/web/usulan"})
    assert status == 303, "login"
    return user


def multipart(user: WebUser, fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]
              | None = None, *, csrf: bool = True) -> FormData:
    """The form as a browser posts a multipart form (the CSRF token of the last page)."""
    form = FormData()
    if csrf:
        form.add_field("csrf_token", user.csrf)
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, media_type) in (files or {}).items():
        form.add_field(name, content, filename=filename, content_type=media_type)
    return form


def form_values(body: str) -> dict[str, str]:
    """The hidden fields of the proposal form (id, koreksi, rumah_tangga, musdes_sha, …)."""
    found = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', body))
    found.pop("csrf_token", None)  # multipart() adds the current one (or leaves it out)
    return found


async def proposals(node: Node) -> list[Proposal]:
    async with node.database.reader() as session:
        return list((await session.execute(select(Proposal).order_by(
            Proposal.created_at))).scalars())


async def attachments(node: Node) -> int:
    async with node.database.reader() as session:
        return int((await session.execute(select(func.count()).select_from(
            Attachment))).scalar_one())


def labelled(body: str) -> list[str]:
    """The ids of the form's fields that have no <label for=…> (should be none)."""
    fields = re.findall(r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|submit)")'
                        r'[^>]*\bid="([^"]+)"', body)
    labels = set(re.findall(r'<label[^>]*for="([^"]+)"', body))
    return [field for field in fields if field not in labels]


def location(user: WebUser) -> Any:
    return user.last.headers.get("Location")
