"""``siks sandbox-registry serve|seed|add``: the population-registry stand-in.

    siks sandbox-registry seed --db sqlite:///registry.db --from-node-db sqlite:///bandung.db
    siks sandbox-registry serve --db sqlite:///registry.db --port 8199
    siks sandbox-registry add --db sqlite:///registry.db --nik 3273… --name "Siti Aminah" \\
        --birth-date 1980-02-01 --sex female [--kk 3273…] [--deceased [--death-date 2024-05-01]]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os

from schema.errors import InvalidInput

DEFAULT_DB = "sqlite:///sandbox-registry.sqlite"
DEFAULT_PORT = 8199
ENV_DB = "SIKS_SANDBOX_REGISTRY_DB_URL"
ENV_TOKEN = "SIKS_SANDBOX_REGISTRY_TOKEN"


def register(commands: argparse._SubParsersAction) -> None:
    sandbox = commands.add_parser(
        "sandbox-registry", help="run the population-registry (Dukcapil) stand-in",
        description="A stand-in for the population registry, serving the DCI search API "
                    "from its own database of synthetic residents. For tests and demos.")
    sub = sandbox.add_subparsers(dest="sandbox_command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="serve the DCI registry API")
    _db_option(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT,
                       help=f"TCP port (default {DEFAULT_PORT})")
    serve.add_argument("--token", default=os.environ.get(ENV_TOKEN),
                       help=f"require this bearer token on searches (env {ENV_TOKEN})")
    serve.set_defaults(handler=_serve)

    seed = sub.add_parser("seed", help="copy residents from a node database, with discrepancies")
    _db_option(seed)
    seed.add_argument("--from-node-db", required=True, metavar="URL",
                      help="the node database to copy people from")
    seed.add_argument("--discrepancy-rate", type=float, default=0.1, metavar="SHARE",
                      help="share of people given a discrepancy (misspelt name, shifted birth "
                           "date, deceased, missing; default 0.1)")
    seed.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    seed.set_defaults(handler=_seed)

    add = sub.add_parser("add", help="add or replace one resident")
    _db_option(add)
    add.add_argument("--nik", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--birth-date", required=True, type=dt.date.fromisoformat,
                     metavar="YYYY-MM-DD")
    add.add_argument("--sex", choices=["male", "female"], required=True)
    add.add_argument("--kk", dest="kk_number", help="KK number")
    add.add_argument("--deceased", action="store_true", help="record the person as deceased")
    add.add_argument("--death-date", type=dt.date.fromisoformat, metavar="YYYY-MM-DD")
    add.set_defaults(handler=_add)


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", dest="db_url", metavar="URL",
                        help=f"the sandbox's own database (env {ENV_DB}, default {DEFAULT_DB})")


def _db(args: argparse.Namespace) -> str:
    return str(args.db_url or os.environ.get(ENV_DB) or DEFAULT_DB)


def _serve(args: argparse.Namespace) -> int:
    from sandbox_registry.app import serve

    async def run() -> None:
        ready = asyncio.Event()
        task = asyncio.create_task(serve(_db(args), args.host, args.port, token=args.token,
                                         ready=ready))
        await ready.wait()
        print(f"sandbox registry on http://{args.host}:{args.port} "
              f"(POST /registry/sync/search; admin under /_sandbox/)", flush=True)
        await task

    asyncio.run(run())
    return 0


def _seed(args: argparse.Namespace) -> int:
    from sandbox_registry.seeding import seed_from_node
    from sandbox_registry.store import open_store

    async def run() -> str:
        database = await open_store(_db(args))
        try:
            report = await seed_from_node(database, args.from_node_db,
                                          discrepancy_rate=args.discrepancy_rate,
                                          seed=args.seed)
        finally:
            await database.dispose()
        return report.summary()

    if not 0 <= args.discrepancy_rate <= 1:
        raise InvalidInput("--discrepancy-rate must be between 0 and 1")
    print(asyncio.run(run()))
    return 0


def _add(args: argparse.Namespace) -> int:
    from sandbox_registry.app import resident_from_json
    from sandbox_registry.store import open_store, upsert_residents

    try:
        resident = resident_from_json({
            "nik": args.nik, "name": args.name, "birth_date": args.birth_date.isoformat(),
            "sex": args.sex, "kk_number": args.kk_number, "deceased": args.deceased,
            "death_date": args.death_date.isoformat() if args.death_date else None})
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None

    async def run() -> None:
        database = await open_store(_db(args))
        try:
            await upsert_residents(database, [resident])
        finally:
            await database.dispose()

    asyncio.run(run())
    print(f"resident {resident.nik} stored")
    return 0
