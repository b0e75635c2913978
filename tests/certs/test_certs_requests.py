"""A region's keys are made in the region: `siks certs request`, `sign` at the CA, `install`."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from certs import CertificateAuthority, CertificateStore, Identity, SigningCredentials
from certs.cli import main
from certs.errors import CertificateUntrusted, PkiError, PkiNotFound
from certs.holder_check import check_holder_files
from certs.layout import PkiLayout
from certs.requests import install, make_requests, read_request, sign_request, write_bundle

BANDUNG = Identity.region("32.73")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["certs", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _round_trip(capsys: pytest.CaptureFixture[str], ca: Path, node: Path, out: Path) -> str:
    code, printed, _ = run(capsys, "request", "32.73", "--dir", str(node),
                           "--dns", "siks.bandungkota.go.id", "--ip", "10.1.2.3")
    assert code == 0
    csrs = [line.strip() for line in printed.splitlines() if line.strip().endswith(".csr")]
    assert len(csrs) == 2
    code, printed, err = run(capsys, "sign", *csrs, "--dir", str(ca), "--out", str(out))
    assert code == 0, err
    bundle = [line.strip() for line in printed.splitlines() if line.startswith("  ")]
    code, printed, err = run(capsys, "install", *bundle, "--dir", str(node))
    assert code == 0, err
    return printed


def test_keys_never_leave_the_region(capsys, tmp_path):
    ca, node, out = tmp_path / "ca", tmp_path / "node", tmp_path / "bundle"
    CertificateAuthority.create(ca)
    printed = _round_trip(capsys, ca, node, out)
    assert "installed signing certificate" in printed and "installed tls certificate" in printed
    # the node holds working credentials; the CA and the bundle never saw a private key
    check_holder_files(node, BANDUNG)
    credentials = SigningCredentials.load(node, BANDUNG)
    assert CertificateStore.load(node).find(credentials.kid) is not None
    assert {p.name for p in ca.rglob("*.key")} == {"ca.key"}
    assert not list(out.rglob("*.key"))
    layout = PkiLayout(node)
    for key in (layout.signing_key(BANDUNG), layout.tls_key(BANDUNG)):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert (node / "ca" / "ca.crt").read_bytes() == (ca / "ca" / "ca.crt").read_bytes()
    # the CA's register names what it signed, the TLS names the region asked for
    tls = layout.tls_certificate(BANDUNG).read_text()
    assert tls in {p.read_text() for p in (ca / "ca" / "issued").glob("*.crt")}


def test_renewal_by_request_retires_the_old_certificate(capsys, tmp_path):
    ca, node = tmp_path / "ca", tmp_path / "node"
    CertificateAuthority.create(ca)
    _round_trip(capsys, ca, node, tmp_path / "first")
    old_kid = SigningCredentials.load(node, BANDUNG).kid
    _round_trip(capsys, ca, node, tmp_path / "second")
    new = SigningCredentials.load(node, BANDUNG)
    assert new.kid != old_kid
    retired = list(PkiLayout(node).retired_dir(BANDUNG).glob("*.crt"))
    assert len(retired) == 2  # the old signing and TLS certificates, to verify old signatures


def test_install_refuses_a_certificate_of_another_request(tmp_path):
    ca, node = tmp_path / "ca", tmp_path / "node"
    authority = CertificateAuthority.create(ca)
    first = make_requests(node, BANDUNG)
    signed = [sign_request(authority, read_request(p)) for p in first]
    make_requests(node, BANDUNG)  # asked again: the pending keys are new
    bundle = write_bundle(authority, signed, tmp_path / "bundle")
    with pytest.raises(PkiError, match="does not belong to the pending signing key"):
        install(node, bundle)
    assert not PkiLayout(node).signing_certificate(BANDUNG).exists()


def test_install_refuses_a_certificate_of_another_ca(tmp_path):
    real, rogue = CertificateAuthority.create(tmp_path / "ca"), CertificateAuthority.create(
        tmp_path / "rogue")
    node = tmp_path / "node"
    install_ca = [real.layout.ca_certificate]
    requests = make_requests(node, BANDUNG)
    forged = write_bundle(rogue, [sign_request(rogue, read_request(p)) for p in requests],
                          tmp_path / "bundle")
    certificates = [p for p in forged if p.suffix == ".crt" and p.name != "ca.crt"]
    with pytest.raises(CertificateUntrusted):
        install(node, [*certificates, *install_ca])
    assert not PkiLayout(node).signing_certificate(BANDUNG).exists()


def test_install_without_a_request_names_the_step(tmp_path):
    authority = CertificateAuthority.create(tmp_path / "ca")
    elsewhere = make_requests(tmp_path / "other-machine", BANDUNG)
    bundle = write_bundle(authority, [sign_request(authority, read_request(p))
                                      for p in elsewhere], tmp_path / "bundle")
    with pytest.raises(PkiNotFound, match="siks certs request 32.73"):
        install(tmp_path / "node", bundle)


def test_sign_refuses_a_tampered_request(capsys, tmp_path):
    CertificateAuthority.create(tmp_path / "ca")
    [signing, _] = make_requests(tmp_path / "node", BANDUNG)
    text = signing.read_text().splitlines()
    body = list(text[3])
    body[10] = "A" if body[10] != "A" else "B"  # one character of the signed data
    text[3] = "".join(body)
    signing.write_text("\n".join(text) + "\n")
    code, _, err = run(capsys, "sign", str(signing), "--dir", str(tmp_path / "ca"))
    assert code == 1
    assert err.startswith("siks certs: error: ") and len(err.strip().splitlines()) == 1
    assert not list((tmp_path / "ca" / "ca" / "issued").glob("*.crt"))


def test_sign_refuses_what_is_not_a_request(capsys, tmp_path):
    CertificateAuthority.create(tmp_path / "ca")
    junk = tmp_path / "junk.csr"
    junk.write_text("hello\n")
    code, _, err = run(capsys, "sign", str(junk), "--dir", str(tmp_path / "ca"))
    assert code == 1 and "is not a PEM certificate request" in err


@pytest.mark.parametrize("fault", ["wrong_region", "key_mismatch", "no_ca", "other_ca"])
def test_holder_check_names_what_is_wrong(tmp_path, fault):
    authority = CertificateAuthority.create(tmp_path / "ca")
    authority.issue(BANDUNG)
    authority.issue(Identity.region("35.78"))
    layout = PkiLayout(tmp_path / "ca")
    expected = {"wrong_region": "is a certificate of 35.78 Kota Surabaya, not of 32.73",
                "key_mismatch": "does not belong to",
                "no_ca": "no national CA certificate",
                "other_ca": "was not issued by the national CA"}[fault]
    if fault == "wrong_region":
        surabaya = Identity.region("35.78")
        for name in ("signing.crt", "signing.key", "tls.crt", "tls.key"):
            (layout.holder_dir(BANDUNG) / name).write_bytes(
                (layout.holder_dir(surabaya) / name).read_bytes())
    elif fault == "key_mismatch":
        layout.tls_key(BANDUNG).write_bytes(layout.signing_key(BANDUNG).read_bytes())
    elif fault == "no_ca":
        layout.ca_certificate.unlink()
    else:
        other = CertificateAuthority.create(tmp_path / "other")
        layout.ca_certificate.write_bytes(other.layout.ca_certificate.read_bytes())
    with pytest.raises(PkiError, match=expected):
        check_holder_files(tmp_path / "ca", BANDUNG)
