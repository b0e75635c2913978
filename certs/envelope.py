"""Signed envelopes, in the style of DCI: node → gateway submissions, gateway → node decisions.

::

    {"header": {"version": "1.0.0", "message_id": "…", "message_ts": "2025-07-01T08:00:00.000Z",
                "action": "submit", "sender_id": "32.73", "receiver_id": "gateway",
                "total_count": 2},
     "message": {"records": [{"desa_code": "32.73.01.1001", …}, …]},
     "signature": "<BASE64URL(protected)>..<BASE64URL(Ed25519 signature)>"}

The signature is a JWS compact serialization with a detached payload (RFC 7515 appendix F);
the payload is the RFC 8785 canonical JSON of ``{"header": …, "message": …}``. The protected
header holds ``alg`` (always ``EdDSA``), ``kid`` (names the signing certificate), optionally
``x5c`` (that certificate), and the SHA-256 of the canonical header and of the canonical message
(``hdr#S256``, ``msg#S256``): signed along with everything else, they let a failed signature
say *which* part was changed. See docs/pki.md for every refusal code.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import rfc8785
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwa import EdDSAAlgorithm
from joserfc.jwk import OKPKey
from joserfc.jws import JWSAlgModel, JWSRegistry
from joserfc.registry import HeaderParameter

from certs import envelope_errors as refused
from certs.errors import CertificateRejected, CertificateWrongPurpose
from certs.identity import HolderKind, Identity, kid_of
from certs.trust import CertificateStore
from schema import canonical_json as jcs
from schema.errors import InvalidInput, InvalidRegionCode
from schema.regions import check_shape, is_within

ENVELOPE_VERSION = "1.0.0"
ALGORITHM = "EdDSA"
HEADER_DIGEST = "hdr#S256"
MESSAGE_DIGEST = "msg#S256"
DEFAULT_MAX_AGE = timedelta(days=30)
DEFAULT_MAX_FUTURE_SKEW = timedelta(minutes=5)
HEADER_STRING_FIELDS = ("version", "message_id", "message_ts", "action", "sender_id", "receiver_id")
_PROTECTED_FIELDS = frozenset({"alg", "kid", "x5c", HEADER_DIGEST, MESSAGE_DIGEST})

_T = TypeVar("_T")

RecordRegions = str | Callable[[Mapping[str, Any]], Iterable[str]]
"""A field name read from each item of ``message["records"]``, or a function of the message."""


class _EdDSA(EdDSAAlgorithm):
    # RFC 9864 prefers the name "Ed25519"; the contract fixes "EdDSA", so skip joserfc's
    # per-call deprecation warning.
    security_warning = None  # type: ignore[assignment]


class _EnvelopeRegistry(JWSRegistry):
    # Own class-level tables: JWSRegistry.register() would otherwise share joserfc's global ones.
    algorithms: dict[str, JWSAlgModel] = {ALGORITHM: _EdDSA()}
    recommended: list[str] = [ALGORITHM]
    max_header_length = 16 * 1024
    max_payload_length = 256 * 1024 * 1024


_REGISTRY = _EnvelopeRegistry(
    header_registry={
        HEADER_DIGEST: HeaderParameter("SHA-256 of the canonical envelope header", "str"),
        MESSAGE_DIGEST: HeaderParameter("SHA-256 of the canonical envelope message", "str"),
    },
    algorithms=[ALGORITHM],
)


@dataclass(frozen=True, slots=True)
class VerifiedEnvelope:
    header: dict[str, Any]
    message: dict[str, Any]
    kid: str
    signer: Identity
    certificate: x509.Certificate
    message_ts: datetime
    digest: str
    signature: str = ""
    """The JWS (compact, detached payload) that verified: kept, it proves who sent it."""
    record_digests: tuple[str, ...] | None = None
    """SHA-256 (hex) of each ``message["records"]`` item's canonical JSON, in order, when the
    message is ``{"records": [object, …]}``: computed with the payload, so each record is
    canonicalized once."""


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, e.g. ``2025-07-01T08:00:00.000Z``."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def make_header(
    *,
    action: str,
    sender_id: str,
    receiver_id: str,
    total_count: int,
    message_id: str | None = None,
    message_ts: datetime | None = None,
) -> dict[str, Any]:
    return {
        "version": ENVELOPE_VERSION,
        "message_id": message_id or str(uuid.uuid4()),
        "message_ts": format_timestamp(message_ts or datetime.now(UTC)),
        "action": action,
        "sender_id": sender_id,
        "receiver_id": receiver_id,
        "total_count": total_count,
    }


def canonical_json(value: Any) -> bytes:
    """RFC 8785 JSON of ``value`` (:mod:`schema.canonical_json`: the C encoder when provably
    byte-equal, else ``rfc8785``)."""
    try:
        return jcs.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError) as error:
        raise refused.EnvelopeMalformed(f"not representable as canonical JSON: {error}") from None


def canonical_payload(header: Mapping[str, Any], message: Mapping[str, Any]) -> bytes:
    """The bytes that are signed: RFC 8785 JSON of ``{"header": …, "message": …}``."""
    return canonical_json({"header": header, "message": message})


def _payload_of(header_json: bytes, message_json: bytes) -> bytes:
    # canonical_payload from the parts' canonical JSON: members sorted ("header" < "message"),
    # no whitespace, so byte-equal to canonical_json({"header": …, "message": …})
    return b'{"header":' + header_json + b',"message":' + message_json + b"}"


def envelope_digest(envelope: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical header + message: equal digests, equal content."""
    header, message, _ = _parts(envelope)
    return hashlib.sha256(canonical_payload(header, message)).hexdigest()


