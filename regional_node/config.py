"""The node's configuration, read from ``SIKS_NODE_*`` environment variables (command-line
flags override them). A missing or malformed value fails loudly with the variable's name.
Every module of the node reads its settings through :func:`node_env` (``service_kit.settings``:
one parser for booleans, numbers and rates, shared with the gateway); the defaults stand beside
each setting's reader.

With a PKI directory (``SIKS_NODE_PKI_DIR``: the CA certificate, the CRL and this region's
signing and TLS certificates and keys) the node serves as in production: approvals are
signed with the region's key, a mutual-TLS listener for the gateway opens on
``SIKS_NODE_MTLS_PORT`` (default: the HTTP port + 100), the gateway's tokens are trusted
through the national CA, and with ``SIKS_NODE_GATEWAY_URL`` the relay delivers the outbox.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from regional_node.errors import ConfigError
from schema.errors import InvalidInput
from schema.i18n import DEFAULT_LANGUAGE, LANGUAGES, UnknownLanguage, language_of
from schema.regions import RegionLevel, regions
from service_kit.settings import Env, defaults, parse_rate

PREFIX = "SIKS_NODE_"


def node_env(environ: Mapping[str, str] | None = None,
             overrides: Mapping[str, object] | None = None) -> Env:
    """The node's settings (``SIKS_NODE_*``), flags in ``overrides`` first: every module of the
    node reads its settings through this (``service_kit.settings``, one parser)."""
    return Env.of(PREFIX, environ, overrides)


def database_url(override: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The database URL from ``--db`` or ``SIKS_NODE_DB_URL``, for commands that need no region."""
    return node_env(environ, {"db_url": override}).required("db_url", "--db")


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
            parse_rate(PREFIX + name.upper(), getattr(self, name))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> NodeConfig:
        """Values from ``overrides`` (flags) win over the environment; None means 'not given'."""
        env, default = node_env(environ, overrides), defaults(cls)
        return cls(region=env.required("region"), db_url=env.required("db_url", "--db"),
                   host=env.text("host") or default["host"],
                   port=env.whole("port", default["port"]),
                   production=env.flag("production", default["production"]),
                   data_dir=env.text("data_dir"), signing_key=env.text("signing_key"),
                   jwks_url=env.text("jwks_url"), jwks_file=env.text("jwks_file"),
                   oidc_issuer=env.text("oidc_issuer"), trust_ca=env.text("trust_ca"),
                   trust_crl=env.text("trust_crl"),
                   login_rate=env.rate("login_rate", default["login_rate"]),
                   public_rate=env.rate("public_rate", default["public_rate"]),
                   pki_dir=env.text("pki_dir"), mtls_port=env.optional_whole("mtls_port"),
                   gateway_url=env.text("gateway_url"),
                   language=node_language(env.text("language") or default["language"]),
                   web_session_key=env.text("web_session_key"))

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
