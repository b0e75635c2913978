"""``siks certs ...``: the national PKI from the command line.

The top-level ``siks`` parser mounts this with ``certs.cli.register(subparsers)`` and then calls
``args.handler(args)``, which returns the exit code. Handlers print failures as one line on stderr
and return 1; they never let a traceback through for an expected error.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from certs import files, requests
from certs.authority import CertificateAuthority, HolderCredentials, TlsNames, utc_now
from certs.dev import ensure_dev_pki
from certs.errors import PkiNotFound
from certs.identity import Identity, identity_of, kid_of, serial_hex
from certs.issue import purpose_of
from certs.layout import PkiLayout
from certs.revocation import RevocationReason, reason_name
from schema.errors import SiksError

DEFAULT_PKI_DIR = Path("certs/dev")
PKI_DIR_VARIABLE = "SIKS_PKI_DIR"
Handler = Callable[[argparse.Namespace], int]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``certs`` and its subcommands to a parent ``add_subparsers()``."""
    certs = subparsers.add_parser(
        "certs", help="national PKI: CA, region/gateway certificates, rotation, revocation"
    )
    commands = certs.add_subparsers(dest="certs_command", metavar="COMMAND", required=True)
    common = _common_options()

    create = commands.add_parser("create-ca", parents=[common], help="create the national CA")
    create.add_argument("--name", default="SIKS-NG National CA", help="CA common name")
    create.add_argument("--days", type=int, default=3650, help="validity in days (default 3650)")
    create.set_defaults(handler=handle_create_ca)

    issue = commands.add_parser(
        "issue",
        parents=[common, _tls_options()],
        help="first signing + TLS certificate of a holder",
    )
    issue.add_argument("holder", help="kab/kota code such as 32.73, or 'gateway'")
    issue.set_defaults(handler=handle_issue)

    rotate = commands.add_parser(
        "rotate",
        parents=[common, _tls_options()],
        help="new keys for a holder; old certificates stay on file to verify old signatures",
    )
    rotate.add_argument("holder", help="kab/kota code such as 32.73, or 'gateway'")
    rotate.set_defaults(handler=handle_rotate)

    revoke = commands.add_parser("revoke", parents=[common], help="revoke and re-sign the CRL")
    target = revoke.add_mutually_exclusive_group(required=True)
    target.add_argument("--serial", help="one certificate, by hexadecimal serial")
    target.add_argument("--region", help="every certificate of a kab/kota, e.g. 32.73")
    target.add_argument("--gateway", action="store_true", help="every gateway certificate")
    revoke.add_argument(
        "--reason",
        choices=[r.value for r in RevocationReason],
        default="unspecified",
        help="superseded/cessation-of-operation/affiliation-changed keep earlier signatures valid",
    )
    revoke.set_defaults(handler=handle_revoke)

    crl = commands.add_parser("crl", parents=[common], help="re-sign the CRL and list it")
    crl.add_argument("--out", type=Path, default=None, metavar="DIR",
                     help="also write crl.pem to DIR, to publish (install it with `siks certs "
                          "install crl.pem`)")
    crl.set_defaults(handler=handle_crl)

    listing = commands.add_parser("list", parents=[common], help="every issued certificate")
    listing.set_defaults(handler=handle_list)

    request = commands.add_parser(
        "request",
        parents=[common, _tls_options()],
        help="in the region: new keys (kept here) and certificate requests for the national CA",
    )
    request.add_argument("holder", help="kab/kota code such as 32.73, or 'gateway'")
    request.add_argument("--out", type=Path, default=None, metavar="DIR",
                         help="write the requests (.csr, for the CA) to DIR instead of beside "
                              "the keys")
    request.set_defaults(handler=handle_request)

    sign = commands.add_parser(
        "sign", parents=[common], help="at the national CA: sign certificate requests"
    )
    sign.add_argument("requests", nargs="+", type=Path, metavar="CSR",
                      help="the .csr files a region sent")
    sign.add_argument("--out", type=Path, default=Path("."), metavar="DIR",
                      help="where to write the certificates, ca.crt and crl.pem (default .)")
    sign.set_defaults(handler=handle_sign)

    install = commands.add_parser(
        "install", parents=[common], help="in the region: install the certificates the CA signed"
    )
    install.add_argument("files", nargs="+", type=Path, metavar="FILE",
                         help="the bundle from `siks certs sign` (.crt files, ca.crt, crl.pem), "
                              "or a renewed crl.pem alone")
    install.set_defaults(handler=handle_install)

    dev = commands.add_parser("dev", parents=[common], help="generate the development PKI")
    dev.add_argument("--regions", nargs="+", default=["32.73"], metavar="CODE")
    dev.set_defaults(handler=handle_dev)


