"""Gateway users: create one (written to the gateway's audit chain), and check a login.

The same rules as the node's users, in one place (``schema.accounts.validate_new_user``): a
username of lowercase letters and digits, a password of at least 12 characters (hashed with
scrypt), one role of a person and the scope that role needs. Kemensos (national) and
partner ministries (MITRA, with their programs) are who log in here; regional roles may exist
too, scoped to their region.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from gateway.adapters.database import Database
from gateway.adapters.orm import GatewayUser
from gateway.errors import Duplicate
from gateway.inbox.audit import AuditNote, append
from schema.accounts import USER_PREFIX, NewUser, validate_new_user
from schema.errors import Unauthenticated
from schema.roles import Principal, Role
from service_kit.passwords import dummy_hash, hash_password, verify_password

__all__ = ["NewUser", "add_user", "authenticate", "user_exists"]


async def add_user(database: Database, user: NewUser, *, actor: str) -> int:
    """Store ``user`` (password hashed) and write ``user.create`` to the audit chain, in one
    transaction."""
    validate_new_user(user)
    password_hash = await asyncio.to_thread(hash_password, user.password)
    async with database.writer() as session, session.begin():
        taken = await session.scalar(
            select(GatewayUser.id).where(GatewayUser.username == user.username))
        if taken is not None:
            raise Duplicate(f"user {user.username!r} already exists")
        row = GatewayUser(username=user.username, password_hash=password_hash,
                          role=user.role.value, region=user.region, programs=list(user.programs),
                          household_ids=list(user.household_ids),
                          permissions=list(user.permissions), active=True)
        session.add(row)
        await session.flush()
        await append(session, [AuditNote(
            actor=actor, action="user.create", entity_type="gateway_user",
            entity_id=str(row.id), role=Role.SYSTEM.value,
            detail={"username": user.username, "role": user.role.value, "region": user.region,
                    "programs": list(user.programs),
                    "household_ids": list(user.household_ids),
                    "permissions": list(user.permissions)})])
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
                     tuple(row.programs or ()), tuple(row.household_ids or ()),
                     tuple(row.permissions or ()))
