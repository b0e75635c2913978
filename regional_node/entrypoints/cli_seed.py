"""``siks seed``: synthetic households for a kab/kota, into a node database or an import file.

    siks seed --region 32.73 --db sqlite:///node.db                  # population / 3.5 households
    siks seed --region 32.73 --households 5000 --seed 7 --db postgresql://…
    siks seed --region 32.73 --households 5000 --csv households.csv  # an import file instead
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from regional_node.config import PREFIX, NodeConfig

if TYPE_CHECKING:
    from tqdm import tqdm

    from regional_node.domain.records import HouseholdRecord
    from regional_node.service_layer.seeding import SeedReport


def register(commands: argparse._SubParsersAction) -> None:
    seed = commands.add_parser(
        "seed", help="generate realistic synthetic households for a kab/kota",
        description="Generate synthetic DTKS households for a kab/kota (real desa, valid NIK "
                    "and KK numbers, plausible families and attributes) and store them in the "
                    "node database, or write them as an import file with --csv. The same "
                    "--seed, region and --households always give the same households.")
    seed.add_argument("--region", metavar="KABKOTA",
                      help=f"the kab/kota, e.g. 32.73 (env {PREFIX}REGION)")
    seed.add_argument("--households", type=_count, metavar="N",
                      help="how many households (default: the region's population / 3.5)")
    seed.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    target = seed.add_mutually_exclusive_group()
    target.add_argument("--db", dest="db_url", metavar="URL",
                        help=f"sqlite:///path/node.db or postgresql://… (env {PREFIX}DB_URL); "
                             "migrated first")
    target.add_argument("--csv", type=Path, metavar="FILE",
                        help="write an import CSV file instead of storing in the database")
    seed.add_argument("--quiet", action="store_true", help="no progress bar")
    seed.set_defaults(handler=_seed)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _seed(args: argparse.Namespace) -> int:
    from regional_node.service_layer.synthetic import generate_households
    from regional_node.service_layer.synthetic_layout import region_layout

    if args.csv is not None:
        region = _region(args.region)
    else:
        config = NodeConfig.from_env(region=args.region, db_url=args.db_url)
        region = config.region
    layout = region_layout(region)
    total = layout.household_count if args.households is None else args.households
    records = generate_households(region, total, seed=args.seed)
    where = f"{region} {layout.name}, seed {args.seed}"
    if args.csv is not None:
        from regional_node.service_layer.import_file_writer import write_import_csv

        with _progress(total, args.quiet, f"writing {args.csv.name}") as bar:
            written = write_import_csv(args.csv, records, progress=bar.update)
        print(f"wrote {written.households:,} households ({written.members:,} members) of "
              f"{where}, to {args.csv}")
        return 0
    with _progress(total, args.quiet, f"seeding {region}") as bar:
        report = asyncio.run(_seed_database(config, records, bar.update))
    print(f"seeded {report.households:,} households ({report.members:,} members, "
          f"{report.programs:,} program memberships) of {where}, in {report.seconds:.1f} s")
    return 0


async def _seed_database(config: NodeConfig, records: Iterable[HouseholdRecord],
                         progress: Callable[[int], object]) -> SeedReport:
    from regional_node.adapters.database import open_database
    from regional_node.service_layer.lifecycle import prepare_database
    from regional_node.service_layer.seeding import seed_households

    await prepare_database(config)
    database = open_database(config.db_url)
    try:
        return await seed_households(database, records, progress=progress)
    finally:
        await database.dispose()


def _region(given: str | None) -> str:
    from regional_node.config import node_env
    from regional_node.errors import ConfigError
    from schema.errors import InvalidInput
    from schema.regions import RegionLevel, regions

    region = node_env(overrides={"region": given}).required("region")
    try:
        regions().require(region, level=RegionLevel.KABKOTA)
    except InvalidInput as exc:
        raise ConfigError(f"--region: {exc.message}") from None
    return region


def _progress(total: int, quiet: bool, label: str) -> tqdm:
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit=" households", unit_scale=True, file=sys.stderr,
                disable=quiet or not sys.stderr.isatty(), leave=False)