def _common_options() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument(
        "--dir",
        type=Path,
        default=None,
        help=f"PKI directory (default ${PKI_DIR_VARIABLE} or {DEFAULT_PKI_DIR})",
    )
    return options


def _tls_options() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument(
        "--dns",
        action="append",
        metavar="NAME",
        help="DNS SAN of the TLS certificate (repeatable; default localhost)",
    )
    options.add_argument(
        "--ip",
        action="append",
        metavar="ADDRESS",
        help="IP SAN of the TLS certificate (repeatable; default loopback)",
    )
    return options


def reports_errors(handler: Handler) -> Handler:
    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except SiksError as error:
            print(f"siks certs: error: {error.message}", file=sys.stderr)
        except OSError as error:
            print(f"siks certs: error: {error.strerror}: {error.filename}", file=sys.stderr)
        return 1

    return run


def pki_dir(args: argparse.Namespace) -> Path:
    if args.dir is not None:
        return Path(args.dir)
    return Path(os.environ.get(PKI_DIR_VARIABLE) or DEFAULT_PKI_DIR)


def _tls_names(args: argparse.Namespace) -> TlsNames | None:
    if args.dns is None and args.ip is None:
        return None
    return TlsNames(dns_names=args.dns or (), ip_addresses=args.ip or ())


@reports_errors
def handle_create_ca(args: argparse.Namespace) -> int:
    authority = CertificateAuthority.create(
        pki_dir(args), common_name=args.name, valid_for=timedelta(days=args.days)
    )
    print(f"created national CA {authority.certificate.subject.rfc4514_string()}")
    print(f"  certificate {authority.layout.ca_certificate}")
    print(f"  private key {authority.layout.ca_key} (mode 0600; keep it offline)")
    print(f"  CRL         {authority.layout.crl}")
    return 0


@reports_errors
def handle_issue(args: argparse.Namespace) -> int:
    authority = CertificateAuthority.open(pki_dir(args))
    credentials = authority.issue(Identity.parse(args.holder), tls_names=_tls_names(args))
    _print_credentials("issued", credentials)
    return 0


@reports_errors
def handle_rotate(args: argparse.Namespace) -> int:
    authority = CertificateAuthority.open(pki_dir(args))
    credentials = authority.rotate(Identity.parse(args.holder), tls_names=_tls_names(args))
    _print_credentials("rotated", credentials)
    print("  previous certificates kept in", authority.layout.retired_dir(credentials.holder))
    return 0


@reports_errors
def handle_revoke(args: argparse.Namespace) -> int:
    authority = CertificateAuthority.open(pki_dir(args))
    reason = RevocationReason(args.reason)
    if args.serial:
        revoked = [authority.revoke_serial(args.serial, reason)]
    else:
        holder = Identity.gateway() if args.gateway else Identity.region(args.region)
        revoked = authority.revoke_holder(holder, reason)
    for certificate in revoked:
        print(f"revoked {serial_hex(certificate)} {kid_of(certificate)} ({reason.value})")
    print(f"CRL written to {authority.layout.crl}")
    return 0


@reports_errors
def handle_crl(args: argparse.Namespace) -> int:
    authority = CertificateAuthority.open(pki_dir(args))
    crl = authority.publish_crl()
    print(f"CRL {authority.layout.crl}")
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(authority.layout.crl, args.out / authority.layout.crl.name)
        print(f"  published {args.out / authority.layout.crl.name}")
    print(f"  this update {crl.last_update_utc.isoformat()}")
    print(f"  next update {crl.next_update_utc.isoformat() if crl.next_update_utc else '-'}")
    print(f"  {len(crl)} revoked")
    for entry in crl:
        print(
            f"  {format(entry.serial_number, 'x')}  {entry.revocation_date_utc.isoformat()}  "
            f"{reason_name(entry)}"
        )
    return 0


@reports_errors
def handle_list(args: argparse.Namespace) -> int:
    """The register of ``ca/issued``: at the CA every certificate it issued, in a holder's
    directory the ones installed there (no CA key needed: it only reads)."""
    layout = PkiLayout(pki_dir(args))
    if not layout.ca_certificate.exists():
        raise PkiNotFound(f"no national CA certificate in {layout.ca_dir}")
    now = utc_now()
    crl = files.read_crl(layout.crl)
    print(f"{'HOLDER':<8} {'PURPOSE':<8} {'STATUS':<8} {'NOT AFTER':<20} {'SERIAL':<40} KID")
    issued = sorted((files.read_certificate(path) for path in layout.issued_dir.glob("*.crt")),
                    key=lambda c: c.not_valid_before_utc)
    latest = _latest(layout, issued)
    for certificate in sorted(issued, key=_listing_order):
        status = _status(latest, crl, certificate, now)
        purpose = purpose_of(certificate)
        print(
            f"{identity_of(certificate).id:<8} {purpose.value if purpose else '?':<8} "
            f"{status:<8} {certificate.not_valid_after_utc:%Y-%m-%d %H:%M}     "
            f"{serial_hex(certificate):<40} {kid_of(certificate)}"
        )
    return 0


