"""Node users: create one (audited), and check a login.

A user holds one role and a scope that fits it (``schema.scope.check_principal``): a desa for
an operator, a kecamatan or assigned families for a pendamping, the kab/kota (or its
province) for Dinas Sosial; national roles log in at the gateway but may exist here too.
The rules are the gateway's, in one service (``service_kit.accounts.UserAccounts``, the rules
of ``schema.accounts.validate_new_user``): never PUBLIC or SYSTEM, known programs, programs
for MITRA; a node user holds no permissions (the gateway's ``decide``).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from regional_node.adapters.database import Database
from regional_node.adapters.orm import UserAccount
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.accounts import PERSON_ROLES, NewUser
from schema.errors import Forbidden, OutOfScope
from schema.regions import is_within
from schema.roles import Principal, Role
from service_kit.accounts import UserAccounts

__all__ = ["ACCOUNTS", "NewUser", "add_user", "authenticate", "set_user_active",
           "users_in_scope"]

ACCOUNTS = UserAccounts(UserAccount, roles=PERSON_ROLES, permissions=False)


async def add_user(uow: UnitOfWork, user: NewUser) -> int:
    """Store ``user`` (password hashed) and audit it; the caller commits."""
    async def audit(session: AsyncSession, row_id: int, detail: dict[str, object]) -> None:
        uow.audit.record("user.create", "user_account", row_id, after=detail)

    return await ACCOUNTS.store(uow.session, await ACCOUNTS.new_row(user), audit)


async def authenticate(database: Database, username: str, password: str) -> Principal:
    """The user's principal, or :class:`~schema.errors.Unauthenticated` (same message, same
    time, whether the user is unknown, inactive or the password is wrong)."""
    return await ACCOUNTS.authenticate(database.reader(), username, password)


MANAGED_ROLES = frozenset({Role.OPERATOR_DESA, Role.PENDAMPING})
"""The roles Dinas Sosial may enable or disable in its kab/kota (never another Dinas Sosial
or a national role: those stay with the node's console)."""


async def users_in_scope(database: Database, principal: Principal) -> list[UserAccount]:
    """The node's users whose scope lies inside the principal's region, by username."""
    async with database.reader() as session:
        rows = (await session.scalars(select(UserAccount).order_by(UserAccount.username))).all()
    return [row for row in rows if _inside(row, principal)]


async def set_user_active(uow: UnitOfWork, principal: Principal, username: str,
                          active: bool) -> UserAccount:
    """Enable or disable an operator's or a pendamping's login (audited); the caller commits.
    A disabled user cannot log in; a token issued before stays valid until it expires."""
    row = await uow.session.scalar(select(UserAccount).where(UserAccount.username == username))
    if row is None or not _inside(row, principal):
        raise OutOfScope(f"user {username!r} is not in your region")
    if Role(row.role) not in MANAGED_ROLES:
        raise Forbidden(f"a {row.role} account is managed at the node's console",
                        reason="managed_role")
    if row.active != active:
        row.active = active
        uow.audit.record("user.enable" if active else "user.disable", "user_account", row.id,
                         after={"username": row.username, "active": active})
    return row


def _inside(row: UserAccount, principal: Principal) -> bool:
    return row.region is not None and principal.region is not None and \
        is_within(row.region, principal.region)
