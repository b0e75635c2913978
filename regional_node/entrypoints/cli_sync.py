"""``siks node relay [--once]`` and ``siks node status``: the sync with the gateway from the
command line (docs/sync.md); the status also counts suspended aid (docs/suspension.md)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt

from regional_node.config import PREFIX


def register(commands: argparse._SubParsersAction) -> None:
    from regional_node.entrypoints.cli import add_database_options

    relay = commands.add_parser("relay", help="deliver the outbox to the gateway, pull "
                                              "decisions, send an audit checkpoint")
    add_database_options(relay)
    relay.add_argument("--once", action="store_true",
                       help="one round now (ignoring the backoff), then exit")
    relay.add_argument("--gateway", metavar="URL",
                       help=f"the gateway's node listener (env {PREFIX}GATEWAY_URL)")
    relay.set_defaults(handler=_relay)
    status = commands.add_parser("status", help="the outbox backlog, the last error and the "
                                                "memberships whose aid is suspended")
    add_database_options(status, region=False)
    status.set_defaults(handler=_status)


def _relay(args: argparse.Namespace) -> int:
    from certs.reloading import ReloadingTrust
    from regional_node.adapters.database import open_database
    from regional_node.adapters.gateway_link import HttpGatewayLink, node_tls_context
    from regional_node.entrypoints.cli import config_from
    from regional_node.errors import ConfigError
    from regional_node.service_layer.outbox import PkiSigner, use_signer
    from regional_node.service_layer.relay import Relay
    from regional_node.sync_config import SyncConfig

    config, sync = config_from(args), SyncConfig.from_env()
    url = args.gateway or sync.gateway_url
    if sync.pki_dir is None:
        raise ConfigError(f"{PREFIX}PKI_DIR is not set: the relay needs the node's PKI")
    if not url:
        raise ConfigError(f"{PREFIX}GATEWAY_URL is not set (or pass --gateway)")
    pki_dir = sync.pki_dir

    async def run() -> int:
        database = open_database(config.db_url)
        signer = PkiSigner(pki_dir, config.region)
        use_signer(database, signer)
        try:
            async with HttpGatewayLink(url, node_tls_context(pki_dir, config.region)) as link:
                relay = Relay(database, link, config.region, signer=signer,
                              trust=ReloadingTrust(pki_dir),
                              checkpoint_interval_s=sync.checkpoint_interval_s,
                              directory_key=sync.directory_key)
                if not args.once:
                    await relay.run_forever(asyncio.Event(), sync.relay_interval_s)
                    return 0
                report = await relay.run_once(ignore_backoff=True, checkpoint=True)
        finally:
            await database.dispose()
        point = report.checkpoint
        print(f"delivered {report.delivered}, refused {report.refused}, decisions "
              f"{report.decisions}, checkpoint "
              f"{f'{point.size} entries' if point else report.checkpoint_error or 'unchanged'}")
        if report.link_error:
            print(f"siks: error: gateway unreachable: {report.link_error}")
            return 1
        return 0

    return asyncio.run(run())


def _status(args: argparse.Namespace) -> int:
    from regional_node.adapters.database import open_database
    from regional_node.config import database_url
    from regional_node.service_layer.checkpoints import checkpoint_base
    from regional_node.service_layer.outbox import backlog
    from regional_node.service_layer.suspensions import suspension_line

    async def run() -> int:
        database = open_database(database_url(args.db_url))
        try:
            state, base = await backlog(database), await checkpoint_base(database)
            suspended = await suspension_line(database)
        finally:
            await database.dispose()
        now = dt.datetime.now(dt.UTC)
        age = state.oldest_age_s(now)
        print(f"outbox: {state.pending} messages pending ({state.pending_records} records)"
              + (f", oldest {_duration(age)} old" if age is not None else ""))
        print(f"        {state.delivered} delivered, {state.refused} refused")
        if state.next_attempt_at is not None:
            print(f"next attempt: {state.next_attempt_at.isoformat(timespec='seconds')}")
        print(f"last error: {state.last_error or '-'}")
        print(f"audit checkpoint acknowledged: {base.size} entries")
        print(suspended)
        return 1 if state.refused else 0

    return asyncio.run(run())


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
