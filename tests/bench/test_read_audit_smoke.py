"""bench/read_audit.py at tiny scale, so that it cannot rot: both modes run, write every entry
(the chain verifies, or it exits), and the batched one groups concurrent writers."""

from __future__ import annotations

import pytest

from bench import read_audit


def test_the_read_audit_benchmark_runs_both_modes(capsys: pytest.CaptureFixture[str]) -> None:
    assert read_audit.main(["--writers", "4", "--operations", "3", "--rows", "5",
                            "--runs", "1"]) == 0
    rows = [line.split(" | ") for line in capsys.readouterr().out.splitlines()
            if line.startswith("| batched") or line.startswith("| one per")]
    assert [row[0] for row in rows] == ["| batched", "| one per transaction"]
    batched, single = (float(row[-1].rstrip(" |")) for row in rows)
    assert single == 1.0 and batched > 1.0  # 4 writers at once: fewer transactions
