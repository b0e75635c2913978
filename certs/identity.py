"""Who a certificate belongs to: a kab/kota region or the national gateway.

The holder is bound in exactly one URI SAN, ``urn:kemendagri:region:32.73`` or
``urn:siks:gateway``. The key id (``kid``) names one certificate: the holder's id and a prefix
of the certificate's SHA-256 fingerprint, e.g. ``32.73#3f9a0c1d2e4b5a69``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from certs.errors import CertificateIdentityInvalid
from schema.errors import InvalidRegionCode
from schema.regions import RegionLevel, level_of, regions

REGION_URN_PREFIX = "urn:kemendagri:region:"
GATEWAY_URN = "urn:siks:gateway"
GATEWAY_ID = "gateway"
KID_FINGERPRINT_CHARS = 16


class HolderKind(StrEnum):
    REGION = "region"
    GATEWAY = "gateway"


@dataclass(frozen=True, slots=True)
class Identity:
    """A certificate holder. ``id`` is what the holder puts in an envelope's ``sender_id``."""

    kind: HolderKind
    id: str

    @classmethod
    def region(cls, code: str) -> Identity:
        """A kab/kota region; the code must exist in the Kemendagri table."""
        regions().require(code, level=RegionLevel.KABKOTA)
        return cls(HolderKind.REGION, code)

    @classmethod
    def gateway(cls) -> Identity:
        return cls(HolderKind.GATEWAY, GATEWAY_ID)

    @classmethod
    def parse(cls, holder: str) -> Identity:
        """``gateway`` or a kab/kota code such as ``32.73`` (as typed on the command line)."""
        return cls.gateway() if holder == GATEWAY_ID else cls.region(holder)

    @classmethod
    def from_uri(cls, uri: str) -> Identity:
        if uri == GATEWAY_URN:
            return cls.gateway()
        if uri.startswith(REGION_URN_PREFIX):
            code = uri.removeprefix(REGION_URN_PREFIX)
            if _is_kabkota_shape(code):
                return cls(HolderKind.REGION, code)
        raise CertificateIdentityInvalid(
            f"URI SAN {uri!r} names neither a kab/kota nor the gateway"
        )

    @property
    def uri(self) -> str:
        return GATEWAY_URN if self.kind is HolderKind.GATEWAY else REGION_URN_PREFIX + self.id

    @property
    def display_name(self) -> str:
        if self.kind is HolderKind.GATEWAY:
            return "SIKS-NG national gateway"
        region = regions().get(self.id)
        return f"{self.id} {region.name}" if region else self.id

    def __str__(self) -> str:
        return self.id


def _is_kabkota_shape(code: str) -> bool:
    try:
        return level_of(code) is RegionLevel.KABKOTA
    except InvalidRegionCode:
        return False


def identity_of(certificate: x509.Certificate) -> Identity:
    """The one holder named in the certificate's URI SANs, or CertificateIdentityInvalid."""
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        raise CertificateIdentityInvalid(
            f"certificate {serial_hex(certificate)} has no subjectAltName naming its holder"
        ) from None
    uris = san.get_values_for_type(x509.UniformResourceIdentifier)
    if len(uris) != 1:
        raise CertificateIdentityInvalid(
            f"certificate {serial_hex(certificate)} has {len(uris)} URI SANs, expected exactly one"
        )
    return Identity.from_uri(uris[0])


def fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 over the DER encoding, lowercase hex."""
    return hashlib.sha256(certificate.public_bytes(Encoding.DER)).hexdigest()


def kid_of(certificate: x509.Certificate) -> str:
    return f"{identity_of(certificate).id}#{fingerprint(certificate)[:KID_FINGERPRINT_CHARS]}"


def serial_hex(certificate: x509.Certificate) -> str:
    return format(certificate.serial_number, "x")