def sign_envelope(
    header: Mapping[str, Any],
    message: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    kid: str,
    *,
    certificate: x509.Certificate | None = None,
) -> dict[str, Any]:
    """The envelope with its signature. Pass ``certificate`` to embed it (``x5c``), so a
    verifier that has not seen it yet (e.g. just after a rotation) can still check it."""
    try:
        _check_shape(header, message)
        header_json, message_json = canonical_json(header), canonical_json(message)
    except refused.EnvelopeMalformed as error:
        raise InvalidInput(f"cannot sign: {error.message}", reason="malformed") from None
    payload = _payload_of(header_json, message_json)
    protected: dict[str, Any] = {
        "alg": ALGORITHM,
        "kid": kid,
        HEADER_DIGEST: _digest_b64(header_json),
        MESSAGE_DIGEST: _digest_b64(message_json),
    }
    if certificate is not None:
        protected["x5c"] = [base64.b64encode(certificate.public_bytes(Encoding.DER)).decode()]
    compact = jws.serialize_compact(
        protected, payload, OKPKey(private_key, private_key), registry=_REGISTRY
    )
    signed = json.loads(payload)
    return {
        "header": signed["header"],
        "message": signed["message"],
        "signature": jws.detach_content(compact),
    }


def verify_envelope(
    envelope: Mapping[str, Any],
    trust: CertificateStore,
    now: datetime,
    *,
    record_region: RecordRegions | None = None,
    receiver_id: str | None = None,
    signers: Collection[HolderKind] = (HolderKind.REGION,),
    max_age: timedelta = DEFAULT_MAX_AGE,
    max_future_skew: timedelta = DEFAULT_MAX_FUTURE_SKEW,
) -> VerifiedEnvelope:
    """The verified content, or an :class:`~certs.envelope_errors.EnvelopeRefused` subclass.

    Checks run in this order, so the reason names the first failure: shape, ``alg``, key id,
    certificate chains to the national CA, signature (tampered header / message / wrong key),
    certificate valid at ``message_ts`` and not revoked, signer kind, ``sender_id`` equals the
    certificate's holder, ``receiver_id``, ``total_count``, every record's region inside the
    signer's, ``message_ts`` inside ``[now - max_age, now + max_future_skew]``.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    header, message, signature = _parts(envelope)
    try:
        message_ts = _check_shape(header, message)
        payload, record_digests = _payload_and_record_digests(header, message)
        token = _parse_signature(signature, payload)
        certificate = _resolve_certificate(token.protected, trust)
        _as_refusal(trust.require_chained, certificate)
        _check_signature(token, certificate, header, message)
        signer = _as_refusal(lambda c: trust.verify(c, message_ts), certificate)
        _check_parties(header, signer, signers, receiver_id)
        _check_records(header, message, signer, record_region)
        _check_time(message_ts, now, max_age, max_future_skew)
    except refused.EnvelopeRefused as error:
        message_id = header.get("message_id")
        error.message_id = error.message_id or (message_id if isinstance(message_id, str) else None)
        raise
    return VerifiedEnvelope(
        header=dict(header),
        message=dict(message),
        kid=token.protected["kid"],
        signer=signer,
        certificate=certificate,
        message_ts=message_ts,
        digest=hashlib.sha256(payload).hexdigest(),
        signature=signature,
        record_digests=record_digests,
    )


def verify_signature(envelope: Mapping[str, Any], trust: CertificateStore) -> str:
    """The ``kid`` of a certificate issued by the national CA whose key signed this header and
    message, or an :class:`~certs.envelope_errors.EnvelopeRefused`. Nothing that depends on
    the time (validity, revocation, window) or on the parties is checked: this recognises a
    resend of a message that verified in full when it was stored."""
    header, message, signature = _parts(envelope)
    _check_shape(header, message)
    token = _parse_signature(signature, canonical_payload(header, message))
    certificate = _resolve_certificate(token.protected, trust)
    _as_refusal(trust.require_chained, certificate)
    _check_signature(token, certificate, header, message)
    kid: str = token.protected["kid"]
    return kid


def _payload_and_record_digests(
    header: Mapping[str, Any], message: Mapping[str, Any]
) -> tuple[bytes, tuple[str, ...] | None]:
    """``canonical_payload``, and the records' digests when the message is ``{"records": […]}``
    (JCS of an object or array is built from its members' JCS, so the bytes are the same)."""
    records = message.get("records")
    if (type(message) is not dict or len(message) != 1 or type(records) is not list
            or not all(type(record) is dict for record in records)):
        return canonical_payload(header, message), None
    header_json = canonical_json(header)  # first, as canonical_payload would: same refusal
    parts = [canonical_json(record) for record in records]
    message_json = b'{"records":[' + b",".join(parts) + b"]}"
    digests = tuple(hashlib.sha256(part).hexdigest() for part in parts)
    return _payload_of(header_json, message_json), digests


def _parts(envelope: Mapping[str, Any]) -> tuple[Mapping[str, Any], Mapping[str, Any], Any]:
    if not isinstance(envelope, Mapping):
        raise refused.EnvelopeMalformed("an envelope is a JSON object")
    header, message = envelope.get("header"), envelope.get("message")
    if not isinstance(header, Mapping) or not isinstance(message, Mapping):
        raise refused.EnvelopeMalformed(
            "an envelope needs a 'header' object and a 'message' object"
        )
    return header, message, envelope.get("signature")


def _check_shape(header: Mapping[str, Any], message: Mapping[str, Any]) -> datetime:
    for field in HEADER_STRING_FIELDS:
        if not isinstance(header.get(field), str) or not header[field]:
            raise refused.EnvelopeMalformed(f"header.{field} must be a non-empty string")
    if header["version"] != ENVELOPE_VERSION:
        raise refused.EnvelopeMalformed(
            f"header.version {header['version']!r} is not supported (expected {ENVELOPE_VERSION})"
        )
    count = header.get("total_count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise refused.EnvelopeMalformed("header.total_count must be a non-negative integer")
    if not isinstance(message, Mapping):
        raise refused.EnvelopeMalformed("message must be an object")
    return _parse_timestamp(header["message_ts"])


def _parse_timestamp(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise refused.EnvelopeMalformed(f"header.message_ts {text!r} is not ISO 8601") from None
    if moment.tzinfo is None:
        raise refused.EnvelopeMalformed(f"header.message_ts {text!r} has no time zone")
    return moment


def _parse_signature(signature: Any, payload: bytes) -> jws.CompactSignature:
    if not isinstance(signature, str) or signature.count(".") != 2 or signature.split(".")[1]:
        raise refused.EnvelopeMalformed(
            "signature must be a JWS compact serialization with a detached (empty) payload"
        )
    try:
        token = jws.extract_compact(signature.encode("ascii"), payload, _REGISTRY)
    except (JoseError, ValueError, UnicodeError) as error:
        raise refused.EnvelopeMalformed(f"signature is not a readable JWS: {error}") from None
    protected = token.protected
    if protected.get("alg") != ALGORITHM:
        raise refused.AlgorithmNotAllowed(
            f"signature alg {protected.get('alg')!r} is not allowed; only {ALGORITHM}"
        )
    unexpected = sorted(set(protected) - _PROTECTED_FIELDS)
    if unexpected:
        raise refused.EnvelopeMalformed(f"unsupported JWS header parameters: {unexpected}")
    for field in ("kid", HEADER_DIGEST, MESSAGE_DIGEST):
        if not isinstance(protected.get(field), str) or not protected[field]:
            raise refused.EnvelopeMalformed(f"the JWS protected header needs {field!r}")
    return token


def _resolve_certificate(protected: Mapping[str, Any], trust: CertificateStore) -> x509.Certificate:
    kid: str = protected["kid"]
    known = trust.find(kid)
    if known is not None:
        return known
    chain = protected.get("x5c")
    if not chain:
        raise refused.UnknownKeyId(f"no certificate is known for key id {kid!r}")
    try:
        presented = x509.load_der_x509_certificate(base64.b64decode(chain[0], validate=True))
    except (ValueError, TypeError):
        raise refused.EnvelopeMalformed("x5c[0] is not a base64 DER certificate") from None
    actual = _as_refusal(kid_of, presented)
    if actual != kid:
        raise refused.KeyIdMismatch(f"the presented certificate is {actual!r}, not {kid!r}")
    return presented


def _check_signature(
    token: jws.CompactSignature,
    certificate: x509.Certificate,
    header: Mapping[str, Any],
    message: Mapping[str, Any],
) -> None:
    public_key = certificate.public_key()
    if not isinstance(public_key, Ed25519PublicKey):
        raise refused.SignerCertificateRefused.because(
            CertificateWrongPurpose("the signer certificate does not hold an Ed25519 key"),
            message_id=None,
        )
    if jws.validate_compact(token, OKPKey(public_key, public_key), registry=_REGISTRY):
        return
    kid = token.protected["kid"]
    if token.protected[HEADER_DIGEST] != _part_digest(header):
        raise refused.HeaderTampered("the envelope header was changed after it was signed")
    if token.protected[MESSAGE_DIGEST] != _part_digest(message):
        raise refused.PayloadTampered("the envelope message was changed after it was signed")
    raise refused.SignatureInvalid(
        f"the signature was not made with the key of certificate {kid} "
        "(signed with another key, or the signature was altered)"
    )


def _check_parties(
    header: Mapping[str, Any],
    signer: Identity,
    signers: Collection[HolderKind],
    receiver_id: str | None,
) -> None:
    if signer.kind not in signers:
        allowed = ", ".join(kind.value for kind in signers) or "nobody"
        raise refused.SignerNotAllowed(f"signed by a {signer.kind.value}; accepted: {allowed}")
    if header["sender_id"] != signer.id:
        raise refused.SenderRegionMismatch(
            f"sender_id {header['sender_id']!r} is not the certificate holder {signer.id!r}"
        )
    if receiver_id is not None and header["receiver_id"] != receiver_id:
        raise refused.ReceiverMismatch(
            f"addressed to {header['receiver_id']!r}, this is {receiver_id!r}"
        )


def _check_records(
    header: Mapping[str, Any],
    message: Mapping[str, Any],
    signer: Identity,
    record_region: RecordRegions | None,
) -> None:
    records = message.get("records")
    if isinstance(records, list) and header["total_count"] != len(records):
        raise refused.TotalCountMismatch(
            f"header.total_count is {header['total_count']} but message.records has {len(records)}"
        )
    if record_region is None or signer.kind is HolderKind.GATEWAY:
        return  # the gateway's scope is national: every region lies inside it
    for position, code in enumerate(_record_region_codes(message, record_region)):
        try:
            check_shape(code)
        except InvalidRegionCode:
            raise refused.EnvelopeMalformed(
                f"record {position}: {code!r} is no region code"
            ) from None
        if not is_within(code, signer.id):
            raise refused.RecordRegionMismatch(
                f"record {position} is in region {code}, outside the signer's region {signer.id}"
            )


def _record_region_codes(message: Mapping[str, Any], record_region: RecordRegions) -> list[Any]:
    if callable(record_region):
        try:
            return list(record_region(message))
        except (KeyError, TypeError, ValueError) as error:
            raise refused.EnvelopeMalformed(f"record regions unreadable: {error!r}") from None
    records = message.get("records")
    if not isinstance(records, list):
        raise refused.EnvelopeMalformed("message.records must be a list of records")
    codes = []
    for position, record in enumerate(records):
        if not isinstance(record, Mapping) or record_region not in record:
            raise refused.EnvelopeMalformed(f"record {position} has no {record_region!r}")
        codes.append(record[record_region])
    return codes


def _check_time(
    message_ts: datetime, now: datetime, max_age: timedelta, max_future_skew: timedelta
) -> None:
    if now - message_ts > max_age:
        raise refused.MessageTooOld(
            f"message_ts {format_timestamp(message_ts)} is older than {max_age} before now"
        )
    if message_ts - now > max_future_skew:
        raise refused.MessageFromFuture(
            f"message_ts {format_timestamp(message_ts)} is more than {max_future_skew} ahead"
        )


def _part_digest(part: Mapping[str, Any]) -> str:
    return _digest_b64(canonical_json(part))


def _digest_b64(canonical: bytes) -> str:
    digest = hashlib.sha256(canonical).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _as_refusal(check: Callable[[x509.Certificate], _T], certificate: x509.Certificate) -> _T:
    try:
        return check(certificate)
    except CertificateRejected as rejection:
        raise refused.SignerCertificateRefused.because(rejection, message_id=None) from None