@reports_errors
def handle_request(args: argparse.Namespace) -> int:
    holder = Identity.parse(args.holder)
    paths = requests.make_requests(pki_dir(args), holder, _tls_names(args), args.out)
    print(f"new keys of {holder.display_name} in "
          f"{requests.pending_dir(PkiLayout(pki_dir(args)), holder)} (0600; they never leave)")
    print("send these requests to the national CA:")
    for path in paths:
        print(f"  {path}")
    return 0


@reports_errors
def handle_sign(args: argparse.Namespace) -> int:
    authority = CertificateAuthority.open(pki_dir(args))
    parsed = [requests.read_request(path) for path in args.requests]
    issued = [requests.sign_request(authority, request) for request in parsed]
    for request, certificate in zip(parsed, issued, strict=True):
        print(f"signed {request.purpose.value} certificate of {request.holder.display_name}: "
              f"serial {serial_hex(certificate)}, valid until "
              f"{certificate.not_valid_after_utc:%Y-%m-%d}")
    written = requests.write_bundle(authority, issued, args.out)
    print("send these back to the region:", *(f"  {path}" for path in written), sep="\n")
    return 0


@reports_errors
def handle_install(args: argparse.Namespace) -> int:
    installed = requests.install(pki_dir(args), args.files)
    if any(path.name == "crl.pem" for path in args.files):
        print(f"installed CRL {PkiLayout(pki_dir(args)).crl}")
    for issued in installed:
        print(f"installed {issued.purpose.value} certificate {issued.serial} of "
              f"{identity_of(issued.certificate).display_name}: {issued.certificate_path}")
    return 0


@reports_errors
def handle_dev(args: argparse.Namespace) -> int:
    pki = ensure_dev_pki(pki_dir(args), regions=args.regions)
    print(f"development PKI ready in {pki.layout.root} (gateway, {', '.join(pki.regions)})")
    return 0


def _listing_order(certificate: x509.Certificate) -> tuple[str, str, datetime]:
    purpose = purpose_of(certificate)
    holder = identity_of(certificate).id
    return holder, purpose.value if purpose else "", certificate.not_valid_before_utc


def _status(
    latest: dict[tuple[str, str], x509.Certificate],
    crl: x509.CertificateRevocationList,
    certificate: x509.Certificate,
    now: datetime,
) -> str:
    if crl.get_revoked_certificate_by_serial_number(certificate.serial_number) is not None:
        return "revoked"
    if certificate.not_valid_after_utc < now:
        return "expired"
    return "current" if latest.get(_slot(certificate)) is certificate else "retired"


def _slot(certificate: x509.Certificate) -> tuple[str, str]:
    purpose = purpose_of(certificate)
    return identity_of(certificate).id, purpose.value if purpose else ""


def _latest(layout: PkiLayout, certificates: list[x509.Certificate]
            ) -> dict[tuple[str, str], x509.Certificate]:
    """The certificate in use per holder and purpose: the current file where this directory
    holds the key (``issue``/``rotate`` at the CA, ``install`` at a holder), else the newest
    signed (the holder's ``request``)."""
    current = set()
    for certificate in certificates:
        holder = identity_of(certificate)
        for path in (layout.signing_certificate(holder), layout.tls_certificate(holder)):
            if path.exists() and path.read_bytes() == _pem(certificate):
                current.add(serial_hex(certificate))
    latest: dict[tuple[str, str], x509.Certificate] = {}
    for certificate in certificates:  # oldest first: a later one replaces an earlier
        held = latest.get(_slot(certificate))
        if held is None or serial_hex(held) not in current:
            latest[_slot(certificate)] = certificate
    return latest


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(Encoding.PEM)


def _print_credentials(verb: str, credentials: HolderCredentials) -> None:
    print(f"{verb} {credentials.holder.display_name}")
    for issued in (credentials.signing, credentials.tls):
        print(
            f"  {issued.purpose.value:<7} kid {issued.kid}  serial {issued.serial}  "
            f"valid until {issued.certificate.not_valid_after_utc:%Y-%m-%d}"
        )
        print(f"          {issued.certificate_path}  {issued.key_path} (0600)")


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry (``python -m certs``) with the same commands as ``siks certs``."""
    parser = argparse.ArgumentParser(prog="siks")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    result: int = args.handler(args)
    return result
