"""Errors of the national PKI tooling.

Every error carries a stable machine ``code`` and a sentence that says *why*::

    SiksError                              (schema.errors)
    └── PkiError                           code: PKI_ERROR
        ├── PkiNotFound                    code: PKI_NOT_FOUND
        ├── PkiAlreadyExists               code: PKI_EXISTS
        └── CertificateRejected            code: CERT_REJECTED
            ├── CertificateUntrusted       code: CERT_UNTRUSTED
            ├── CertificateExpired         code: CERT_EXPIRED
            ├── CertificateNotYetValid     code: CERT_NOT_YET_VALID
            ├── CertificateRevoked         code: CERT_REVOKED
            ├── CertificateWrongPurpose    code: CERT_WRONG_PURPOSE
            └── CertificateIdentityInvalid code: CERT_IDENTITY_INVALID

Bad region codes given to the tooling raise ``schema.errors.InvalidRegionCode``.
"""

from __future__ import annotations

from schema.errors import SiksError


class PkiError(SiksError):
    """The PKI directory or an operation on it is not usable as asked."""

    code = "PKI_ERROR"


class PkiNotFound(PkiError):
    """A file the operation needs (CA, certificate, key, CRL entry) does not exist."""

    code = "PKI_NOT_FOUND"


class PkiAlreadyExists(PkiError):
    """Creating something that is already there (a CA, a holder's first certificate)."""

    code = "PKI_EXISTS"


class CertificateRejected(PkiError):
    """A certificate fails a trust check; the subclass says which one."""

    code = "CERT_REJECTED"


class CertificateUntrusted(CertificateRejected):
    """Not issued (signed) by the national CA this store trusts."""

    code = "CERT_UNTRUSTED"


class CertificateExpired(CertificateRejected):
    """The time asked about is after the certificate's validity period."""

    code = "CERT_EXPIRED"


class CertificateNotYetValid(CertificateRejected):
    """The time asked about is before the certificate's validity period."""

    code = "CERT_NOT_YET_VALID"


class CertificateRevoked(CertificateRejected):
    """The national CA's CRL lists this certificate."""

    code = "CERT_REVOKED"


class CertificateWrongPurpose(CertificateRejected):
    """A TLS certificate used to sign, a signing certificate used for TLS, or a CA as a leaf."""

    code = "CERT_WRONG_PURPOSE"


class CertificateIdentityInvalid(CertificateRejected):
    """The certificate does not name exactly one holder (region or gateway) in a URI SAN."""

    code = "CERT_IDENTITY_INVALID"
