"""The user-account service of both services, parameterised by what differs: the table a
user is stored in, the roles that may log in there, whether it stores permissions, and how
creating a user is audited (the node's unit of work, the gateway's audit chain).

The rules of an account are the contract's (``schema.accounts.validate_new_user``); on top,
a service refuses a role it does not allow and permissions its table cannot hold, rather than
dropping them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from schema.accounts import PERSON_ROLES, USER_PREFIX, NewUser, validate_new_user
from schema.errors import InvalidInput, Unauthenticated
from schema.roles import Principal, Role
from service_kit.errors import Duplicate
from service_kit.passwords import dummy_hash, hash_password, verify_password

__all__ = ["PERSON_ROLES", "AuditHook", "UserAccounts"]

#: ``audit(session, row id, what was stored)``: write ``user.create`` in the same transaction
AuditHook = Callable[[AsyncSession, int, dict[str, object]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class UserAccounts:
    """Create users and check logins against ``model`` (a table with ``username``,
    ``password_hash``, ``role``, ``region``, ``programs``, ``household_ids``, ``active`` and,
    when ``permissions``, ``permissions``)."""

    model: type[Any]
    roles: Collection[Role] = PERSON_ROLES
    permissions: bool = False

    def check(self, user: NewUser) -> None:
        """InvalidInput unless ``user`` may be stored here (the contract's rules, then ours)."""
        validate_new_user(user)
        if user.role not in self.roles:
            raise InvalidInput(f"role {user.role} may not log in here", reason="role",
                               field="role")
        if user.permissions and not self.permissions:
            raise InvalidInput("users here hold no permissions (they are the gateway's)",
                               reason="permission", field="permissions")

    async def new_row(self, user: NewUser) -> Any:
        """The row to store for ``user``, checked and its password hashed (slow: do it before
        taking a write lock)."""
        self.check(user)
        password_hash = await asyncio.to_thread(hash_password, user.password)
        extra = {"permissions": list(user.permissions)} if self.permissions else {}
        return self.model(username=user.username, password_hash=password_hash,
                          role=user.role.value, region=user.region, programs=list(user.programs),
                          household_ids=list(user.household_ids), active=True, **extra)

    async def store(self, session: AsyncSession, row: Any, audit: AuditHook) -> int:
        """Add ``row`` (from :meth:`new_row`) and audit it in ``session``'s transaction;
        :class:`~service_kit.errors.Duplicate` when the username is taken."""
        if await self.exists(session, row.username):
            raise Duplicate(f"user {row.username!r} already exists")
        session.add(row)
        await session.flush()
        detail: dict[str, object] = {
            "username": row.username, "role": row.role, "region": row.region,
            "programs": list(row.programs), "household_ids": list(row.household_ids)}
        if self.permissions:
            detail["permissions"] = list(row.permissions)
        await audit(session, row.id, detail)
        return int(row.id)

    async def exists(self, session: AsyncSession, username: str) -> bool:
        return await session.scalar(
            select(self.model.id).where(self.model.username == username)) is not None

    async def authenticate(self, session: AsyncSession, username: str,
                           password: str) -> Principal:
        """The user's principal, or :class:`Unauthenticated` (same message, same work, whether
        the user is unknown, inactive or the password is wrong). ``session``: a new reader's,
        closed here before the (slow) password check."""
        async with session:
            row = await session.scalar(select(self.model).where(self.model.username == username))
        stored = row.password_hash if row is not None else dummy_hash()
        matches = await asyncio.to_thread(verify_password, password, stored)
        if row is None or not row.active or not matches:
            raise Unauthenticated("wrong username or password")
        permissions = tuple(row.permissions or ()) if self.permissions else ()
        return Principal(USER_PREFIX + row.username, Role(row.role), row.region,
                         tuple(row.programs or ()), tuple(row.household_ids or ()), permissions)
