from __future__ import annotations

from pathlib import Path

import pytest

from certs import CertificateAuthority, Identity


@pytest.fixture
def pki_dir(tmp_path: Path) -> Path:
    return tmp_path / "pki"


@pytest.fixture
def authority(pki_dir: Path) -> CertificateAuthority:
    return CertificateAuthority.create(pki_dir)


@pytest.fixture
def bandung() -> Identity:
    return Identity.region("32.73")


@pytest.fixture
def cimahi() -> Identity:
    return Identity.region("32.77")
