"""Settings read from the environment that both the node and the gateway share.

A boolean setting accepts exactly these words, case-insensitive, around spaces stripped:

=========  ==============================
true       ``1``, ``true``, ``yes``, ``on``
false      ``0``, ``false``, ``no``, ``off``
=========  ==============================

Anything else (``enabled``, ``2``, ``y``) is refused with one line naming the variable: a
typo must not silently turn production hardening off.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from schema.errors import ConfigError

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
