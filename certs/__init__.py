"""National PKI tooling: the CA, region and gateway certificates, rotation, revocation, trust.

Framework-free; ``certs.cli`` mounts it as ``siks certs ...``. See ``docs/pki.md``.
"""

from certs.authority import (
    CertificateAuthority,
    HolderCredentials,
    IssuedCertificate,
    TlsNames,
)
from certs.dev import DevPki, ensure_dev_pki
from certs.identity import (
    GATEWAY_ID,
    GATEWAY_URN,
    REGION_URN_PREFIX,
    HolderKind,
    Identity,
    fingerprint,
    identity_of,
    kid_of,
)
from certs.issue import Purpose
from certs.layout import PkiLayout, TlsFiles
from certs.revocation import RevocationReason
from certs.signing import SigningCredentials
from certs.trust import CertificateStore

__all__ = [
    "GATEWAY_ID",
    "GATEWAY_URN",
    "REGION_URN_PREFIX",
    "CertificateAuthority",
    "CertificateStore",
    "DevPki",
    "HolderCredentials",
    "HolderKind",
    "Identity",
    "IssuedCertificate",
    "PkiLayout",
    "Purpose",
    "RevocationReason",
    "SigningCredentials",
    "TlsFiles",
    "TlsNames",
    "ensure_dev_pki",
    "fingerprint",
    "identity_of",
    "kid_of",
]
