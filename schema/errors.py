"""Errors of the shared contract.

Every error carries a stable machine ``code`` (used as GraphQL ``extensions.code``) and a
human sentence that says *why*::

    SiksError
    ├── ConfigError                  code: CONFIG
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


class ConfigError(SiksError):
    """A setting (environment variable, flag, database URL) is missing or wrong."""

    code = "CONFIG"


class InvalidInput(SiksError):
    """A value given by a user breaks a rule; ``reason`` names the rule."""

    code = "INVALID_INPUT"

    def __init__(self, message: str, *, reason: str = "invalid", field: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.field = field


class InvalidRegionCode(InvalidInput):
    code = "INVALID_REGION"


class InvalidNik(InvalidInput):
    code = "INVALID_NIK"


class InvalidKk(InvalidInput):
    code = "INVALID_KK"
