"""The rules of a user account, the same at the node and at the gateway: a username of
lowercase letters and digits, a password of at least 12 characters, one role of a person who
logs in (never PUBLIC, the anonymous, nor SYSTEM, a service), known programs, programs for a
partner ministry (MITRA), and the scope that role needs (``schema.scope.check_principal``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from schema.enums import Program
from schema.errors import InvalidInput, Unauthenticated
from schema.ids import MAX_RECORD_ID
from schema.regions import regions
from schema.roles import Principal, Role
from schema.scope import check_principal

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 12
USER_PREFIX = "user:"
NOT_A_PERSON = (Role.SYSTEM, Role.PUBLIC)
#: every role of a person who logs in (the roles both services allow today)
PERSON_ROLES = frozenset(role for role in Role if role not in NOT_A_PERSON)
DECIDE = "decide"  # sign national decisions: determine by decree, return (docs/gateway.md)
PERMISSIONS: dict[str, tuple[Role, ...]] = {DECIDE: (Role.KEMENSOS,)}


@dataclass(frozen=True, slots=True)
class NewUser:
    username: str
    password: str
    role: Role
    region: str | None = None
    programs: tuple[str, ...] = ()
    household_ids: tuple[int, ...] = ()
    permissions: tuple[str, ...] = ()

    def principal(self) -> Principal:
        return Principal(USER_PREFIX + self.username, self.role, self.region, self.programs,
                         self.household_ids, self.permissions)


def validate_new_user(user: NewUser) -> None:
    """InvalidInput (``reason`` names the rule) unless ``user`` may be stored."""
    if not USERNAME.match(user.username):
        raise InvalidInput("a username is 2-64 lowercase letters, digits, '.', '_' or '-'",
                           reason="username", field="username")
    if len(user.password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters",
                           reason="weak_password", field="password")
    if user.role in NOT_A_PERSON:
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
    if not all(0 < household <= MAX_RECORD_ID for household in user.household_ids):
        raise InvalidInput("assigned households are record ids (1 to 2^63 - 1)",
                           reason="malformed", field="households")
    unknown = [p for p in user.permissions if p not in PERMISSIONS]
    if unknown:
        raise InvalidInput(f"unknown permissions: {', '.join(unknown)} (known: "
                           f"{', '.join(PERMISSIONS)})", reason="permission", field="permissions")
    for permission in user.permissions:
        if user.role not in PERMISSIONS[permission]:
            raise InvalidInput(f"only {', '.join(r.value for r in PERMISSIONS[permission])} "
                               f"may hold {permission}", reason="permission",
                               field="permissions")
    try:
        check_principal(user.principal())
    except Unauthenticated as exc:
        raise InvalidInput(exc.message, reason="scope", field="scope") from None
