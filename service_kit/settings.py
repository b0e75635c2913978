"""Settings read from the environment, one parser for the node (``SIKS_NODE_*``) and the
gateway (``SIKS_GATEWAY_*``): every setting of either service is read through an :class:`Env`,
so a value is parsed one way whichever module needs it, and a malformed one fails loudly with
one line naming the variable (``ConfigError``). Defaults stay beside the setting they belong
to, in the service's config module.

A boolean setting accepts exactly these words, case-insensitive, around spaces stripped:

=========  ==============================
true       ``1``, ``true``, ``yes``, ``on``
false      ``0``, ``false``, ``no``, ``off``
=========  ==============================

Anything else (``enabled``, ``2``, ``y``) is refused with one line naming the variable: a
typo must not silently turn production hardening off.

A rate (``LOGIN_RATE``, ``PUBLIC_RATE``) is ``<per minute>/<burst>``, e.g. ``10/5``: a
positive number a minute and a burst of at least one (``service_kit.ratelimit.Rate.parse``).
Numbers are decimal; whole numbers (ports, sizes, counts) take no fraction.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

from schema.errors import ConfigError
from service_kit.ratelimit import Rate

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def parse_bool(name: str, raw: str | None, default: bool = False) -> bool:
    """The boolean setting ``name`` given as ``raw``; ``default`` when unset or empty."""
    if raw is None or raw.strip() == "":
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name}: {raw!r} is not a boolean (use 1/0, true/false, yes/no or "
                      "on/off)")


def env_bool(name: str, default: bool = False,
             environ: Mapping[str, str] | None = None) -> bool:
    """The boolean environment variable ``name`` (:func:`parse_bool`)."""
    return parse_bool(name, (os.environ if environ is None else environ).get(name), default)


def parse_rate(name: str, raw: str) -> str:
    """``raw`` when it is a rate (``<per minute>/<burst>``), else one line naming ``name``."""
    try:
        Rate.parse(raw)
    except ValueError:
        raise ConfigError(f"{name}: expected <per minute>/<burst>, e.g. 10/5, not {raw!r}"
                          ) from None
    return raw


def defaults(settings: type) -> dict[str, Any]:
    """The defaults a settings dataclass declares, by field name: the one place they are
    written (``from_env`` reads them from here)."""
    return {f.name: f.default for f in fields(settings) if f.default is not MISSING}


@dataclass(frozen=True, slots=True)
class Env:
    """One service's settings: ``prefix + NAME`` in ``environ``; a flag given on the command
    line (``given``, by lower-case name) wins. Unset and empty both mean "not given"."""

    prefix: str
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    given: Mapping[str, object] = field(default_factory=dict)

    @classmethod
    def of(cls, prefix: str, environ: Mapping[str, str] | None = None,
           overrides: Mapping[str, object] | None = None) -> Env:
        """``overrides`` that are None count as not given (an absent flag)."""
        given = {k: v for k, v in (overrides or {}).items() if v is not None}
        return cls(prefix, os.environ if environ is None else environ, given)

    def var(self, name: str) -> str:
        """The variable's full name: ``var("port")`` is ``SIKS_NODE_PORT``."""
        return self.prefix + name.upper()

    def text(self, name: str, default: str | None = None) -> str | None:
        if name in self.given:
            return str(self.given[name])
        return self.environ.get(self.var(name)) or default

    def required(self, name: str, flag: str | None = None) -> str:
        value = self.text(name)
        if not value:
            flag = flag or f"--{name.replace('_', '-')}"
            raise ConfigError(f"{self.var(name)} is not set (or pass {flag})")
        return value

    def flag(self, name: str, default: bool) -> bool:
        return parse_bool(self.var(name), self.text(name), default)

    def path(self, name: str) -> Path | None:
        value = self.text(name)
        return Path(value) if value else None

    def rate(self, name: str, default: str) -> str:
        return parse_rate(self.var(name), self.text(name, default) or default)

    def number(self, name: str, default: float, *, minimum: float | None = None,
               positive: bool = False) -> float:
        """A finite decimal number; ``minimum`` or ``positive`` bound it."""
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise ConfigError(f"{self.var(name)}: {raw!r} is not a number")
        return self._bounded(name, value, minimum, positive)

    def whole(self, name: str, default: int, *, minimum: int | None = None,
              positive: bool = False) -> int:
        """A whole number (no fraction); ``minimum`` or ``positive`` bound it."""
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = int(raw.strip())
        except ValueError:
            raise ConfigError(f"{self.var(name)}: {raw!r} is not a whole number") from None
        return int(self._bounded(name, value, minimum, positive))

    def optional_whole(self, name: str, *, minimum: int | None = None) -> int | None:
        """A whole number, or None when not given."""
        if self.text(name) is None:
            return None
        return self.whole(name, 0, minimum=minimum)

    def _bounded(self, name: str, value: float, minimum: float | None,
                 positive: bool) -> float:
        if positive and value <= 0:
            raise ConfigError(f"{self.var(name)} must be positive, not {value:g}")
        if minimum is not None and value < minimum:
            raise ConfigError(f"{self.var(name)} must be at least {minimum:g}, not {value:g}")
        return value
