from __future__ import annotations

import argparse
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from certs import CertificateStore, Identity, SigningCredentials
from certs.cli import main, register

REPO = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["certs", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_create_issue_rotate_revoke_and_list(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pki = str(tmp_path / "pki")
    assert run(capsys, "create-ca", "--dir", pki)[0] == 0

    code, out, _ = run(capsys, "issue", "32.73", "--dir", pki)
    assert code == 0
    old_kid = SigningCredentials.load(Path(pki), Identity.region("32.73")).kid
    assert f"kid {old_kid}" in out and "32.73 Kota Bandung" in out

    code, out, _ = run(capsys, "rotate", "32.73", "--dir", pki)
    new_kid = SigningCredentials.load(Path(pki), Identity.region("32.73")).kid
    assert code == 0 and new_kid != old_kid and f"kid {new_kid}" in out

    old_certificate = CertificateStore.load(Path(pki)).find(old_kid)
    assert old_certificate is not None
    old_serial = format(old_certificate.serial_number, "x")
    code, out, _ = run(
        capsys, "revoke", "--serial", old_serial, "--reason", "superseded", "--dir", pki
    )
    assert code == 0 and f"revoked {old_serial} {old_kid} (superseded)" in out

    code, out, _ = run(capsys, "list", "--dir", pki)
    rows = {line.split()[-1]: line.split() for line in out.splitlines()[1:]}
    assert rows[old_kid][:3] == ["32.73", "signing", "revoked"]
    assert rows[new_kid][:3] == ["32.73", "signing", "current"]

    code, out, _ = run(capsys, "crl", "--dir", pki)
    assert code == 0 and "1 revoked" in out and f"{old_serial}" in out and "superseded" in out


def test_revoke_by_region_and_gateway(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pki = str(tmp_path / "pki")
    run(capsys, "dev", "--regions", "32.73", "32.77", "--dir", pki)

    code, out, _ = run(capsys, "revoke", "--region", "32.73", "--dir", pki)
    assert code == 0 and out.count("revoked ") == 2
    code, out, _ = run(capsys, "revoke", "--gateway", "--reason", "key-compromise", "--dir", pki)
    assert code == 0 and out.count("(key-compromise)") == 2

    store = CertificateStore.load(Path(pki))
    cimahi = SigningCredentials.load(Path(pki), Identity.region("32.77"))
    assert store.verify(cimahi.certificate, datetime.now(UTC)) == Identity.region("32.77")
    assert len(store.crl or []) == 4


def test_pki_directory_comes_from_the_environment(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIKS_PKI_DIR", str(tmp_path / "from-env"))
    assert run(capsys, "create-ca")[0] == 0
    assert (tmp_path / "from-env" / "ca" / "ca.crt").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["issue", "32.73"], "no national CA in"),
        (["create-ca"], "a national CA already exists"),
        (["issue", "99.99"], "region 99.99 does not exist"),
        (["issue", "32"], "is a provinsi, expected a kabkota"),
        (["issue", "32.73", "--ip", "localhost"], "'localhost' is not an IP address"),
        (["rotate", "32.77"], "has no certificate to rotate"),
        (["revoke", "--serial", "zz"], "'zz' is not a hexadecimal certificate serial"),
        (["revoke", "--serial", "abc"], "issued no certificate with serial abc"),
        (["revoke", "--region", "32.77"], "no certificate left to revoke"),
    ],
)
def test_errors_are_one_line_and_a_non_zero_exit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], message: str
) -> None:
    pki = str(tmp_path / "pki")
    if argv != ["issue", "32.73"]:
        run(capsys, "create-ca", "--dir", pki)

    code, out, err = run(capsys, *argv, "--dir", pki)

    assert code == 1
    assert err.count("\n") == 1 and err.startswith("siks certs: error: ")
    assert message in err
    assert "Traceback" not in err + out


def test_mounts_under_a_parent_siks_parser(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser(prog="siks")
    subparsers = parser.add_subparsers(dest="command", required=True)
    subparsers.add_parser("demo")
    register(subparsers)

    args = parser.parse_args(["certs", "create-ca", "--dir", str(tmp_path / "pki")])

    assert args.handler(args) == 0
    assert (tmp_path / "pki" / "ca" / "ca.key").exists()


def test_python_dash_m_certs_reports_errors_without_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "certs", "certs", "issue", "32.73", "--dir", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert (
        result.stderr == f"siks certs: error: no national CA in {tmp_path / 'ca'}: "
        "run `siks certs create-ca`\n"
    )
