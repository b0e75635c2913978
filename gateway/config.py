"""The gateway's configuration, read from ``SIKS_GATEWAY_*`` environment variables (command-line
flags override them). A missing or malformed value fails loudly, naming the variable.

=================================  =========================================================
``SIKS_GATEWAY_DB_URL``            the gateway's own database (required)
``SIKS_GATEWAY_DIRECTORY_SECRET``  key of the NIK directory's HMAC, ≥ 32 characters (required)
``SIKS_GATEWAY_HOST`` / ``PORT``   where to listen (127.0.0.1:8080)
``SIKS_GATEWAY_PKI_DIR``           PKI directory holding the gateway's mTLS certificate
                                   (required in production; without it nodes are called over
                                   plain HTTP or HTTPS with the system trust store)
``SIKS_GATEWAY_NODES_FILE``        optional file of ``<region> <url>`` lines registered on start
``SIKS_GATEWAY_DEADLINE_MS``       overall budget of one GraphQL request (5000)
``SIKS_GATEWAY_MAX_CONCURRENCY``   node calls in flight at once, all requests together (64)
``SIKS_GATEWAY_QUERY_RETRIES``     extra attempts of a failed query call (1); never mutations
``SIKS_GATEWAY_BREAKER_FAILURES``  consecutive failures that open a node's circuit (5)
``SIKS_GATEWAY_BREAKER_RESET_S``   seconds an open circuit waits before one trial call (10)
``SIKS_GATEWAY_PROBE_INTERVAL_S``  node health probe period, 0 = off (30)
``SIKS_GATEWAY_ROLLUP_REFRESH_S``  rollup refresh period, 0 = off (300)
``SIKS_GATEWAY_DIRECTORY_REFRESH_S``
                                   NIK directory refresh from node snapshots, 0 = off
                                   (86400: daily; a directory miss scatters and learns
                                   meanwhile; the first refresh runs a minute after start
                                   when the directory is empty)
``SIKS_GATEWAY_PRODUCTION``        1 = no GraphiQL, introspection or suggestions; mTLS required
``SIKS_GATEWAY_PASS_THROUGH``      0 = complete node answers field by field through
                                   graphql-core, not the pass-through path (1)
``SIKS_GATEWAY_DATA_DIR``          where the login issuer's key is generated (default: beside
                                   a SQLite database, else ~/.local/share/siks-gateway)
``SIKS_GATEWAY_SIGNING_KEY``       the login issuer's Ed25519 key file instead (PEM, 0600)
``SIKS_GATEWAY_OIDC_ISSUER``       optional OIDC issuer whose tokens are accepted too, with
``SIKS_GATEWAY_JWKS_FILE`` / ``_URL``  its JWKS (a file, or a URL refetched on an unknown kid)
``SIKS_GATEWAY_LOGIN_RATE``        logins per minute / burst per client address (10/5)
``SIKS_GATEWAY_PUBLIC_RATE``       requests without a token per minute / burst (120/60)
``SIKS_GATEWAY_METRICS_PORT``      optional ops listener serving only ``/metrics`` without a
                                   token, for Prometheus (unset: off; ``/metrics`` on the API
                                   port always needs a Kemensos token)
``SIKS_GATEWAY_METRICS_HOST``      its address (127.0.0.1: keep it on loopback or an ops
                                   network)
``SIKS_GATEWAY_WEB_SESSION_KEY``   secret (≥ 32 characters) the web pages' session cookies are
                                   encrypted with (default: derived from DIRECTORY_SECRET;
                                   docs/web.md)
=================================  =========================================================

Read through ``service_kit.settings.Env`` (one parser for both services): booleans take
1/true/yes/on or 0/false/no/off, rates ``<per minute>/<burst>``, numbers are decimal and whole
numbers take no fraction; any other value is refused, naming the variable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gateway.errors import ConfigError
from service_kit.settings import Env, defaults, parse_rate

PREFIX = "SIKS_GATEWAY_"
MIN_SECRET_LENGTH = 32


def gateway_env(environ: Mapping[str, str] | None = None,
                overrides: Mapping[str, object] | None = None) -> Env:
    """The gateway's settings (``SIKS_GATEWAY_*``), flags in ``overrides`` first: every module
    of the gateway reads its settings through this (``service_kit.settings``, one parser)."""
    return Env.of(PREFIX, environ, overrides)


def database_url(override: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The database URL from ``--db`` or ``SIKS_GATEWAY_DB_URL``, for commands that need
    nothing else (``migrate``, ``nodes``, ``node add``)."""
    return gateway_env(environ, {"db_url": override}).required("db_url", "--db")


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    db_url: str
    directory_secret: str
    host: str = "127.0.0.1"
    port: int = 8080
    production: bool = False
    pki_dir: Path | None = None
    nodes_file: Path | None = None
    deadline_ms: int = 5000
    max_concurrency: int = 64
    query_retries: int = 1
    breaker_failures: int = 5
    breaker_reset_s: float = 10.0
    probe_interval_s: float = 30.0
    rollup_refresh_s: float = 300.0
    directory_refresh_s: float = 86_400.0
    data_dir: Path | None = None
    signing_key: Path | None = None
    oidc_issuer: str | None = None
    jwks_file: Path | None = None
    jwks_url: str | None = None
    login_rate: str = "10/5"
    public_rate: str = "120/60"
    pass_through: bool = True  # docs/gateway.md, "Pass-through path"
    metrics_host: str = "127.0.0.1"  # the ops listener (docs/gateway.md, "Operations")
    metrics_port: int | None = None  # None: no ops listener; 0: any free port (tests)
    web_session_key: str | None = None  # docs/web.md, "Sessions"

    def __post_init__(self) -> None:
        if len(self.directory_secret) < MIN_SECRET_LENGTH:
            raise ConfigError(f"{PREFIX}DIRECTORY_SECRET must be at least {MIN_SECRET_LENGTH} "
                              "characters (generate one: python -c 'import secrets; "
                              "print(secrets.token_hex(32))')")
        if not 0 < self.port < 65536:
            raise ConfigError(f"{PREFIX}PORT: {self.port} is not a TCP port")
        _require(self.deadline_ms >= 10, "DEADLINE_MS", "must be at least 10")
        _require(self.max_concurrency >= 1, "MAX_CONCURRENCY", "must be at least 1")
        _require(0 <= self.query_retries <= 5, "QUERY_RETRIES", "must be 0 to 5")
        _require(self.breaker_failures >= 1, "BREAKER_FAILURES", "must be at least 1")
        _require(self.breaker_reset_s > 0, "BREAKER_RESET_S", "must be positive")
        _require(self.probe_interval_s >= 0, "PROBE_INTERVAL_S", "must not be negative")
        _require(self.rollup_refresh_s >= 0, "ROLLUP_REFRESH_S", "must not be negative")
        _require(self.directory_refresh_s >= 0, "DIRECTORY_REFRESH_S", "must not be negative")
        _require(self.metrics_port is None or 0 <= self.metrics_port < 65536, "METRICS_PORT",
                 "must be a TCP port")
        if self.production and self.pki_dir is None:
            raise ConfigError(f"{PREFIX}PKI_DIR is required in production: nodes are called "
                              "over mutual TLS only")
        if self.pki_dir is not None and not self.pki_dir.is_dir():
            raise ConfigError(f"{PREFIX}PKI_DIR: {self.pki_dir} is not a directory")
        if self.nodes_file is not None and not self.nodes_file.is_file():
            raise ConfigError(f"{PREFIX}NODES_FILE: {self.nodes_file} does not exist")
        for name, rate in (("LOGIN_RATE", self.login_rate), ("PUBLIC_RATE", self.public_rate)):
            parse_rate(PREFIX + name, rate)
        _require(self.web_session_key is None or len(self.web_session_key) >= MIN_SECRET_LENGTH,
                 "WEB_SESSION_KEY", f"must be at least {MIN_SECRET_LENGTH} characters")
        if self.oidc_issuer and not (self.jwks_file or self.jwks_url):
            raise ConfigError(f"{PREFIX}OIDC_ISSUER needs {PREFIX}JWKS_FILE or {PREFIX}JWKS_URL")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None,
                 **overrides: object) -> GatewayConfig:
        """Values from ``overrides`` (flags) win over the environment; None means 'not given'."""
        env, default = gateway_env(environ, overrides), defaults(cls)
        return cls(
            db_url=env.required("db_url", "--db"),
            directory_secret=env.required("directory_secret", "--directory-secret"),
            host=env.text("host") or default["host"],
            port=env.whole("port", default["port"]),
            production=env.flag("production", default["production"]),
            pki_dir=env.path("pki_dir"),
            nodes_file=env.path("nodes_file"),
            deadline_ms=env.whole("deadline_ms", default["deadline_ms"]),
            max_concurrency=env.whole("max_concurrency", default["max_concurrency"]),
            query_retries=env.whole("query_retries", default["query_retries"]),
            breaker_failures=env.whole("breaker_failures", default["breaker_failures"]),
            breaker_reset_s=env.number("breaker_reset_s", default["breaker_reset_s"]),
            probe_interval_s=env.number("probe_interval_s", default["probe_interval_s"]),
            rollup_refresh_s=env.number("rollup_refresh_s", default["rollup_refresh_s"]),
            directory_refresh_s=env.number("directory_refresh_s", default["directory_refresh_s"]),
            data_dir=env.path("data_dir"),
            signing_key=env.path("signing_key"),
            oidc_issuer=env.text("oidc_issuer"),
            jwks_file=env.path("jwks_file"),
            jwks_url=env.text("jwks_url"),
            login_rate=env.rate("login_rate", default["login_rate"]),
            public_rate=env.rate("public_rate", default["public_rate"]),
            pass_through=env.flag("pass_through", default["pass_through"]),
            metrics_host=env.text("metrics_host") or default["metrics_host"],
            metrics_port=env.optional_whole("metrics_port"),
            web_session_key=env.text("web_session_key"),
        )

    @property
    def web_session_secret(self) -> str:
        """What the web session key is derived from (HKDF, ``service_kit.web.session``)."""
        return self.web_session_key or self.directory_secret


def _require(ok: bool, name: str, why: str) -> None:
    if not ok:
        raise ConfigError(f"{PREFIX}{name} {why}")
