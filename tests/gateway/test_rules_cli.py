"""`siks gateway rules list|import` at the command line: the packaged double-benefit rules
after a migration, a bad rules file refused whole in one line naming the rule and the field
(the rules stay as they were), an import replacing them and audited."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.service_layer.benefit_rules import seed_text

SIKS = [sys.executable, "-m", "siks"]


def siks(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SIKS, *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'gateway.sqlite'}"
    assert siks("gateway", "migrate", "--db", url).returncode == 0
    return url


def rules(change: dict[str, object], index: int = 2) -> str:
    document = json.loads(seed_text())
    document["rules"][index].update(change)
    return json.dumps(document)


def test_the_packaged_rules_after_a_migration(db: str) -> None:
    listed = siks("gateway", "rules", "list", "--db", db)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["program", "excludes", "scope", "legal", "basis"]
    assert lines[1].split()[:3] == ["BLT", "PKH", "HOUSEHOLD"]
    assert lines[3].split()[:3] == ["KEMENAG_PIP", "PIP", "PERSON"]
    as_json = siks("gateway", "rules", "list", "--json", "--db", db)
    assert json.loads(as_json.stdout) == json.loads(seed_text())


@pytest.mark.parametrize(("text", "says"), [
    ("{not json", "bukan JSON (baris 1) / not JSON (line 1)"),
    ('{"rules": []}', 'harus berisi daftar "rules" yang tidak kosong'),
    (rules({"scope": "FAMILY"}), "rule 3, scope: unknown 'FAMILY' (PERSON or HOUSEHOLD)"),
    (rules({"program": "kemenag pip"}), "rule 3, program: 'kemenag pip' is not a program code"),
    (rules({"excludes": "KEMENAG_PIP"}), "rule 3, excludes: a program cannot exclude itself"),
    (rules({"excludes": "KEMENAG_KIP"}), "rule 3, program: one side must be a Kemensos program"),
    (rules({"legal_basis": ""}), "rule 3, legal_basis: the legal basis is required"),
    (rules({"program": "PKH", "excludes": "BLT"}),
     "rule 3: PKH x BLT is already given by an earlier rule"),
])
def test_a_bad_rules_file_is_refused_in_one_line(db: str, tmp_path: Path, text: str,
                                                 says: str) -> None:
    path = tmp_path / "aturan.json"
    path.write_text(text, encoding="utf-8")
    done = siks("gateway", "rules", "import", str(path), "--db", db)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and says in done.stderr, done.stderr
    listed = siks("gateway", "rules", "list", "--json", "--db", db)
    assert json.loads(listed.stdout) == json.loads(seed_text())  # unchanged


def test_an_import_replaces_the_rules_and_is_audited(db: str, tmp_path: Path) -> None:
    path = tmp_path / "aturan.json"
    path.write_text(json.dumps({"rules": [
        {"program": "PKH", "excludes": "RUTILAHU", "scope": "HOUSEHOLD",
         "legal_basis": "contoh / example"}]}), encoding="utf-8")
    done = siks("gateway", "rules", "import", str(path), "--db", db, "--actor", "kemensos")
    assert done.returncode == 0, done.stderr
    assert "rules replaced: 1 rules" in done.stdout
    listed = siks("gateway", "rules", "list", "--db", db).stdout.splitlines()
    assert [line.split()[:3] for line in listed[1:]] == [["PKH", "RUTILAHU", "HOUSEHOLD"]]
    verified = siks("gateway", "audit", "verify", "--db", db)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    missing = siks("gateway", "rules", "import", str(tmp_path / "none.json"), "--db", db)
    assert missing.returncode == 2 and "tidak dapat dibaca / cannot be read" in missing.stderr
