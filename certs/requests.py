"""Certificates by request: a region's private keys are made in the region and never travel.

The three steps, each a ``siks certs`` command (docs/pki.md, "A region's own keys")::

    node:  siks certs request 32.73 --dir /etc/siks/pki      keys + two CSRs, in pending/
    CA:    siks certs sign 32.73-signing.csr 32.73-tls.csr --dir /ca --out bundle/
    node:  siks certs install bundle/* --dir /etc/siks/pki   certificates beside the keys

``request`` writes new keys to ``<holder>/pending/`` (mode 0600) and the requests beside them;
the current keys, if any, keep working until ``install`` swaps in a certificate that belongs
to a pending key (the replaced certificate moves to ``retired/``, as a CA-side rotation does).
``sign`` checks each request's own signature and the one holder it names, then issues with
the request's public key; it never sees a private key.
"""

from __future__ import annotations

import ipaddress
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from certs import files
from certs.authority import CertificateAuthority, IssuedCertificate, TlsNames, utc_now
from certs.errors import CertificateUntrusted, PkiError, PkiNotFound
from certs.identity import Identity, identity_of, serial_hex
from certs.issue import SIGNING_VALIDITY, TLS_VALIDITY, Purpose, purpose_of
from certs.layout import PkiLayout
from certs.revocation import crl_number
from certs.trust import CertificateStore

PURPOSES = (Purpose.SIGNING, Purpose.TLS)


def pending_dir(layout: PkiLayout, holder: Identity) -> Path:
    return layout.holder_dir(holder) / "pending"


def pending_key(layout: PkiLayout, holder: Identity, purpose: Purpose) -> Path:
    return pending_dir(layout, holder) / f"{purpose.value}.key"


def request_path(layout: PkiLayout, holder: Identity, purpose: Purpose) -> Path:
    return layout.holder_dir(holder) / f"{holder.id}-{purpose.value}.csr"


def make_requests(directory: Path, holder: Identity,
                  tls_names: TlsNames | None = None, out: Path | None = None) -> list[Path]:
    """New signing and TLS keys in ``pending/`` and a certificate request for each, written
    beside them or to ``out`` (what travels to the CA: the requests, never a key)."""
    layout = PkiLayout(Path(directory))
    names = tls_names or TlsNames()
    written = []
    for purpose in PURPOSES:
        key = Ed25519PrivateKey.generate()
        files.write_private_key(pending_key(layout, holder, purpose), key)
        csr = _build_request(key, holder, purpose, names)
        path = (request_path(layout, holder, purpose) if out is None
                else Path(out) / request_path(layout, holder, purpose).name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(csr.public_bytes(Encoding.PEM))
        written.append(path)
    return written


def _build_request(key: Ed25519PrivateKey, holder: Identity, purpose: Purpose,
                   names: TlsNames) -> x509.CertificateSigningRequest:
    general: list[x509.GeneralName] = [x509.UniformResourceIdentifier(holder.uri)]
    if purpose is Purpose.TLS:
        general += [x509.DNSName(name) for name in names.dns_names]
        general += [x509.IPAddress(ipaddress.ip_address(a)) for a in names.ip_addresses]
    subject = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, purpose.value),
        x509.NameAttribute(NameOID.COMMON_NAME, holder.display_name)])
    return (x509.CertificateSigningRequestBuilder().subject_name(subject)
            .add_extension(x509.SubjectAlternativeName(general), critical=False)
            .sign(key, algorithm=None))


@dataclass(frozen=True, slots=True)
class CertificateRequest:
    holder: Identity
    purpose: Purpose
    public_key: Ed25519PublicKey
    tls_names: TlsNames


def read_request(path: Path) -> CertificateRequest:
    """A request whose own signature verifies and which names exactly one holder."""
    try:
        csr = x509.load_pem_x509_csr(path.read_bytes())
    except ValueError:
        raise PkiError(f"{path} is not a PEM certificate request") from None
    if not csr.is_signature_valid:
        raise PkiError(f"{path}: the request's signature does not verify")
    key = csr.public_key()
    if not isinstance(key, Ed25519PublicKey):
        raise PkiError(f"{path}: the request's key is not Ed25519")
    units = csr.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    try:
        purpose = Purpose(str(units[0].value)) if len(units) == 1 else None
    except ValueError:
        purpose = None
    if purpose is None:
        raise PkiError(f"{path}: the request names no purpose (OU signing or tls)")
    try:
        san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        raise PkiError(f"{path}: the request names no holder (URI SAN)") from None
    uris = san.get_values_for_type(x509.UniformResourceIdentifier)
    if len(uris) != 1:
        raise PkiError(f"{path}: the request names {len(uris)} holders, expected one")
    names = TlsNames(dns_names=tuple(san.get_values_for_type(x509.DNSName)),
                     ip_addresses=tuple(str(a) for a in san.get_values_for_type(x509.IPAddress)))
    return CertificateRequest(Identity.from_uri(uris[0]), purpose, key, names)


def sign_request(authority: CertificateAuthority, request: CertificateRequest, *,
                 now: datetime | None = None) -> x509.Certificate:
    """Issue the certificate a request asks for, recorded in the CA's register."""
    now = now or utc_now()
    validity = SIGNING_VALIDITY if request.purpose is Purpose.SIGNING else TLS_VALIDITY
    names = request.tls_names if request.purpose is Purpose.TLS else TlsNames((), ())
    return authority.certify(request.holder, request.purpose, request.public_key, now=now,
                             valid_for=validity, tls_names=names)


