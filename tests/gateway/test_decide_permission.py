"""Signing a national decision is a permission of its own (``decide``), held only by Kemensos
users given it: `siks gateway user add --permissions decide`; the login's token carries it;
the mutations refuse a Kemensos user without it (tests/gateway/test_policy_matrix.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys

import pytest

from gateway.adapters.database import open_database
from gateway.identity.users import authenticate, user_exists
from schema.accounts import NewUser, validate_new_user
from schema.errors import InvalidInput
from schema.roles import Principal, Role
from schema.tokens import claims_for, principal_from_claims

SIKS = [sys.executable, "-m", "siks"]
PASSWORD = "kata-sandi-kemensos"


def _add(db: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SIKS, "gateway", "user", "add", "--db", db, "--password-stdin",
                           *extra], input=PASSWORD + "\n", capture_output=True, text=True,
                          timeout=120)


def test_a_kemensos_user_given_decide_logs_in_with_it(tmp_path):
    db = f"sqlite:///{tmp_path / 'gateway.sqlite'}"
    done = _add(db, "--username", "penetap", "--role", "KEMENSOS", "--permissions", "decide")
    assert done.returncode == 0, done.stderr
    assert "may decide" in done.stdout
    assert _add(db, "--username", "pembaca", "--role", "KEMENSOS").returncode == 0

    async def principals() -> tuple[Principal, Principal]:
        database = open_database(db)
        try:
            return (await authenticate(database, "penetap", PASSWORD),
                    await authenticate(database, "pembaca", PASSWORD))
        finally:
            await database.dispose()

    decider, reader = asyncio.run(principals())
    assert decider.permissions == ("decide",) and reader.permissions == ()
    claims = claims_for(decider, issuer="urn:siks:gateway", audience="urn:siks:gateway",
                        now=dt.datetime.now(dt.UTC))
    assert claims["siks_permissions"] == ["decide"]
    assert principal_from_claims(claims).permissions == ("decide",)


@pytest.mark.parametrize(("extra", "says"), [
    (("--role", "DINSOS", "--scope", "32.73", "--permissions", "decide"),
     "only KEMENSOS may hold decide"),
    (("--role", "KEMENSOS", "--permissions", "decide,fly"), "unknown permissions: fly"),
])
def test_decide_is_refused_to_others_in_one_line(tmp_path, extra, says):
    db = f"sqlite:///{tmp_path / 'gateway.sqlite'}"
    done = _add(db, "--username", "orang", *extra)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("siks: error: ") and says in lines[0]

    async def stored() -> bool:
        database = open_database(db)
        try:
            return await user_exists(database, "orang")
        finally:
            await database.dispose()

    assert not asyncio.run(stored())


def test_a_token_with_a_malformed_permissions_claim_is_refused():
    claims = claims_for(Principal("user:k", Role.KEMENSOS), issuer="i", audience="a",
                        now=dt.datetime.now(dt.UTC))
    claims["siks_permissions"] = "decide"
    with pytest.raises(Exception, match="permissions"):
        principal_from_claims(claims)
    with pytest.raises(InvalidInput):
        validate_new_user(NewUser("mitra.x", PASSWORD, Role.MITRA, programs=("PKH",),
                                  permissions=("decide",)))
