"""``bench/gateway_cpu.py`` at tiny scale (3 nodes, 300 households), so that it cannot rot:
the cluster, both queries through the gateway, the CPU table, the restored gateway database
and the CPU-timed profile. The numbers mean nothing at this scale."""

from __future__ import annotations

import os
import pstats
from pathlib import Path

import pytest

from bench import gateway_cpu
from tests.bench.test_federation_smoke import _postgres_reachable
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES

pytestmark = pytest.mark.postgres


def test_the_harness_reports_cpu_per_request_and_writes_a_profile(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not _postgres_reachable():
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL at {POSTGRES_URL} is unreachable", pytrace=False)
        pytest.skip(f"PostgreSQL at {POSTGRES_URL} is unreachable")
    cache, profiles = tmp_path / "cache", tmp_path / "profiles"
    args = ["--households", "300", "--regions", "3", "--cache", str(cache), "--postgres",
            POSTGRES_URL, "--workers", "1", "--requests", "3", "--rounds", "2", "--warmup",
            "1"]
    assert gateway_cpu.main([*args, "--profile", str(profiles)]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| (3")]
    assert [row.split(" | ")[0] for row in rows] == ["| (3a) page of 50", "| (3b) NIK lookup"]
    assert all(len(row.split(" | ")[4].split(", ")) == 2 for row in rows), rows  # 2 rounds
    first_run = cache / "gateway.first-run.sqlite"
    assert first_run.exists()
    (profile,) = profiles.glob("gateway-cpu-*.prof")
    functions = {name for _, _, name in pstats.Stats(str(profile)).stats}  # type: ignore[attr-defined]
    assert "complete_object_value" in functions  # the pass-through path ran in the gateway

    size = first_run.stat().st_size
    assert gateway_cpu.PROFILE_ENV not in os.environ
    # a second run starts from the first run's database
    assert gateway_cpu.main([*args, "--drop-postgres"]) == 0
    assert first_run.stat().st_size == size
    assert "| (3a) page of 50 |" in capsys.readouterr().out
