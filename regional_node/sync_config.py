"""Configuration of the node's sync with the gateway, from ``SIKS_NODE_*`` variables.

=====================================  ======================================================
``SIKS_NODE_PKI_DIR``                  the node's PKI directory (``ca/ca.crt``, ``ca/crl.pem``,
                                       ``regions/<kab/kota>/signing.*`` and ``tls.*``):
                                       approvals are signed with its key (required to approve)
``SIKS_NODE_GATEWAY_URL``              the gateway's node-facing mTLS listener, e.g.
                                       ``https://gateway.kemensos.go.id:8443``; unset: the
                                       relay does not run (the outbox only fills)
``SIKS_NODE_RELAY_INTERVAL_S``         pause between relay rounds when idle (5)
``SIKS_NODE_CHECKPOINT_INTERVAL_S``    how often the audit chain is checkpointed (3600)
``SIKS_NODE_DIRECTORY_SECRET``         the national NIK directory's key (the gateway's
                                       ``SIKS_GATEWAY_DIRECTORY_SECRET``): finds the member a
                                       cross-region duplicate names (docs/duplicates.md);
                                       unset: findings are kept but shown on no household
=====================================  ======================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from certs.errors import PkiError
from certs.identity import Identity
from certs.signing import SigningCredentials
from regional_node.config import PREFIX, node_env
from regional_node.errors import ConfigError
from schema.nik_directory_key import NikDirectoryKey
from service_kit.settings import defaults

MIN_SECRET_LENGTH = 32


@dataclass(frozen=True, slots=True)
class SyncConfig:
    pki_dir: Path | None = None
    gateway_url: str | None = None
    relay_interval_s: float = 5.0
    checkpoint_interval_s: float = 3600.0
    directory_secret: str | None = field(default=None, repr=False)

    @property
    def directory_key(self) -> NikDirectoryKey | None:
        return NikDirectoryKey.from_secret(self.directory_secret) \
            if self.directory_secret else None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SyncConfig:
        env, default = node_env(environ), defaults(cls)
        secret = env.text("directory_secret")
        if secret is not None and len(secret) < MIN_SECRET_LENGTH:
            raise ConfigError(f"{PREFIX}DIRECTORY_SECRET must be at least {MIN_SECRET_LENGTH} "
                              "characters (the gateway's SIKS_GATEWAY_DIRECTORY_SECRET)")
        return cls(pki_dir=env.path("pki_dir"), gateway_url=env.text("gateway_url"),
                   relay_interval_s=env.number("relay_interval_s", default["relay_interval_s"],
                                               minimum=0),
                   checkpoint_interval_s=env.number(
                       "checkpoint_interval_s", default["checkpoint_interval_s"], minimum=0),
                   directory_secret=secret)


def load_signer(pki_dir: Path, region: str) -> SigningCredentials:
    """The region's current signing key and certificate, or one clear ConfigError."""
    try:
        return SigningCredentials.load(pki_dir, Identity.region(region))
    except (PkiError, OSError) as exc:
        raise ConfigError(f"{PREFIX}PKI_DIR: no usable signing key of {region} in {pki_dir} "
                          f"({exc})") from None
