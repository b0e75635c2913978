"""``siks node match-nik``: check the node's members against the population registry.

    siks node match-nik --db sqlite:///bandung.db --region 32.73 [--only-unchecked]
        [--registry-url http://127.0.0.1:8199] [--batch-size 200]

The registry comes from ``SIKS_NODE_DUKCAPIL_URL`` (and the other ``SIKS_NODE_DUKCAPIL_*``
settings) unless ``--registry-url`` is given. After the run it prints how many active
memberships are now suspended, by reason (docs/suspension.md). Exit status: 0 when every
selected member was checked, 1 when the registry became unavailable part-way (what was
answered is saved; run again, e.g. with ``--only-unchecked``, to finish), 2 on a usage or
configuration error.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from typing import TYPE_CHECKING

from regional_node.entrypoints.cli import add_database_options, config_from

if TYPE_CHECKING:
    from regional_node.service_layer.nik_matching import MatchRun


def register(commands: argparse._SubParsersAction) -> None:
    match = commands.add_parser(
        "match-nik", help="check members' NIKs against the population registry (Dukcapil)",
        description="Check members against the population registry and store each member's "
                    "match status (MATCH, MISMATCH, NOT_FOUND, DECEASED, DUPLICATE), audited.")
    add_database_options(match)
    match.add_argument("--only-unchecked", action="store_true",
                       help="only members never checked (status UNCHECKED)")
    match.add_argument("--registry-url", metavar="URL",
                       help="the registry's base URL (env SIKS_NODE_DUKCAPIL_URL)")
    match.add_argument("--batch-size", type=int, metavar="N",
                       help="NIKs per registry request (env SIKS_NODE_DUKCAPIL_BATCH_SIZE, "
                            "default 200)")
    match.add_argument("--quiet", action="store_true", help="no progress bar")
    match.set_defaults(handler=_match)


def _match(args: argparse.Namespace) -> int:
    run, suspended = asyncio.run(_run(args))
    counts = ", ".join(f"{status} {count}" for status, count in sorted(run.by_status.items()))
    print(f"checked {run.checked} of {run.selected} members ({counts or 'none'}); "
          f"{run.changed} status changes recorded in the audit log")
    if run.refused or run.stale:
        print(f"left unchecked: {run.refused} refused by the registry, {run.stale} edited "
              "during the run")
    if run.deaths_drafted:
        print(f"usulan kematian disiapkan untuk operator desa: {run.deaths_drafted} / death "
              f"proposals drafted for the desa operators: {run.deaths_drafted}")
    print(suspended)
    if run.stopped is not None:
        print(f"siks: error: {run.stopped.message}; {run.remaining} members left as they "
              "were; run again to finish", file=sys.stderr)
        return 1
    return 0


async def _run(args: argparse.Namespace) -> tuple[MatchRun, str]:
    """The run, and the line counting the memberships suspended after it."""
    from tqdm import tqdm

    from regional_node.adapters.database import open_database
    from regional_node.adapters.dukcapil_dci import (
        DciDukcapilClient,
        DukcapilConfig,
    )
    from regional_node.domain.audit import Actor
    from regional_node.errors import ConfigError
    from regional_node.service_layer.nik_matching import match_members
    from regional_node.service_layer.node_meta import bound_region
    from regional_node.service_layer.suspensions import suspension_line

    config = config_from(args)
    registry_config = DukcapilConfig.from_env(
        url=args.registry_url, batch_size=args.batch_size,
        default_sender_id=f"siks-node-{config.region}")
    database = open_database(config.db_url)
    bar: tqdm | None = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc="NIK matching", unit=" members", unit_scale=True,
                       file=sys.stderr, disable=args.quiet or not sys.stderr.isatty(),
                       leave=False)
        bar.update(done - bar.n)

    try:
        region = await bound_region(database)
        if region != config.region:
            raise ConfigError(f"this database belongs to region {region}, not {config.region}"
                              if region else "this database is not a node database "
                              "(run siks node migrate first)")
        async with DciDukcapilClient(registry_config) as registry:
            run = await match_members(database, registry, only_unchecked=args.only_unchecked,
                                      actor=Actor(f"cli:{getpass.getuser()}", "DINSOS"),
                                      progress=progress, node_region=region)
        return run, await suspension_line(database)
    finally:
        if bar is not None:
            bar.close()
        await database.dispose()

