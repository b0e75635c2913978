"""Password hashes with scrypt (memory-hard, in the standard library).

Format: ``scrypt$<log2 n>$<r>$<p>$<salt b64>$<hash b64>``, so the cost can rise later and old
hashes still verify. n = 2**15, r = 8 needs 32 MiB per hash: slow for a guessing attacker,
fine for logins (run it off the event loop).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os

LOG2_N, R, P = 15, 8, 1
SALT_BYTES, HASH_BYTES = 16, 32
_MAX_MEMORY = 128 * 1024 * 1024


def _scrypt(password: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2 ** log2_n, r=r, p=p,
                          dklen=HASH_BYTES, maxmem=_MAX_MEMORY)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    salt = os.urandom(SALT_BYTES)
    return f"scrypt${LOG2_N}${R}${P}${_b64(salt)}${_b64(_scrypt(password, salt, LOG2_N, R, P))}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time comparison; a malformed stored hash never verifies."""
    try:
        scheme, log2_n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return False
        actual = _scrypt(password, base64.b64decode(salt), int(log2_n), int(r), int(p))
        return hmac.compare_digest(actual, base64.b64decode(expected))
    except (ValueError, TypeError):
        return False


@functools.cache
def dummy_hash() -> str:
    """Checked against for an unknown user, so a miss takes as long as a wrong password."""
    return hash_password("unused")
