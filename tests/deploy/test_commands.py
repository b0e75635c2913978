"""What a deployment needs from the commands, added for docker-compose.yml and
docs/deploy.md: `siks certs request --out` (the requests go where the courier picks them up,
the keys stay) and `--password-file` of `siks node|gateway user add` (a Docker secret; no
terminal, no stdin in a one-shot container)."""

from __future__ import annotations

import asyncio
import io

import pytest

from gateway.adapters.database import open_database as open_gateway_database
from gateway.identity.users import authenticate as gateway_login
from regional_node.adapters.database import open_database as open_node_database
from regional_node.service_layer.users import authenticate as node_login
from siks.cli import main as siks_main

PASSWORD = "kata sandi yang panjang sekali"


def test_request_out_writes_only_the_requests_there(tmp_path, capsys):
    pki, out = tmp_path / "pki", tmp_path / "courier"
    assert siks_main(["certs", "request", "32.73", "--dir", str(pki), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["32.73-signing.csr", "32.73-tls.csr"]
    assert str(out / "32.73-tls.csr") in capsys.readouterr().out
    assert sorted(p.name for p in (pki / "regions" / "32.73" / "pending").iterdir()) == [
        "signing.key", "tls.key"]
    assert not list(pki.rglob("*.csr"))
    ca, signed = tmp_path / "ca", tmp_path / "signed"
    assert siks_main(["certs", "create-ca", "--dir", str(ca)]) == 0
    assert siks_main(["certs", "sign", "--dir", str(ca), "--out", str(signed),
                      *map(str, sorted(out.iterdir()))]) == 0
    assert siks_main(["certs", "install", "--dir", str(pki),
                      *map(str, sorted(signed.iterdir()))]) == 0
    assert (pki / "regions" / "32.73" / "signing.key").exists()


def _password_file(tmp_path, text: str = PASSWORD + "\n"):
    path = tmp_path / "secret"
    path.write_text(text)
    return path


def test_node_user_add_reads_a_password_file(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'node.sqlite'}"
    assert siks_main(["node", "migrate", "--db", url, "--region", "32.73"]) == 0
    assert siks_main(["node", "user", "add", "--db", url, "--username", "dinsos-3273",
                      "--role", "DINSOS", "--scope", "32.73",
                      "--password-file", str(_password_file(tmp_path))]) == 0

    async def login() -> str:
        database = open_node_database(url)
        try:
            return (await node_login(database, "dinsos-3273", PASSWORD)).user_id
        finally:
            await database.dispose()

    assert "dinsos-3273" in asyncio.run(login())


def test_gateway_user_add_reads_a_password_file(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'gw.sqlite'}"
    monkeypatch.setattr("sys.stdin", io.StringIO("not this one\n"))
    assert siks_main(["gateway", "user", "add", "--db", url, "--username", "kemensos",
                      "--role", "KEMENSOS",
                      "--password-file", str(_password_file(tmp_path))]) == 0

    async def login() -> str:
        database = open_gateway_database(url)
        try:
            return (await gateway_login(database, "kemensos", PASSWORD)).user_id
        finally:
            await database.dispose()

    assert "kemensos" in asyncio.run(login())


@pytest.mark.parametrize("command", ["node", "gateway"])
def test_a_missing_password_file_is_one_line(tmp_path, capsys, command):
    code = siks_main([command, "user", "add", "--db", f"sqlite:///{tmp_path / 'x.sqlite'}",
                      "--username", "someone", "--role", "KEMENSOS",
                      "--password-file", str(tmp_path / "absent")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "cannot read" in err and "absent" in err


@pytest.mark.parametrize("command", ["node", "gateway"])
def test_password_file_and_stdin_exclude_each_other(tmp_path, command):
    with pytest.raises(SystemExit) as usage:
        siks_main([command, "user", "add", "--username", "x", "--role", "KEMENSOS",
                   "--password-stdin", "--password-file", str(_password_file(tmp_path))])
    assert usage.value.code == 2


def test_list_reads_a_holder_directory_without_the_ca_key(tmp_path, capsys):
    """A node checks its own certificates' expiry and which are retired: `siks certs list`
    reads the register of the directory; it used to need the CA's private key."""
    pki, ca = tmp_path / "pki", tmp_path / "ca"
    assert siks_main(["certs", "create-ca", "--dir", str(ca)]) == 0
    for _ in range(2):  # a first certificate, then a renewal by request
        assert siks_main(["certs", "request", "32.73", "--dir", str(pki),
                          "--out", str(tmp_path / "requests")]) == 0
        assert siks_main(["certs", "sign", "--dir", str(ca), "--out", str(tmp_path / "signed"),
                          *map(str, sorted((tmp_path / "requests").iterdir()))]) == 0
        assert siks_main(["certs", "install", "--dir", str(pki),
                          *map(str, sorted((tmp_path / "signed").iterdir()))]) == 0
    capsys.readouterr()
    assert siks_main(["certs", "list", "--dir", str(pki)]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[1:]]
    assert sorted((r[0], r[1], r[2]) for r in rows) == [
        ("32.73", "signing", "current"), ("32.73", "signing", "retired"),
        ("32.73", "tls", "current"), ("32.73", "tls", "retired")]
    assert siks_main(["certs", "list", "--dir", str(tmp_path / "nowhere")]) == 1
    assert "no national CA certificate" in capsys.readouterr().err


def _holder(tmp_path, ca):
    """A node directory with installed certificates, made by request -> sign -> install."""
    pki = tmp_path / "pki"
    assert siks_main(["certs", "request", "32.73", "--dir", str(pki),
                      "--out", str(tmp_path / "requests")]) == 0
    assert siks_main(["certs", "sign", "--dir", str(ca), "--out", str(tmp_path / "signed"),
                      *map(str, sorted((tmp_path / "requests").iterdir()))]) == 0
    assert siks_main(["certs", "install", "--dir", str(pki),
                      *map(str, sorted((tmp_path / "signed").iterdir()))]) == 0
    return pki


def test_a_renewed_crl_is_published_and_installed_alone(tmp_path, capsys):
    """The CRL expires after 7 days: the CA re-signs and publishes it (`crl --out`), each
    holder installs just that file; install checks the CA signed it and that it is newer."""
    ca = tmp_path / "ca"
    assert siks_main(["certs", "create-ca", "--dir", str(ca)]) == 0
    pki = _holder(tmp_path, ca)
    assert siks_main(["certs", "revoke", "--dir", str(ca), "--region", "32.73",
                      "--reason", "key-compromise"]) == 0
    old = (tmp_path / "signed" / "crl.pem").read_bytes()
    assert siks_main(["certs", "crl", "--dir", str(ca), "--out", str(tmp_path / "pub")]) == 0
    published = tmp_path / "pub" / "crl.pem"
    assert published.read_bytes() == (ca / "ca" / "crl.pem").read_bytes()
    capsys.readouterr()
    assert siks_main(["certs", "install", "--dir", str(pki), str(published)]) == 0
    assert "installed CRL" in capsys.readouterr().out
    assert (pki / "ca" / "crl.pem").read_bytes() == published.read_bytes()
    # an older CRL (it would forget the revocation) and another CA's CRL are refused
    stale = tmp_path / "stale" / "crl.pem"
    stale.parent.mkdir()
    stale.write_bytes(old)
    assert siks_main(["certs", "install", "--dir", str(pki), str(stale)]) == 1
    assert "older than the installed" in capsys.readouterr().err
    other = tmp_path / "other-ca"
    assert siks_main(["certs", "create-ca", "--dir", str(other)]) == 0
    capsys.readouterr()
    assert siks_main(["certs", "install", "--dir", str(pki),
                      str(other / "ca" / "crl.pem")]) == 1
    assert "not signed by the national CA" in capsys.readouterr().err
    assert (pki / "ca" / "crl.pem").read_bytes() == published.read_bytes()
