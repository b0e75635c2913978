"""Errors of the regional node.

Each carries a stable ``code`` that the GraphQL layer puts in ``extensions.code`` and the
command line prints as one line. Each code is raised by one class only; the ones the gateway
raises too are defined once in ``service_kit.errors`` and re-exported here::

    SiksError                             (schema.errors)
    ├── ConfigError                       (schema.errors)
    ├── OutOfScope                        (schema.errors; outside the user's scope)
    ├── InvalidInput                      (schema.errors; + INVALID_REGION, INVALID_NIK, INVALID_KK)
    │   ├── OutOfRegion                   (service_kit.errors)
    │   ├── InvalidCursor                 (service_kit.errors)
    │   ├── InvalidRecord                 code: INVALID_RECORD   (carries a list of Problems)
    │   ├── InvalidModel                  INVALID_INPUT, reason invalid_model (a PMT model file)
    │   └── PackageError                  INVALID_INPUT, reason not_a_package (offline package)
    ├── NotFound                          (service_kit.errors)
    ├── ForbiddenTransition               code: FORBIDDEN_TRANSITION (role may not move it so)
    ├── WrongState                        code: WRONG_STATE  (a proposal not in a state for this)
    │   └── FieldVerificationRequired     code: FIELD_VERIFICATION_REQUIRED (no geotagged photo)
    ├── Conflict                          (service_kit.errors)
    │   ├── Duplicate                     (service_kit.errors; KK or NIK already registered)
    │   ├── AlreadyCorrected              code: ALREADY_CORRECTED (a returned proposal has one)
    │   └── RowConflict                   CONFLICT (an offline row found data changed meanwhile)
    ├── AuditChainBroken                  code: AUDIT_CHAIN_BROKEN
    ├── RegistryError                     code: REGISTRY_ERROR (population registry, no answer)
    │   ├── RegistryUnavailable           code: REGISTRY_UNAVAILABLE (transient: check later)
    │   └── RegistryRejected              code: REGISTRY_REJECTED (refused the whole request)
    ├── TableFileError                    code: TABLE_FILE   (a file not readable as a table)
    ├── UnwritableFile                    code: UNWRITABLE_FILE
    └── ProcessStreamError                code: WORKER_FAILED (the producing process failed)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from schema.errors import ConfigError, InvalidInput, OutOfScope, SiksError
from service_kit.errors import Conflict, Duplicate, InvalidCursor, NotFound, OutOfRegion

__all__ = [
    "AlreadyCorrected", "AuditChainBroken", "ConfigError", "Conflict", "Duplicate",
    "FieldVerificationRequired", "ForbiddenTransition", "InvalidCursor", "InvalidModel",
    "InvalidRecord", "NotFound", "OutOfRegion", "OutOfScope", "PackageError",
    "ProcessStreamError", "RegistryError", "RegistryRejected", "RegistryUnavailable",
    "RowConflict", "TableFileError", "UnwritableFile", "WrongState",
]

if TYPE_CHECKING:
    from regional_node.domain.population_registry import MatchResult
    from regional_node.domain.records import Problem


class InvalidRecord(InvalidInput):
    code = "INVALID_RECORD"

    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{first.field}: {first.message}{more}", reason=first.reason,
                         field=first.field)
        self.problems = problems


class InvalidModel(InvalidInput):
    """A PMT model file breaks a rule (``regional_node.domain.pmt_model``)."""

    def __init__(self, entry: str, field: str, indonesian: str, english: str) -> None:
        where = f"{entry}: {field}" if field else entry
        super().__init__(f"model PMT {where}: {indonesian} / {english}", reason="invalid_model",
                         field=field or entry)


class PackageError(InvalidInput):
    """The file is not a work package this node can read (not one row of it is used)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, reason="not_a_package", field="file")


class ForbiddenTransition(SiksError):
    code = "FORBIDDEN_TRANSITION"


class WrongState(SiksError):
    code = "WRONG_STATE"


class FieldVerificationRequired(WrongState):
    """A proposal cannot become VERIFIED before a field verification with a geotagged house
    photo was recorded for it."""

    code = "FIELD_VERIFICATION_REQUIRED"


class AlreadyCorrected(Conflict):
    """A returned proposal is already corrected by a proposal that is still alive."""

    code = "ALREADY_CORRECTED"


class RowConflict(Conflict):
    """A row of an offline package found data changed meanwhile (reported as CONFLICT,
    nothing written)."""


class AuditChainBroken(SiksError):
    code = "AUDIT_CHAIN_BROKEN"


class RegistryError(SiksError):
    """The population registry gave no usable answer. ``answered`` holds the results it did
    give for the same call before it failed (whole batches only), so callers can keep them."""

    code = "REGISTRY_ERROR"

    def __init__(self, message: str, *, answered: Sequence[MatchResult] = ()) -> None:
        super().__init__(message)
        self.answered = list(answered)


class RegistryUnavailable(RegistryError):
    """Transient failure that outlasted the retries (down, timing out, 5xx): check later."""

    code = "REGISTRY_UNAVAILABLE"


class RegistryRejected(RegistryError):
    """A definitive refusal of the whole request (4xx, malformed answer): retrying will not
    help; the configuration or the client is wrong."""

    code = "REGISTRY_REJECTED"


class TableFileError(SiksError):
    """A file cannot be read or written as a table (missing, wrong type, bad encoding...)."""

    code = "TABLE_FILE"


class UnwritableFile(SiksError):
    code = "UNWRITABLE_FILE"


class ProcessStreamError(SiksError):
    """The producing process failed or died."""

    code = "WORKER_FAILED"
