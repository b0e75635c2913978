"""The national deciles benchmark's whole code path at tiny scale (3 nodes, 300 households):
the federation benchmark's cache and node processes over mTLS, the gateway's computation in
this process, the equality check against PostgreSQL's percentile_disc, the timing and the
report. The numbers mean nothing at this scale."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import federation_deciles
from tests.bench.test_federation_smoke import _postgres_reachable
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES

pytestmark = pytest.mark.postgres


def test_the_deciles_benchmark_runs_end_to_end_at_tiny_scale(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not _postgres_reachable():
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL at {POSTGRES_URL} is unreachable", pytrace=False)
        pytest.skip(f"PostgreSQL at {POSTGRES_URL} is unreachable")
    args = ["--households", "300", "--regions", "3", "--cache", str(tmp_path / "cache"),
            "--postgres", POSTGRES_URL, "--workers", "1", "--node-processes", "1",
            "--repeat", "2", "--drop-postgres"]
    code = federation_deciles.main(args)
    out = capsys.readouterr().out
    assert code in (0, 1), out  # 1: the target missed, which says nothing at this scale
    assert "| national deciles (exact cut points), cold: no previous cut points |" in out
    assert "| national deciles (exact cut points), hinted by the previous run's cut points |" \
        in out
    assert "of 300 over 3 nodes\n" in out
    assert "2 rounds, the untimed check's" in out and "1 round, the untimed check's" in out
    assert "cut points: " in out
