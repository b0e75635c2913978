"""Node users: create one (audited), and check a login.

A user holds one role and a scope that fits it (``schema.scope.check_principal``): a desa for
an operator, a kecamatan or assigned families for a pendamping, the kab/kota (or its
province) for Dinas Sosial; national roles log in at the gateway but may exist here too.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from sqlalchemy import select

from regional_node.adapters.database import Database
from regional_node.adapters.orm import UserAccount
from regional_node.errors import DuplicateRecord
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.errors import InvalidInput, Unauthenticated
from schema.regions import regions
from schema.roles import Principal, Role
from schema.scope import check_principal
from siks.infra.passwords import dummy_hash, hash_password, verify_password

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 12
USER_PREFIX = "user:"


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
    if user.region is not None:
        regions().require(user.region)
    try:
        check_principal(user.principal())
    except Unauthenticated as exc:
        raise InvalidInput(exc.message, reason="scope", field="scope") from None


async def add_user(uow: UnitOfWork, user: NewUser) -> int:
    """Store ``user`` (password hashed) and audit it; the caller commits."""
    _validate(user)
    taken = await uow.session.scalar(
        select(UserAccount.id).where(UserAccount.username == user.username))
    if taken is not None:
        raise DuplicateRecord(f"user {user.username!r} already exists")
    password_hash = await asyncio.to_thread(hash_password, user.password)
    row = UserAccount(username=user.username, password_hash=password_hash, role=user.role.value,
                      region=user.region, programs=list(user.programs),
                      household_ids=list(user.household_ids), active=True)
    uow.session.add(row)
    await uow.session.flush()
    uow.audit.record("user.create", "user_account", row.id, after={
        "username": user.username, "role": user.role.value, "region": user.region,
        "programs": list(user.programs), "household_ids": list(user.household_ids)})
    return row.id


async def authenticate(database: Database, username: str, password: str) -> Principal:
    """The user's principal, or :class:`Unauthenticated` (same message, same time, whether
    the user is unknown, inactive or the password is wrong)."""
    async with database.reader() as session:
        row = await session.scalar(select(UserAccount).where(UserAccount.username == username))
    stored = row.password_hash if row is not None else dummy_hash()
    matches = await asyncio.to_thread(verify_password, password, stored)
    if row is None or not row.active or not matches:
        raise Unauthenticated("wrong username or password")
    return Principal(USER_PREFIX + row.username, Role(row.role), row.region,
                     tuple(row.programs or ()), tuple(row.household_ids or ()))
