"""Errors both services raise, defined once. Each code is raised by exactly one class in the
project (tests/test_error_hierarchy.py); the services' own ``errors`` modules re-export these
and draw their own classes under the same bases::

    SiksError                           (schema.errors)
    ├── InvalidInput                    (schema.errors)
    │   ├── InvalidCursor               code: INVALID_CURSOR  (garbled, or of another order)
    │   └── OutOfRegion                 code: OUT_OF_REGION   (a region this node does not serve)
    ├── NotFound                        code: NOT_FOUND
    └── Conflict                        code: CONFLICT
        └── Duplicate                   code: DUPLICATE       (a KK, NIK or user name taken)

Outside a user's region scope is :class:`~schema.errors.OutOfScope`, not ``OutOfRegion``.
"""

from __future__ import annotations

from schema.errors import InvalidInput, SiksError

__all__ = ["Conflict", "Duplicate", "InvalidCursor", "NotFound", "OutOfRegion"]


class InvalidCursor(InvalidInput):
    code = "INVALID_CURSOR"


class OutOfRegion(InvalidInput):
    """A region (of a record, a desa, a request) that this node, or the node the gateway asked,
    does not serve."""

    code = "OUT_OF_REGION"


class NotFound(SiksError):
    code = "NOT_FOUND"


class Conflict(SiksError):
    """The request contradicts what is stored (a state changed under it, a key taken)."""

    code = "CONFLICT"


class Duplicate(Conflict):
    """Something that must be unique is already registered: a KK or NIK on this node, a user
    name."""

    code = "DUPLICATE"
