"""``siks node expire-reports``: store EXPIRED on every sanggah nobody acted on in 14 days.

    siks node expire-reports --db sqlite:///bandung.db --region 32.73

The inbox already shows such a sanggah as EXPIRED from the clock alone; this sweep writes it
down (one audit entry per report), e.g. from cron once an hour. Running it twice is harmless.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from regional_node.entrypoints.cli import add_database_options, config_from

if TYPE_CHECKING:
    from regional_node.adapters.database import Database


def register(commands: argparse._SubParsersAction) -> None:
    sweep = commands.add_parser(
        "expire-reports", help="expire every sanggah nobody acted on within 14 days (audited)")
    add_database_options(sweep)
    sweep.set_defaults(handler=_expire)


def _expire(args: argparse.Namespace) -> int:
    expired = asyncio.run(_run(args))
    print(f"{len(expired)} sanggah expired" + (": " + ", ".join(expired) if expired else ""))
    return 0


async def _run(args: argparse.Namespace) -> list[str]:
    from regional_node.adapters.database import open_database
    from regional_node.service_layer.clock import SYSTEM_CLOCK
    from regional_node.service_layer.community_reports import (
        SWEEPER,
        actor_of,
        expire_overdue,
    )
    from regional_node.service_layer.unit_of_work import UnitOfWork

    config = config_from(args)
    database = open_database(config.db_url)
    try:
        await require_region(database, config.region)
        async with UnitOfWork(database, actor_of(SWEEPER)) as uow:
            expired = await expire_overdue(uow, SYSTEM_CLOCK.now())
            await uow.commit()
        return expired
    finally:
        await database.dispose()


async def require_region(database: Database, region: str) -> None:
    """Refuse a database that is not this region's node database (one line, no traceback)."""
    from regional_node.errors import ConfigError
    from regional_node.service_layer.node_meta import bound_region

    bound = await bound_region(database)
    if bound != region:
        raise ConfigError(f"this database belongs to region {bound}, not {region}" if bound
                          else "this database is not a node database (run siks node migrate "
                               "first)")
