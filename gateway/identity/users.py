"""Gateway users: create one (written to the gateway's audit chain), and check a login.

The same rules as the node's users (``regional_node.service_layer.users``): a username of
lowercase letters and digits, a password of at least 12 characters hashed with scrypt, one
role and the scope that role needs (``schema.scope.check_principal``). Kemensos (national) and
partner ministries (MITRA, with their programs) are who log in here; regional roles may exist
too, scoped to their region.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from sqlalchemy import select

from gateway.adapters.database import Database
from gateway.adapters.orm import GatewayUser
from gateway.inbox.audit import AuditNote, append
from schema.enums import Program
from schema.errors import InvalidInput, SiksError, Unauthenticated
from schema.regions import regions
from schema.roles import Principal, Role
from schema.scope import check_principal
from siks.infra.passwords import dummy_hash, hash_password, verify_password

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 12
USER_PREFIX = "user:"


class DuplicateUser(SiksError):
    code = "DUPLICATE"


@dataclass(frozen=True, slots=True)
class NewUser:
    username: str
    password: str
    role: Role
    region: str | None = None
    programs: tuple[str, ...] = ()
    household_ids: tuple[int, ...] = ()

    def principal(self) -> Principal:
        return Principal(USER_PREFIX + self.username, self.role, self.region, self.programs,
                         self.household_ids)


def _validate(user: NewUser) -> None:
    if not USERNAME.match(user.username):
        raise InvalidInput("a username is 2-64 lowercase letters, digits, '.', '_' or '-'",
                           reason="username", field="username")
    if len(user.password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters",
                           reason="weak_password", field="password")
    if user.role in (Role.SYSTEM, Role.PUBLIC):
        raise InvalidInput(f"role {user.role} is not a person who logs in", reason="role",
                           field="role")
    if user.region is not None:
        regions().require(user.region)
    unknown = [p for p in user.programs if p not in Program.__members__]
    if unknown:
        raise InvalidInput(f"unknown programs: {', '.join(unknown)}", reason="program",
                           field="programs")
    if user.role is Role.MITRA and not user.programs:
        raise InvalidInput("a partner ministry (MITRA) user needs its programs (--programs)",
                           reason="scope", field="programs")
    try:
        check_principal(user.principal())
    except Unauthenticated as exc:
        raise InvalidInput(exc.message, reason="scope", field="scope") from None


async def add_user(database: Database, user: NewUser, *, actor: str) -> int:
    """Store ``user`` (password hashed) and write ``user.create`` to the audit chain, in one
    transaction."""
    _validate(user)
    password_hash = await asyncio.to_thread(hash_password, user.password)
    async with database.writer() as session, session.begin():
        taken = await session.scalar(
            select(GatewayUser.id).where(GatewayUser.username == user.username))
        if taken is not None:
            raise DuplicateUser(f"user {user.username!r} already exists")
        row = GatewayUser(username=user.username, password_hash=password_hash,
                          role=user.role.value, region=user.region, programs=list(user.programs),
                          household_ids=list(user.household_ids), active=True)
        session.add(row)
        await session.flush()
        await append(session, [AuditNote(
            actor=actor, action="user.create", entity_type="gateway_user",
            entity_id=str(row.id), role=Role.SYSTEM.value,
            detail={"username": user.username, "role": user.role.value, "region": user.region,
                    "programs": list(user.programs),
                    "household_ids": list(user.household_ids)})])
        return row.id


async def user_exists(database: Database, username: str) -> bool:
    async with database.reader() as session:
        return await session.scalar(
            select(GatewayUser.id).where(GatewayUser.username == username)) is not None


async def authenticate(database: Database, username: str, password: str) -> Principal:
    """The user's principal, or :class:`Unauthenticated` (same message, same work, whether
    the user is unknown, inactive or the password is wrong)."""
    async with database.reader() as session:
        row = await session.scalar(select(GatewayUser).where(GatewayUser.username == username))
    stored = row.password_hash if row is not None else dummy_hash()
    matches = await asyncio.to_thread(verify_password, password, stored)
    if row is None or not row.active or not matches:
        raise Unauthenticated("wrong username or password")
    return Principal(USER_PREFIX + row.username, Role(row.role), row.region,
                     tuple(row.programs or ()), tuple(row.household_ids or ()))
