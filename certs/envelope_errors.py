"""Why a signed envelope is refused. One class, one stable machine ``code`` per reason::

    SiksError                           (schema.errors)
    └── EnvelopeRefused                 code: ENVELOPE_REFUSED
        ├── EnvelopeMalformed           code: ENVELOPE_MALFORMED
        ├── AlgorithmNotAllowed         code: ALG_NOT_ALLOWED
        ├── UnknownKeyId                code: UNKNOWN_KEY_ID
        ├── KeyIdMismatch               code: KID_MISMATCH
        ├── SignerCertificateRefused    code: the certificate check's own code:
        │                                     CERT_UNTRUSTED, CERT_EXPIRED, CERT_NOT_YET_VALID,
        │                                     CERT_REVOKED, CERT_WRONG_PURPOSE,
        │                                     CERT_IDENTITY_INVALID
        ├── HeaderTampered              code: HEADER_TAMPERED
        ├── PayloadTampered             code: PAYLOAD_TAMPERED
        ├── SignatureInvalid            code: SIGNATURE_INVALID
        ├── SignerNotAllowed            code: SIGNER_NOT_ALLOWED
        ├── SenderRegionMismatch        code: SENDER_REGION_MISMATCH
        ├── ReceiverMismatch            code: RECEIVER_MISMATCH
        ├── RecordRegionMismatch        code: RECORD_REGION_MISMATCH
        ├── TotalCountMismatch          code: TOTAL_COUNT_MISMATCH
        ├── MessageTooOld               code: MESSAGE_TOO_OLD
        └── MessageFromFuture           code: MESSAGE_FROM_FUTURE

``message_id`` is set when the envelope had a readable one, so refusals can be audited.
"""

from __future__ import annotations

from certs.errors import CertificateRejected
from schema.errors import SiksError


class EnvelopeRefused(SiksError):
    """A signed envelope was not accepted; the subclass (and ``code``) says why."""

    code = "ENVELOPE_REFUSED"

    def __init__(self, message: str, *, message_id: str | None = None) -> None:
        super().__init__(message)
        self.message_id = message_id


class EnvelopeMalformed(EnvelopeRefused):
    """Not the envelope shape: missing/mistyped header field, bad JWS, non-detached payload."""

    code = "ENVELOPE_MALFORMED"


class AlgorithmNotAllowed(EnvelopeRefused):
    """The JWS ``alg`` is not ``EdDSA``."""

    code = "ALG_NOT_ALLOWED"


class UnknownKeyId(EnvelopeRefused):
    """The ``kid`` names no certificate the verifier knows and none was presented."""

    code = "UNKNOWN_KEY_ID"


class KeyIdMismatch(EnvelopeRefused):
    """The presented certificate (``x5c``) is not the one the ``kid`` names."""

    code = "KID_MISMATCH"


class SignerCertificateRefused(EnvelopeRefused):
    """The signer's certificate failed a trust check; ``code`` is that check's code (set by
    :meth:`because`; ``certs.errors.CertificateRejected`` and its subclasses own those codes)."""

    @classmethod
    def because(
        cls, rejection: CertificateRejected, *, message_id: str | None
    ) -> SignerCertificateRefused:
        refused = cls(f"signer certificate refused: {rejection.message}", message_id=message_id)
        refused.code = rejection.code
        return refused


class HeaderTampered(EnvelopeRefused):
    """The envelope header differs from the one that was signed."""

    code = "HEADER_TAMPERED"


class PayloadTampered(EnvelopeRefused):
    """The envelope message (the records) differs from the one that was signed."""

    code = "PAYLOAD_TAMPERED"


class SignatureInvalid(EnvelopeRefused):
    """Header and message are as signed, but the signature is not from the ``kid``'s key:
    signed by another key (e.g. another region's), or the signature itself was altered."""

    code = "SIGNATURE_INVALID"


class SignerNotAllowed(EnvelopeRefused):
    """A valid signer of the wrong kind, e.g. the gateway's key on a node submission."""

    code = "SIGNER_NOT_ALLOWED"


class SenderRegionMismatch(EnvelopeRefused):
    """``header.sender_id`` is not the holder named in the signing certificate's SAN."""

    code = "SENDER_REGION_MISMATCH"


class ReceiverMismatch(EnvelopeRefused):
    """``header.receiver_id`` is not the verifier."""

    code = "RECEIVER_MISMATCH"


class RecordRegionMismatch(EnvelopeRefused):
    """A record's region lies outside the signer's region."""

    code = "RECORD_REGION_MISMATCH"


class TotalCountMismatch(EnvelopeRefused):
    """``header.total_count`` differs from the number of ``message.records``."""

    code = "TOTAL_COUNT_MISMATCH"


class MessageTooOld(EnvelopeRefused):
    """``message_ts`` is older than the verifier's acceptance window."""

    code = "MESSAGE_TOO_OLD"


class MessageFromFuture(EnvelopeRefused):
    """``message_ts`` is later than now plus the allowed clock skew."""

    code = "MESSAGE_FROM_FUTURE"
