from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

from certs import CertificateStore, Identity, RevocationReason, SigningCredentials, ensure_dev_pki
from certs.authority import CertificateAuthority
from certs.files import read_certificate


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_dev_pki_has_ca_gateway_and_regions_ready_to_use(tmp_path: Path) -> None:
    pki = ensure_dev_pki(tmp_path / "dev", regions=["32.73", "32.77"])
    store = pki.store()
    now = datetime.now(UTC)

    for holder in (Identity.gateway(), Identity.region("32.73"), Identity.region("32.77")):
        credentials = SigningCredentials.load(pki.layout.root, holder)
        assert store.find(credentials.kid) == credentials.certificate
        assert store.verify(credentials.certificate, now) == holder
        assert pki.tls(holder).certificate.exists()
    keys = list(pki.layout.root.rglob("*.key"))
    assert len(keys) == 1 + 3 * 2
    assert {stat.S_IMODE(key.stat().st_mode) for key in keys} == {0o600}


def test_dev_pki_is_idempotent_and_adds_missing_regions(tmp_path: Path) -> None:
    root = tmp_path / "dev"
    ensure_dev_pki(root, regions=["32.73"])
    first = snapshot(root)

    ensure_dev_pki(root, regions=["32.73"])
    assert snapshot(root) == first

    ensure_dev_pki(root, regions=["32.73", "32.77"])
    after = snapshot(root)
    assert {name: data for name, data in after.items() if name in first} == first
    assert "regions/32.77/signing.crt" in after


def test_dev_pki_rotates_certificates_near_expiry_and_refreshes_the_crl(tmp_path: Path) -> None:
    root = tmp_path / "dev"
    pki = ensure_dev_pki(root, regions=["32.73"])
    bandung = Identity.region("32.73")
    old = read_certificate(pki.layout.tls_certificate(bandung))
    later = old.not_valid_after_utc - timedelta(days=1)

    ensure_dev_pki(root, regions=["32.73"], now=later)

    new = read_certificate(pki.layout.tls_certificate(bandung))
    assert new.not_valid_after_utc > old.not_valid_after_utc
    crl = CertificateAuthority.open(root).crl()
    assert crl.next_update_utc is not None and crl.next_update_utc > later


def test_dev_pki_replaces_revoked_credentials(tmp_path: Path) -> None:
    root = tmp_path / "dev"
    pki = ensure_dev_pki(root, regions=["32.73"])
    bandung = Identity.region("32.73")
    CertificateAuthority.open(root).revoke_holder(bandung, RevocationReason.KEY_COMPROMISE)

    ensure_dev_pki(root, regions=["32.73"])

    credentials = SigningCredentials.load(root, bandung)
    assert CertificateStore.load(root).verify(credentials.certificate, datetime.now(UTC))
    assert pki.layout.retired_dir(bandung).exists()
