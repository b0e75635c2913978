"""Gateway users: create one (written to the gateway's audit chain), and check a login.

The same rules as the node's users, in one service (``service_kit.accounts.UserAccounts``, the
rules of ``schema.accounts.validate_new_user``): a username of lowercase letters and digits, a
password of at least 12 characters (hashed with scrypt), one role of a person and the scope
that role needs. Kemensos (national) and partner ministries (MITRA, with their programs) are
who log in here; regional roles may exist too, scoped to their region. Gateway users may hold
permissions (``decide``).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.adapters.database import Database
from gateway.adapters.orm import GatewayUser
from gateway.inbox.audit import AuditNote, append
from schema.accounts import PERSON_ROLES, NewUser
from schema.roles import Principal, Role
from service_kit.accounts import UserAccounts

__all__ = ["ACCOUNTS", "NewUser", "add_user", "authenticate", "user_exists"]

ACCOUNTS = UserAccounts(GatewayUser, roles=PERSON_ROLES, permissions=True)


async def add_user(database: Database, user: NewUser, *, actor: str) -> int:
    """Store ``user`` (password hashed) and write ``user.create`` to the audit chain, in one
    transaction."""
    async def audit(session: AsyncSession, row_id: int, detail: dict[str, object]) -> None:
        await append(session, [AuditNote(
            actor=actor, action="user.create", entity_type="gateway_user",
            entity_id=str(row_id), role=Role.SYSTEM.value, detail=detail)])

    row = await ACCOUNTS.new_row(user)
    async with database.writer() as session, session.begin():
        return await ACCOUNTS.store(session, row, audit)


async def user_exists(database: Database, username: str) -> bool:
    async with database.reader() as session:
        return await ACCOUNTS.exists(session, username)


async def authenticate(database: Database, username: str, password: str) -> Principal:
    """The user's principal, or :class:`~schema.errors.Unauthenticated` (same message, same
    work, whether the user is unknown, inactive or the password is wrong)."""
    return await ACCOUNTS.authenticate(database.reader(), username, password)
