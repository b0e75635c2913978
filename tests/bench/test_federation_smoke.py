"""The federation benchmark's whole code path at tiny scale (3 nodes, 300 households), so that
it cannot rot: cache build, PostgreSQL copy, node hosts and gateway processes over mTLS, the
correctness checks, every measurement and the report (for (3), what the gateway adds,
with one client and with several at once). The numbers mean nothing at this scale."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from bench import federation
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES

pytestmark = pytest.mark.postgres


def _postgres_reachable() -> bool:
    async def probe() -> None:
        connection = await asyncpg.connect(POSTGRES_URL.replace("postgresql://", "postgres://"),
                                           timeout=5)
        await connection.close()

    try:
        asyncio.run(probe())
    except (OSError, TimeoutError, asyncpg.PostgresError):
        return False
    return True


def test_the_benchmark_runs_end_to_end_at_tiny_scale(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    if not _postgres_reachable():
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL at {POSTGRES_URL} is unreachable", pytrace=False)
        pytest.skip(f"PostgreSQL at {POSTGRES_URL} is unreachable")
    args = ["--households", "300", "--regions", "3", "--cache", str(tmp_path / "cache"),
            "--postgres", POSTGRES_URL, "--workers", "1", "--node-processes", "1",
            "--repeat", "2", "--repeat-small", "2", "--clients", "4", "--rounds-per-client",
            "2", "--samples", "2", "--drop-postgres"]
    code = federation.main(args)
    out = capsys.readouterr().out
    assert code in (0, 1), out  # 1: a target missed, which says nothing at this scale
    assert "equal: " in out  # the fan-out and the rollups matched PostgreSQL
    for row in ("(1) province × program, live fan-out", "(2) province × program, rollups",
                "(4) gateway RSS, 3 nodes"):
        assert row in out, out
    assert "300 households" in out
    # (3): what the gateway adds, from pairs, with 1 client (2 pairs) and 4 at once (4 × 2);
    # the targets: 10 and 3 ms with one client, twice that under load
    for row in ("| (3a) one-region page (50 households) | 1 | 2 |",
                "| (3a) one-region page (50 households) | 4 | 8 |",
                "| (3b) NIK lookup | 1 | 2 |", "| (3b) NIK lookup | 4 | 8 |"):
        assert row in out, out
    table = [line for line in out.splitlines() if line.startswith("| (3")]
    assert [line.split(" | ")[7] for line in table] == [
        "≤ 10.0 ms", "≤ 20.0 ms", "≤ 3.0 ms", "≤ 6.0 ms"], table