def bundle_name(certificate: x509.Certificate, purpose: Purpose) -> str:
    return f"{identity_of(certificate).id}-{purpose.value}.crt"


def write_bundle(authority: CertificateAuthority, certificates: Sequence[x509.Certificate],
                 out: Path) -> list[Path]:
    """The issued certificates plus the CA certificate and the current CRL, for the holder."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for certificate in certificates:
        purpose = purpose_of(certificate)
        assert purpose is not None
        path = out / bundle_name(certificate, purpose)
        files.write_certificate(path, certificate)
        written.append(path)
    for source in (authority.layout.ca_certificate, authority.layout.crl):
        target = out / source.name
        shutil.copyfile(source, target)
        written.append(target)
    return written


def install(directory: Path, paths: Sequence[Path], *,
            now: datetime | None = None) -> list[IssuedCertificate]:
    """Put signed certificates beside the pending keys they belong to (and the CA certificate
    and CRL of the bundle in ``ca/``); refuses, changing nothing, a certificate the CA did
    not issue or that belongs to no pending key, and a CRL the CA did not sign or older than
    the installed one. A bundle of only ``crl.pem`` renews the CRL."""
    layout = PkiLayout(Path(directory))
    certificates, ca_file, crl_file = _sort_bundle(paths)
    ca_certificate = files.read_certificate(ca_file or layout.ca_certificate)
    plans = [_plan(layout, certificate, ca_certificate) for certificate in certificates]
    if crl_file is not None:
        _check_crl(crl_file, ca_certificate, layout.crl)
    if ca_file is not None:
        _copy_into(ca_file, layout.ca_certificate)
    if crl_file is not None:
        _copy_into(crl_file, layout.crl)
    return [_apply(layout, plan) for plan in plans]


def _sort_bundle(paths: Sequence[Path]) -> tuple[list[x509.Certificate], Path | None,
                                                   Path | None]:
    certificates, ca_file, crl_file = [], None, None
    for path in paths:
        if path.name == "crl.pem":
            crl_file = path
        elif path.name == "ca.crt":
            ca_file = path
        else:
            certificates.append(files.read_certificate(path))
    if not certificates and crl_file is None:
        raise PkiNotFound("no certificate or crl.pem to install among the given files")
    return certificates, ca_file, crl_file


def _check_crl(path: Path, ca_certificate: x509.Certificate, installed: Path) -> None:
    """A CRL is installed only if the national CA signed it and it is not older than the one
    in place (an old CRL would forget later revocations)."""
    crl = files.read_crl(path)
    if not crl.is_signature_valid(ca_certificate.public_key()):  # type: ignore[arg-type]
        raise CertificateUntrusted(f"{path} was not signed by the national CA "
                                   f"{ca_certificate.subject.rfc4514_string()}")
    if installed.exists() and installed.resolve() != path.resolve():
        current = files.read_crl(installed)
        if (current.is_signature_valid(ca_certificate.public_key())  # type: ignore[arg-type]
                and crl_number(crl) < crl_number(current)):
            raise PkiError(f"{path} is CRL number {crl_number(crl)}, older than the installed "
                           f"number {crl_number(current)}")


@dataclass(frozen=True, slots=True)
class _Plan:
    holder: Identity
    purpose: Purpose
    certificate: x509.Certificate


def _plan(layout: PkiLayout, certificate: x509.Certificate,
          ca_certificate: x509.Certificate) -> _Plan:
    if not CertificateStore(ca_certificate).is_chained(certificate):
        raise CertificateUntrusted(
            f"certificate {serial_hex(certificate)} was not issued by the national CA "
            f"{ca_certificate.subject.rfc4514_string()}")
    holder, purpose = identity_of(certificate), purpose_of(certificate)
    if purpose is None:
        raise PkiError(f"certificate {serial_hex(certificate)} is neither a signing nor a "
                       "TLS certificate")
    key_path = pending_key(layout, holder, purpose)
    if not key_path.exists():
        raise PkiNotFound(f"no pending {purpose.value} key of {holder.display_name} in "
                          f"{pending_dir(layout, holder)}: run `siks certs request "
                          f"{holder}` here first")
    if files.read_private_key(key_path).public_key() != certificate.public_key():
        raise PkiError(f"certificate {serial_hex(certificate)} does not belong to the pending "
                       f"{purpose.value} key of {holder.display_name} (an older request?)")
    return _Plan(holder, purpose, certificate)


def _apply(layout: PkiLayout, plan: _Plan) -> IssuedCertificate:
    if plan.purpose is Purpose.SIGNING:
        cert_path, key_path = (layout.signing_certificate(plan.holder),
                               layout.signing_key(plan.holder))
    else:
        cert_path, key_path = layout.tls_certificate(plan.holder), layout.tls_key(plan.holder)
    if cert_path.exists():
        retired = files.read_certificate(cert_path)
        target = layout.retired_dir(plan.holder) / f"{serial_hex(retired)}.crt"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cert_path, target)
    pending = pending_key(layout, plan.holder, plan.purpose)
    files.write_private_key(key_path, files.read_private_key(pending))
    files.write_certificate(cert_path, plan.certificate)
    files.write_certificate(layout.issued_certificate(serial_hex(plan.certificate)),
                            plan.certificate)  # known by kid here too, as at the CA
    pending.unlink()
    request_path(layout, plan.holder, plan.purpose).unlink(missing_ok=True)
    return IssuedCertificate(plan.purpose, plan.certificate, cert_path, key_path)


def _copy_into(source: Path, target: Path) -> None:
    if source.resolve() == target.resolve():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
