"""Errors of the regional node.

Each carries a stable ``code`` that the GraphQL layer puts in ``extensions.code`` and the
command line prints as one line::

    SiksError (schema.errors)
    ├── InvalidInput                      INVALID_INPUT (+ INVALID_REGION, INVALID_NIK, INVALID_KK)
    │   ├── OutOfRegion                   OUT_OF_REGION    (a region this node does not serve)
    │   ├── InvalidCursor                 INVALID_CURSOR
    │   └── InvalidRecord                 INVALID_RECORD   (carries a list of Problems)
    ├── NotFound                          NOT_FOUND
    ├── ForbiddenTransition               FORBIDDEN_TRANSITION (role may not move a proposal so)
    ├── OutOfScope                        OUT_OF_SCOPE     (outside the user's scope; schema.errors)
    ├── WrongState                        WRONG_STATE      (a proposal is not in a state for this)
    │   └── FieldVerificationRequired     FIELD_VERIFICATION_REQUIRED (no geotagged photo yet)
    ├── Conflict                          CONFLICT
    │   ├── DuplicateRecord               DUPLICATE        (KK or NIK already registered)
    │   └── AlreadyCorrected              ALREADY_CORRECTED (a returned proposal has a correction)
    ├── ConfigError                       CONFIG           (schema.errors)
    └── AuditChainBroken                  AUDIT_CHAIN_BROKEN
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from schema.errors import ConfigError, InvalidInput, OutOfScope, SiksError

__all__ = [
    "AlreadyCorrected", "AuditChainBroken", "ConfigError", "Conflict", "DuplicateRecord",
    "ForbiddenTransition", "FieldVerificationRequired", "InvalidCursor", "InvalidRecord",
    "NotFound", "OutOfRegion", "OutOfScope", "WrongState",
]

if TYPE_CHECKING:
    from regional_node.domain.records import Problem


class OutOfRegion(InvalidInput):
    code = "OUT_OF_REGION"


class InvalidCursor(InvalidInput):
    code = "INVALID_CURSOR"


class InvalidRecord(InvalidInput):
    code = "INVALID_RECORD"

    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{first.field}: {first.message}{more}", reason=first.reason,
                         field=first.field)
        self.problems = problems


class NotFound(SiksError):
    code = "NOT_FOUND"


class ForbiddenTransition(SiksError):
    code = "FORBIDDEN_TRANSITION"


class WrongState(SiksError):
    code = "WRONG_STATE"


class FieldVerificationRequired(WrongState):
    """A proposal cannot become VERIFIED before a field verification with a geotagged house
    photo was recorded for it."""

    code = "FIELD_VERIFICATION_REQUIRED"


class Conflict(SiksError):
    code = "CONFLICT"


class DuplicateRecord(Conflict):
    code = "DUPLICATE"


class AlreadyCorrected(Conflict):
    """A returned proposal is already corrected by a proposal that is still alive."""

    code = "ALREADY_CORRECTED"


class AuditChainBroken(SiksError):
    code = "AUDIT_CHAIN_BROKEN"
