"""Everything the gateway runs on, built once per process from its configuration."""

from __future__ import annotations

import importlib.util
import ssl
from dataclasses import dataclass

from certs.identity import Identity
from certs.layout import PkiLayout
from certs.tls import client_context
from gateway.adapters.database import Database
from gateway.adapters.directory_store import DirectoryStore
from gateway.adapters.node_store import NodeStore
from gateway.adapters.node_tokens import SignedUserTokens
from gateway.adapters.rollup_store import RollupStore
from gateway.config import GatewayConfig
from gateway.federation.directory import NikDirectoryKey
from gateway.federation.fanout import CallObserver, Federation
from gateway.federation.node_client import NodeClient
from gateway.federation.registry import NodeRegistry
from gateway.federation.user_context import UnsignedContextHeader, UserContextForwarder
from gateway.service_layer.read_audit_writer import ReadAuditWriter


@dataclass
class GatewayServices:
    config: GatewayConfig
    database: Database
    nodes: NodeStore
    directory: DirectoryStore
    rollups: RollupStore
    federation: Federation
    directory_key: NikDirectoryKey
    read_audit: ReadAuditWriter

    @property
    def registry(self) -> NodeRegistry:
        return self.federation.registry


def node_ssl_context(config: GatewayConfig) -> ssl.SSLContext | None:
    """The gateway's mTLS client context, from its certificate in the PKI directory."""
    if config.pki_dir is None:
        return None
    return client_context(PkiLayout(config.pki_dir).tls_files(Identity.gateway()))


def user_context_forwarder(config: GatewayConfig) -> UserContextForwarder:
    """Signed per-node tokens when the gateway has a PKI; an unsigned header otherwise."""
    if config.pki_dir is None or importlib.util.find_spec("service_kit.service_tokens") is None:
        return UnsignedContextHeader()  # (the token module arrives with the identity work)
    return SignedUserTokens.from_pki(config.pki_dir)


def build_services(config: GatewayConfig, database: Database, client: NodeClient,
                   observer: CallObserver | None = None) -> GatewayServices:
    federation = Federation(client, NodeRegistry(), max_concurrency=config.max_concurrency,
                            query_retries=config.query_retries,
                            breaker_failures=config.breaker_failures,
                            breaker_reset_s=config.breaker_reset_s, observer=observer)
    return GatewayServices(config=config, database=database, nodes=NodeStore(database),
                           directory=DirectoryStore(database), rollups=RollupStore(database),
                           federation=federation,
                           directory_key=NikDirectoryKey.from_secret(config.directory_secret),
                           read_audit=ReadAuditWriter(database))
