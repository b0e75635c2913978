"""Node users: create one (audited), and check a login.

A user holds one role and a scope that fits it (``schema.scope.check_principal``): a desa for
an operator, a kecamatan or assigned families for a pendamping, the kab/kota (or its
province) for Dinas Sosial; national roles log in at the gateway but may exist here too.
The rules are the gateway's (``schema.accounts.validate_new_user``): never PUBLIC or SYSTEM,
known programs, and programs for MITRA.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from regional_node.adapters.database import Database
from regional_node.adapters.orm import UserAccount
from regional_node.errors import DuplicateRecord
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.accounts import USER_PREFIX, NewUser, validate_new_user
from schema.errors import Unauthenticated
from schema.roles import Principal, Role
from service_kit.passwords import dummy_hash, hash_password, verify_password

__all__ = ["NewUser", "add_user", "authenticate"]


async def add_user(uow: UnitOfWork, user: NewUser) -> int:
    """Store ``user`` (password hashed) and audit it; the caller commits."""
    validate_new_user(user)
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
