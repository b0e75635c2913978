"""`siks gateway catalogue list|import` and `siks gateway dipa export`'s refusals, at the
command line: a bad catalogue file is refused whole in one line naming the entry and the
field, and leaves the catalogue as it was; an import is audited."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.service_layer.catalogue import seed_text

SIKS = [sys.executable, "-m", "siks"]


def siks(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SIKS, *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'gateway.sqlite'}"
    assert siks("gateway", "migrate", "--db", url).returncode == 0
    return url


def entries(change: dict[str, object], index: int = 7) -> str:
    document = json.loads(seed_text())
    document["entries"][index].update(change)
    return json.dumps(document)


@pytest.mark.parametrize(("text", "says"), [
    ("{not json", "bukan JSON (baris 1) / not JSON (line 1)"),
    ('{"entries": []}', 'harus berisi daftar "entries" yang tidak kosong'),
    (entries({"amount": -5}), "entri 8, amount: -5 bukan rupiah bulat positif / entry 8, "
                              "amount: -5 is not a positive whole number of rupiah"),
    (entries({"legal_basis": " "}), "entry 8, legal_basis: the legal basis is required"),
    (entries({"unit": "PER_DAY"}), "entry 8, unit: unknown 'PER_DAY'"),
    (entries({"period": "2026-07"}), "entry 8, period: '2026-07' is not YYYY or YYYY-S1/S2"),
    (entries({"component": "SD", "program": "PKH"}),
     "entry 8: PKH/SD 2026 is already given by an earlier entry"),
])
def test_a_bad_catalogue_is_refused_in_one_line(db: str, tmp_path: Path, text: str,
                                                says: str) -> None:
    path = tmp_path / "katalog.json"
    path.write_text(text, encoding="utf-8")
    done = siks("gateway", "catalogue", "import", str(path), "--db", db)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and says in done.stderr, done.stderr
    listed = siks("gateway", "catalogue", "list", "--json", "--db", db)
    bpnt = [e for e in json.loads(listed.stdout)["entries"] if e["program"] == "BPNT"]
    assert [e["amount"] for e in bpnt] == [200_000]  # unchanged


def test_an_import_replaces_the_catalogue_and_is_audited(db: str, tmp_path: Path) -> None:
    path = tmp_path / "katalog.json"
    path.write_text(entries({"amount": 225_000}), encoding="utf-8")
    done = siks("gateway", "catalogue", "import", str(path), "--db", db, "--actor", "kemensos")
    assert done.returncode == 0, done.stderr
    assert "catalogue replaced: 9 entries" in done.stdout
    assert "225,000" in siks("gateway", "catalogue", "list", "--db", db).stdout
    verified = siks("gateway", "audit", "verify", "--db", db)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_missing_file_and_a_bad_period_are_one_line(db: str, tmp_path: Path) -> None:
    done = siks("gateway", "catalogue", "import", str(tmp_path / "none.json"), "--db", db)
    assert done.returncode == 2 and "tidak dapat dibaca / cannot be read" in done.stderr
    done = siks("gateway", "dipa", "export", "--period", "2026-S3", "--output",
                str(tmp_path / "d.xlsx"), "--db", db)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "period '2026-S3' is not YYYY-S1 or YYYY-S2" in done.stderr
    assert not (tmp_path / "d.xlsx").exists()
