"""The node's configuration, read from ``SIKS_NODE_*`` environment variables (command-line
flags override them). A missing or malformed value fails loudly with the variable's name.

With a PKI directory (``SIKS_NODE_PKI_DIR``: the CA certificate, the CRL and this region's
signing and TLS certificates and keys) the node serves as in production: approvals are
signed with the region's key, a mutual-TLS listener for the gateway opens on
``SIKS_NODE_MTLS_PORT`` (default: the HTTP port + 100), the gateway's tokens are trusted
through the national CA, and with ``SIKS_NODE_GATEWAY_URL`` the relay delivers the outbox.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from regional_node.errors import ConfigError
from schema.errors import InvalidInput
from schema.i18n import DEFAULT_LANGUAGE, LANGUAGES, UnknownLanguage, language_of
from schema.regions import RegionLevel, regions
from service_kit.ratelimit import Rate
from service_kit.settings import parse_bool

PREFIX = "SIKS_NODE_"


def database_url(override: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The database URL from ``--db`` or ``SIKS_NODE_DB_URL``, for commands that need no region."""
    url = override or (os.environ if environ is None else environ).get(PREFIX + "DB_URL")
    if not url:
        raise ConfigError(f"{PREFIX}DB_URL is not set (or pass --db)")
    return url


def node_language(setting: str | None, source: str = PREFIX + "LANGUAGE") -> str:
    """``id`` or ``en`` from a setting or flag (``EN``, ``en-US`` too); anything else is
    a one-line configuration error naming where it came from."""
    try:
        return language_of(setting.strip() if setting else setting)
    except UnknownLanguage as exc:
        raise ConfigError(f"{source}: {exc}") from None


@dataclass(frozen=True, slots=True)
class NodeConfig:
    region: str
    db_url: str
    host: str = "127.0.0.1"
    port: int = 8100
    production: bool = False
    # identity (docs/security.md): where the node's own token-signing key lives, and whom
    # else it trusts: an OIDC provider's JWKS, and the gateway through the national CA
    data_dir: str | None = None
    signing_key: str | None = None
    jwks_url: str | None = None
    jwks_file: str | None = None
    oidc_issuer: str | None = None
    trust_ca: str | None = None
    trust_crl: str | None = None
    login_rate: str = "10/5"  # per client address: logins a minute / burst
    public_rate: str = "120/60"  # per client address: requests without a token
    # federation (docs/deploy.md): the region's PKI, the gateway-facing listener, the relay
    pki_dir: str | None = None
    mtls_port: int | None = None
    gateway_url: str | None = None
    # the language of the messages an operator reads when they choose none (docs/import.md)
    language: str = DEFAULT_LANGUAGE
    # the web pages' session cookies (docs/web.md): a secret of ≥ 32 characters, else a key
    # derived from the node's token-signing key
    web_session_key: str | None = None

    def __post_init__(self) -> None:
        try:
            regions().require(self.region, level=RegionLevel.KABKOTA)
        except InvalidInput as exc:
            raise ConfigError(f"{PREFIX}REGION: {exc.message}") from None
        if not 0 < self.port < 65536:
            raise ConfigError(f"{PREFIX}PORT: {self.port} is not a TCP port")
        if self.language not in LANGUAGES:
            raise ConfigError(f"{PREFIX}LANGUAGE: {self.language!r} is not one of "
                              f"{', '.join(LANGUAGES)}")
        if self.web_session_key is not None and len(self.web_session_key) < 32:
            raise ConfigError(f"{PREFIX}WEB_SESSION_KEY must be at least 32 characters")
        if (self.jwks_url or self.jwks_file) and not self.oidc_issuer:
            raise ConfigError(f"{PREFIX}OIDC_ISSUER must name the issuer whose JWKS is trusted")
        if self.mtls_port is not None and not 0 < self.mtls_port < 65536:
            raise ConfigError(f"{PREFIX}MTLS_PORT: {self.mtls_port} is not a TCP port")
        if self.mtls_port is not None and self.pki_dir is None:
            raise ConfigError(f"{PREFIX}MTLS_PORT needs {PREFIX}PKI_DIR (the listener's "
                              "certificate)")
        if self.gateway_url and self.pki_dir is None:
            raise ConfigError(f"{PREFIX}GATEWAY_URL needs {PREFIX}PKI_DIR (the relay signs "
                              "and connects with the region's keys)")
        for name in ("login_rate", "public_rate"):
            try:
                Rate.parse(getattr(self, name))
            except ValueError:
                raise ConfigError(f"{PREFIX}{name.upper()}: expected PER_MINUTE/BURST, "
                                  f"e.g. 10/5, not {getattr(self, name)!r}") from None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> NodeConfig:
        """Values from ``overrides`` (flags) win over the environment; None means 'not given'."""
        env = os.environ if environ is None else environ
        given = {k: v for k, v in overrides.items() if v is not None}

        def value(name: str, default: str | None = None) -> str:
            if name in given:
                return str(given[name])
            raw = env.get(PREFIX + name.upper(), default)
            if raw is None:
                flag = "--db" if name == "db_url" else f"--{name}"
                raise ConfigError(f"{PREFIX}{name.upper()} is not set (or pass {flag})")
            return raw

        port = value("port", "8100")
        if not port.isdigit():
            raise ConfigError(f"{PREFIX}PORT: {port!r} is not a number")
        mtls_port = str(given.get("mtls_port") or env.get(PREFIX + "MTLS_PORT") or "") or None
        if mtls_port is not None and not mtls_port.isdigit():
            raise ConfigError(f"{PREFIX}MTLS_PORT: {mtls_port!r} is not a number")
        production = parse_bool(PREFIX + "PRODUCTION", value("production", "0"))

        def optional(name: str) -> str | None:
            return str(given[name]) if name in given else env.get(PREFIX + name.upper()) or None

        return cls(region=value("region"), db_url=value("db_url"), host=value("host", "127.0.0.1"),
                   port=int(port), production=production, data_dir=optional("data_dir"),
                   signing_key=optional("signing_key"), jwks_url=optional("jwks_url"),
                   jwks_file=optional("jwks_file"), oidc_issuer=optional("oidc_issuer"),
                   trust_ca=optional("trust_ca"), trust_crl=optional("trust_crl"),
                   login_rate=value("login_rate", "10/5"),
                   public_rate=value("public_rate", "120/60"),
                   pki_dir=optional("pki_dir"),
                   mtls_port=int(mtls_port) if mtls_port is not None else None,
                   gateway_url=optional("gateway_url"),
                   language=node_language(value("language", DEFAULT_LANGUAGE)),
                   web_session_key=optional("web_session_key"))

    @property
    def listener_mtls_port(self) -> int | None:
        """Where the gateway calls this node over mutual TLS (None: no PKI, no listener)."""
        if self.pki_dir is None:
            return None
        return self.mtls_port if self.mtls_port is not None else self.port + 100

    @property
    def ca_certificate(self) -> str | None:
        """The CA the gateway's tokens must chain to: ``TRUST_CA``, else the PKI's."""
        if self.trust_ca or self.pki_dir is None:
            return self.trust_ca
        return str(Path(self.pki_dir) / "ca" / "ca.crt")

    @property
    def crl(self) -> str | None:
        if self.trust_crl or self.pki_dir is None:
            return self.trust_crl
        return str(Path(self.pki_dir) / "ca" / "crl.pem")
