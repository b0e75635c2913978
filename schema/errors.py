"""Errors of the shared contract.

Every error carries a stable machine ``code`` (used as GraphQL ``extensions.code``) and a
human sentence that says *why*::

    SiksError                        code: INTERNAL           (the base; never raised as is)
    ├── ConfigError                  code: CONFIG
    ├── Unauthenticated              code: UNAUTHENTICATED   (a token that does not verify)
    ├── Forbidden                    code: FORBIDDEN          (+ reason)
    │   ├── ForbiddenField           code: FORBIDDEN_FIELD    (+ field, e.g. Member.nik)
    │   └── ForbiddenFilter          code: FORBIDDEN          (reason filter_policy, + field,
    │                                                          argument: a filter or grouping)
    ├── RateLimited                  code: RATE_LIMITED
    ├── QueryTooComplex              code: QUERY_TOO_COMPLEX  (+ cost, limit)
    ├── OutOfScope                   code: OUT_OF_SCOPE       (outside the user's region scope)
    └── InvalidInput                 code: INVALID_INPUT
        ├── InvalidRegionCode        code: INVALID_REGION
        ├── InvalidNik               code: INVALID_NIK
        └── InvalidKk                code: INVALID_KK
"""

from __future__ import annotations


class SiksError(Exception):
    """Base of every error this project raises on purpose."""

    code = "INTERNAL"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def extensions(self) -> dict[str, object]:
        """What a GraphQL error carries in ``extensions``: the code, and details by subclass."""
        return {"code": self.code}


class ConfigError(SiksError):
    """A setting (environment variable, flag, database URL) is missing or wrong."""

    code = "CONFIG"


class Unauthenticated(SiksError):
    """A credential was presented and does not verify (bad, expired, untrusted, malformed)."""

    code = "UNAUTHENTICATED"


class Forbidden(SiksError):
    """The principal may not do or see this; ``reason`` says which rule refused."""

    code = "FORBIDDEN"

    def __init__(self, message: str, *, reason: str = "policy") -> None:
        super().__init__(message)
        self.reason = reason

    def extensions(self) -> dict[str, object]:
        return {"code": self.code, "reason": self.reason}


class ForbiddenField(Forbidden):
    """A field the policy DENIES to the principal's role; ``field`` is ``Type.field``."""

    code = "FORBIDDEN_FIELD"

    def __init__(self, message: str, *, field: str, role: str) -> None:
        super().__init__(message, reason="field_policy")
        self.field = field
        self.role = role

    def extensions(self) -> dict[str, object]:
        return {"code": self.code, "field": self.field, "role": self.role}


class ForbiddenFilter(Forbidden):
    """A filter or grouping that tests a field the role may not read (a count or a filter
    reveals the field it tests, ``schema.disclosure``); ``argument`` names what was asked
    (``filter.desilMax``, ``groupBy.DESIL``), ``field`` the field of the policy table."""

    def __init__(self, message: str, *, field: str, argument: str, role: str) -> None:
        super().__init__(message, reason="filter_policy")
        self.field = field
        self.argument = argument
        self.role = role

    def extensions(self) -> dict[str, object]:
        return {"code": self.code, "reason": self.reason, "field": self.field,
                "argument": self.argument, "role": self.role}


class RateLimited(SiksError):
    code = "RATE_LIMITED"


class QueryTooComplex(SiksError):
    code = "QUERY_TOO_COMPLEX"


class OutOfScope(SiksError):
    """A row, region or desa lies outside the principal's region scope (queries and mutations,
    node and gateway alike); OUT_OF_REGION is a region this node does not serve."""

    code = "OUT_OF_SCOPE"


class InvalidInput(SiksError):
    """A value given by a user breaks a rule; ``reason`` names the rule."""

    code = "INVALID_INPUT"

    def __init__(self, message: str, *, reason: str = "invalid", field: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.field = field

    def extensions(self) -> dict[str, object]:
        extensions: dict[str, object] = {"code": self.code, "reason": self.reason}
        if self.field:
            extensions["field"] = self.field
        return extensions


class InvalidRegionCode(InvalidInput):
    code = "INVALID_REGION"


class InvalidNik(InvalidInput):
    code = "INVALID_NIK"


class InvalidKk(InvalidInput):
    code = "INVALID_KK"
