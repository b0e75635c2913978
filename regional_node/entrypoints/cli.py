"""Node commands: ``siks node serve|migrate|export-sdl|import``, ``siks seed``,
``siks audit verify``. Heavy imports happen inside handlers so ``siks --help`` stays quick."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from regional_node.config import PREFIX, NodeConfig, database_url


def add_database_options(parser: argparse.ArgumentParser, *, region: bool = True) -> None:
    parser.add_argument("--db", dest="db_url", metavar="URL",
                        help=f"sqlite:///path/node.db or postgresql://… (env {PREFIX}DB_URL)")
    if region:
        parser.add_argument("--region", metavar="KABKOTA",
                            help=f"the kab/kota this node owns, e.g. 32.73 (env {PREFIX}REGION)")


def config_from(args: argparse.Namespace, *, host: str | None = None,
                port: int | None = None) -> NodeConfig:
    return NodeConfig.from_env(None, region=getattr(args, "region", None), db_url=args.db_url,
                               host=host, port=port, language=getattr(args, "lang", None))


def register(commands: argparse._SubParsersAction) -> None:
    from regional_node.entrypoints import (
        cli_import,
        cli_match,
        cli_offline,
        cli_pmt,
        cli_pockets,
        cli_reports,
        cli_seed,
        cli_users,
        cli_verivali,
    )

    node = commands.add_parser("node", help="run and manage a regional node")
    node_commands = node.add_subparsers(dest="node_command", required=True, metavar="COMMAND")
    _add_serve(node_commands)
    _add_migrate(node_commands)
    _add_export_sdl(node_commands)
    from regional_node.entrypoints import cli_sync  # relay, status (docs/sync.md)

    cli_sync.register(node_commands)
    cli_import.register(node_commands)
    cli_users.register(node_commands)
    cli_match.register(node_commands)
    cli_reports.register(node_commands)
    cli_verivali.register(node_commands)
    cli_pmt.register(node_commands)
    cli_pockets.register(node_commands)
    cli_seed.register(commands)
    cli_offline.register(commands)
    audit = commands.add_parser("audit", help="check the tamper-evident audit log")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True, metavar="COMMAND")
    _add_audit_verify(audit_commands)


def _add_serve(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser("serve", help="serve the node's GraphQL API")
    add_database_options(serve)
    serve.add_argument("--host", help=f"address to bind (env {PREFIX}HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help=f"TCP port (env {PREFIX}PORT, default 8100)")
    serve.add_argument("--pki-dir", metavar="DIR",
                       help=f"the region's PKI (CA certificate, CRL, its signing and TLS keys): "
                            f"sign approvals, serve the gateway over mutual TLS, trust the "
                            f"gateway's tokens (env {PREFIX}PKI_DIR)")
    serve.add_argument("--mtls-port", type=int, metavar="PORT",
                       help=f"the gateway-facing mutual-TLS listener (env {PREFIX}MTLS_PORT, "
                            "default: --port + 100); opens when a PKI is given")
    serve.add_argument("--gateway-url", metavar="URL",
                       help=f"the gateway's node inbox, e.g. https://gateway:8443: the relay "
                            f"delivers approvals and pulls decisions (env {PREFIX}GATEWAY_URL)")
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    from regional_node.entrypoints.app import serve

    config = NodeConfig.from_env(None, region=args.region, db_url=args.db_url, host=args.host,
                                 port=args.port, pki_dir=args.pki_dir,
                                 mtls_port=args.mtls_port, gateway_url=args.gateway_url)
    asyncio.run(serve(config))
    return 0


def _add_migrate(commands: argparse._SubParsersAction) -> None:
    migrate = commands.add_parser("migrate", help="create or upgrade the node's database")
    add_database_options(migrate)
    migrate.set_defaults(handler=_migrate)


def _migrate(args: argparse.Namespace) -> int:
    from regional_node.service_layer.lifecycle import prepare_database

    config = config_from(args)
    revision = asyncio.run(prepare_database(config))
    print(f"database ready for region {config.region} at revision {revision}")
    return 0


def _add_export_sdl(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser("export-sdl", help="write the node's GraphQL SDL")
    export.add_argument("--output", type=Path, help="file to write (default: stdout)")
    export.set_defaults(handler=_export_sdl)


def _export_sdl(args: argparse.Namespace) -> int:
    from regional_node.entrypoints.graphql.schema import sdl

    if args.output is None:
        sys.stdout.write(sdl())
    else:
        args.output.write_text(sdl(), encoding="utf-8")
    return 0


def _add_audit_verify(commands: argparse._SubParsersAction) -> None:
    verify = commands.add_parser("verify", help="recompute the audit hash chain")
    add_database_options(verify, region=False)
    verify.set_defaults(handler=_audit_verify)


def _audit_verify(args: argparse.Namespace) -> int:
    from regional_node.adapters.database import open_database
    from regional_node.service_layer.audit import verify_audit_chain

    url = database_url(args.db_url)

    async def run() -> int:
        database = open_database(url)
        try:
            report = await verify_audit_chain(database)
        finally:
            await database.dispose()
        if report.first_break is None:
            print(f"audit chain OK: {report.verified} entries, head {report.head_hash[:16]}…")
            return 0
        print(f"audit chain BROKEN at entry {report.first_break.seq}: "
              f"{report.first_break.message} ({report.verified} entries verified before it)",
              file=sys.stderr)
        return 1

    return asyncio.run(run())
