"""Gateway commands: ``siks gateway serve|migrate|nodes|node add|node remove|refresh|export-sdl``
(``audit verify [--witness FILE]``: the gateway's audit chain, reads included, and its signed
checkpoints; ``audit checkpoint --out FILE``)
(and ``user add``: ``cli_users``)
(and ``decide``, ``prune-receipts``: ``cli_sync``; ``catalogue``, ``dipa``: ``cli_dipa``;
``targeting``, ``map``, ``plot``: ``cli_targeting``; ``rules``: ``cli_rules``).
Heavy imports happen inside handlers so ``siks --help`` stays quick."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from gateway.config import PREFIX, GatewayConfig, database_url

if TYPE_CHECKING:
    from gateway.adapters.database import Database


def register(commands: argparse._SubParsersAction) -> None:
    gateway = commands.add_parser("gateway", help="run and manage the national gateway")
    sub = gateway.add_subparsers(dest="gateway_command", required=True, metavar="COMMAND")
    _add_serve(sub)
    _add_migrate(sub)
    _add_nodes(sub)
    _add_node(sub)
    _add_refresh(sub)
    _add_export_sdl(sub)
    _add_audit(sub)
    from gateway.entrypoints import cli_users

    cli_users.register(sub)
    from gateway.entrypoints import cli_sync

    cli_sync.register(sub)
    from gateway.entrypoints import cli_dipa

    cli_dipa.register(sub)
    from gateway.entrypoints import cli_targeting

    cli_targeting.register(sub)
    from gateway.entrypoints import cli_rules

    cli_rules.register(sub)
    from gateway.entrypoints import cli_deciles

    cli_deciles.register(sub)
    from gateway.entrypoints import cli_pockets

    cli_pockets.register(sub)


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", dest="db_url", metavar="URL",
                        help=f"sqlite:///gateway.db or postgresql://… (env {PREFIX}DB_URL)")


def _pki_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pki-dir", type=Path, metavar="DIR",
                        help=f"PKI directory with the gateway's mTLS certificate "
                             f"(env {PREFIX}PKI_DIR)")


def _config(args: argparse.Namespace) -> GatewayConfig:
    return GatewayConfig.from_env(
        None, db_url=args.db_url, pki_dir=getattr(args, "pki_dir", None),
        host=getattr(args, "host", None), port=getattr(args, "port", None),
        nodes_file=getattr(args, "nodes_file", None),
        directory_secret=getattr(args, "directory_secret", None))


def _add_serve(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser("serve", help="serve the national GraphQL endpoint")
    _db_option(serve)
    _pki_option(serve)
    serve.add_argument("--host", help=f"address to bind (env {PREFIX}HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help=f"TCP port (env {PREFIX}PORT, default 8080)")
    serve.add_argument("--nodes-file", type=Path, metavar="FILE",
                       help=f"'<kab/kota> <url>' lines to register on start "
                            f"(env {PREFIX}NODES_FILE)")
    serve.add_argument("--directory-secret", metavar="SECRET",
                       help=f"NIK directory HMAC key (env {PREFIX}DIRECTORY_SECRET)")
    serve.add_argument("--inbox-port", type=int, metavar="PORT",
                       help=f"the nodes' mutual-TLS listener (env {PREFIX}INBOX_PORT, default "
                            "8443); runs when a PKI directory is given")
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    from gateway.entrypoints.app import serve

    asyncio.run(serve(_config(args), inbox_port=args.inbox_port))
    return 0


def _add_migrate(commands: argparse._SubParsersAction) -> None:
    migrate = commands.add_parser("migrate", help="create or upgrade the gateway's database")
    _db_option(migrate)
    migrate.set_defaults(handler=_migrate)


def _migrate(args: argparse.Namespace) -> int:
    from gateway.adapters.database import open_database
    from gateway.adapters.migrations import current_revision, upgrade

    async def run() -> str | None:
        database = open_database(database_url(args.db_url))
        try:
            await upgrade(database)
            return await current_revision(database)
        finally:
            await database.dispose()

    print(f"gateway database ready at revision {asyncio.run(run())}")
    return 0


def _add_audit(commands: argparse._SubParsersAction) -> None:
    audit = commands.add_parser("audit", help="check the gateway's tamper-evident audit log")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True,
                                          metavar="COMMAND")
    verify = audit_commands.add_parser(
        "verify", help="recompute the audit hash chain and the records each read names; "
                       "with --witness, also check it against the signed checkpoints")
    _db_option(verify)
    _pki_option(verify)
    verify.add_argument("--witness", type=Path, metavar="FILE",
                        help="a witness file of signed checkpoints (siks gateway audit "
                             "checkpoint); needs the PKI's ca/ (--pki-dir)")
    verify.set_defaults(handler=_audit_verify)
    checkpoint = audit_commands.add_parser(
        "checkpoint", help="sign the audit chain's head with the gateway's key and append it "
                           "to a witness file that an auditor keeps")
    _db_option(checkpoint)
    _pki_option(checkpoint)
    checkpoint.add_argument("--out", type=Path, metavar="FILE", required=True,
                            help="the witness file (one signed checkpoint per line, appended)")
    checkpoint.set_defaults(handler=_audit_checkpoint)


def _migrated_database(args: argparse.Namespace) -> str:
    """The database URL, refused (ConfigError) when there is no SQLite file there."""
    from sqlalchemy.engine import make_url

    from gateway.adapters.database import async_url
    from schema.errors import ConfigError

    url = database_url(args.db_url)
    location = make_url(async_url(url))
    database_file = location.database
    if location.get_backend_name() == "sqlite" and not Path(database_file or "").is_file():
        raise ConfigError(f"no gateway database at {database_file}")
    return url


def _pki_dir(args: argparse.Namespace) -> Path:
    from schema.errors import ConfigError

    pki_dir = args.pki_dir or _env_path(PREFIX + "PKI_DIR")
    if pki_dir is None or not (Path(pki_dir) / "ca" / "ca.crt").is_file():
        raise ConfigError(f"no PKI directory with ca/ca.crt (--pki-dir or {PREFIX}PKI_DIR)")
    return Path(pki_dir)


async def _require_current(database: Database) -> None:
    from gateway.adapters.migrations import current_revision, head_revision
    from schema.errors import ConfigError

    if await current_revision(database) != head_revision():
        raise ConfigError("the gateway database is not migrated to this version "
                          "(run: siks gateway migrate)")


def _audit_verify(args: argparse.Namespace) -> int:
    from certs.trust import CertificateStore
    from gateway.adapters.database import open_database
    from gateway.inbox.audit import verify_gateway_chain
    from gateway.inbox.witness import WitnessReport, verify_witness
    from schema.errors import ConfigError

    url = _migrated_database(args)
    trust = CertificateStore.load(_pki_dir(args)) if args.witness is not None else None
    if args.witness is not None and not args.witness.is_file():
        raise ConfigError(f"no witness file at {args.witness}")

    async def run() -> int:
        database = open_database(url)
        witnessed: WitnessReport | None = None
        try:
            await _require_current(database)
            report = await verify_gateway_chain(database)
            if trust is not None and args.witness is not None:
                witnessed = await verify_witness(database, trust,
                                                 args.witness.read_text().splitlines())
        finally:
            await database.dispose()
        if report.first_break is not None:
            print(f"gateway audit chain BROKEN at entry {report.first_break.seq}: "
                  f"{report.first_break.message} ({report.verified} entries verified before "
                  "it)", file=sys.stderr)
            return 1
        if witnessed is not None and witnessed.problem is not None:
            print(f"gateway audit chain does NOT match its witness {args.witness}: "
                  f"{witnessed.problem}", file=sys.stderr)
            return 1
        print(f"gateway audit chain OK: {report.verified} entries")
        if witnessed is not None:
            latest = witnessed.latest.size if witnessed.latest else 0
            print(f"matches {witnessed.matched} signed checkpoints in {args.witness} (the "
                  f"latest at entry {latest}; entries after it are not anchored yet)")
        return 0

    return asyncio.run(run())


def _audit_checkpoint(args: argparse.Namespace) -> int:
    from certs.identity import Identity
    from certs.signing import SigningCredentials
    from gateway.adapters.database import open_database
    from gateway.inbox.witness import checkpoint

    url = _migrated_database(args)
    credentials = SigningCredentials.load(_pki_dir(args), Identity.gateway())

    async def run() -> int:
        database = open_database(url)
        try:
            await _require_current(database)
            point = await checkpoint(database, credentials, args.out)
        finally:
            await database.dispose()
        print(f"checkpoint of the gateway audit chain at entry {point.size} "
              f"({point.head[:16]}…) signed by {credentials.kid}, appended to {args.out}")
        return 0

    return asyncio.run(run())


@asynccontextmanager
async def _services(args: argparse.Namespace, *, secret_needed: bool = False
                    ) -> AsyncIterator[object]:
    """Database (migrated) and node client for a one-off command."""
    from gateway.adapters.database import open_database
    from gateway.adapters.migrations import upgrade
    from gateway.federation.node_client import NodeClient
    from gateway.service_layer.services import build_services

    url = database_url(args.db_url)
    if secret_needed:
        config = _config(args)
    else:  # commands that hash no NIK need no directory secret
        config = GatewayConfig(db_url=url, directory_secret="-" * 32,
                               pki_dir=getattr(args, "pki_dir", None)
                               or _env_path(PREFIX + "PKI_DIR"))
    from gateway.service_layer.services import node_ssl_context, user_context_forwarder

    database = open_database(url)
    # who asks travels in per-node signed tokens, as from the served gateway: without them a
    # node answers the public (e.g. no DIPA, small cells left out of counts)
    client = NodeClient(ssl_context=node_ssl_context(config),
                        user_context=user_context_forwarder(config))
    try:
        await upgrade(database)
        await client.open()
        services = build_services(config, database, client)
        services.registry.replace(await services.nodes.all())
        yield services
    finally:
        await client.close()
        await database.dispose()


def _env_path(name: str) -> Path | None:
    from gateway.config import gateway_env

    return gateway_env().path(name.removeprefix(PREFIX))


def _add_nodes(commands: argparse._SubParsersAction) -> None:
    nodes = commands.add_parser("nodes", help="list registered nodes and their health")
    _db_option(nodes)
    _pki_option(nodes)
    nodes.add_argument("--probe", action="store_true", help="probe every node first")
    nodes.set_defaults(handler=_nodes)


def _nodes(args: argparse.Namespace) -> int:
    from gateway.service_layer import node_health
    from gateway.service_layer.services import GatewayServices

    async def run() -> int:
        async with _services(args) as services:
            assert isinstance(services, GatewayServices)
            if args.probe:
                await node_health.probe_all(services.federation, services.nodes)
            nodes = await services.nodes.all()
        if not nodes:
            print("no nodes registered: siks gateway node add <kab/kota> <url>")
            return 0
        print(f"{'region':<7} {'status':<8} {'schema':<7} {'latency':>8}  {'last seen':<20} url")
        for n in nodes:
            latency = f"{n.latency_ms:.0f} ms" if n.latency_ms is not None else "-"
            seen = n.last_seen.strftime("%Y-%m-%d %H:%M:%S") if n.last_seen else "never"
            note = n.refused_reason or n.last_error or ""
            print(f"{n.region:<7} {n.status.value:<8} {n.schema_version or '-':<7} "
                  f"{latency:>8}  {seen:<20} {n.url}{'  (' + note + ')' if note else ''}")
        return 1 if any(n.status.value == "REFUSED" for n in nodes) else 0

    return asyncio.run(run())


def _add_node(commands: argparse._SubParsersAction) -> None:
    node = commands.add_parser("node", help="register or remove a node")
    sub = node.add_subparsers(dest="node_action", required=True, metavar="ACTION")
    add = sub.add_parser("add", help="register the node serving a kab/kota (and probe it)")
    add.add_argument("region", help="kab/kota code, e.g. 32.73")
    add.add_argument("url", help="the node's base URL, e.g. https://127.0.0.1:8101")
    add.add_argument("--no-probe", action="store_true", help="register without probing")
    _db_option(add)
    _pki_option(add)
    add.set_defaults(handler=_node_add)
    remove = sub.add_parser("remove", help="stop federating a node (its rollups go too)")
    remove.add_argument("region")
    _db_option(remove)
    remove.set_defaults(handler=_node_remove)


def _node_add(args: argparse.Namespace) -> int:
    from gateway.service_layer import node_health
    from gateway.service_layer.registration import register as register_node
    from gateway.service_layer.services import GatewayServices

    async def run() -> int:
        async with _services(args) as services:
            assert isinstance(services, GatewayServices)
            node = await register_node(services.nodes, args.region, args.url)
            if args.no_probe:
                print(f"registered {node.region} at {node.url} (not probed)")
                return 0
            probed = await node_health.probe(services.federation, node)
            await services.nodes.save_health(probed)
        if probed.status.value == "REFUSED":
            print(f"siks: error: node {probed.region} REFUSED: {probed.refused_reason}",
                  file=sys.stderr)
            return 1
        if probed.last_error:
            print(f"registered {probed.region} at {probed.url}; not reachable yet "
                  f"({probed.last_error})")
            return 0
        print(f"registered {probed.region} at {probed.url}: {probed.status.value}, schema "
              f"{probed.schema_version}, {probed.latency_ms:.0f} ms")
        return 0

    return asyncio.run(run())


def _node_remove(args: argparse.Namespace) -> int:
    from gateway.service_layer.services import GatewayServices

    async def run() -> None:
        async with _services(args) as services:
            assert isinstance(services, GatewayServices)
            await services.nodes.remove(args.region)

    asyncio.run(run())
    print(f"removed {args.region}")
    return 0


def _add_refresh(commands: argparse._SubParsersAction) -> None:
    refresh = commands.add_parser(
        "refresh", help="pull rollups and NIK directory snapshots from every node now")
    _db_option(refresh)
    _pki_option(refresh)
    refresh.add_argument("--directory-secret", metavar="SECRET",
                         help=f"NIK directory HMAC key (env {PREFIX}DIRECTORY_SECRET)")
    refresh.set_defaults(handler=_refresh)


def _refresh(args: argparse.Namespace) -> int:
    from gateway.entrypoints.app import refresh_snapshots
    from gateway.service_layer.services import GatewayServices

    async def run() -> None:
        async with _services(args, secret_needed=True) as services:
            assert isinstance(services, GatewayServices)
            await services.directory.adopt_key(services.directory_key.fingerprint)
            await refresh_snapshots(services)
            snapshots = await services.rollups.snapshots()
            entries = await services.directory.count()
        print(f"rollups: {len(snapshots)} regions; NIK directory: {entries} entries")

    asyncio.run(run())
    return 0


def _add_export_sdl(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser("export-sdl", help="write the gateway's GraphQL SDL")
    export.add_argument("--output", type=Path, help="file to write (default: stdout)")
    export.set_defaults(handler=_export_sdl)


def _export_sdl(args: argparse.Namespace) -> int:
    from gateway.entrypoints.graphql.schema import sdl

    if args.output is None:
        sys.stdout.write(sdl())
    else:
        args.output.write_text(sdl(), encoding="utf-8")
    return 0
