"""``siks gateway decide determine|return`` (national decisions going back down, over
:class:`gateway.inbox.decisions.DecisionDesk`) and ``siks gateway prune-receipts`` (inbox
receipts past the replay window). docs/sync.md."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
from pathlib import Path

from gateway.config import PREFIX, database_url, gateway_env
from gateway.errors import ConfigError


def register(commands: argparse._SubParsersAction) -> None:
    from gateway.entrypoints.cli import _db_option, _pki_option

    decide = commands.add_parser("decide", help="sign a national decision for the nodes: "
                                                "determine a period, or return records")
    sub = decide.add_subparsers(dest="decide_action", required=True, metavar="ACTION")
    determine = sub.add_parser(
        "determine", help="determine every received, undecided record by a decree (one "
                          "signed decision per region), or only --records of one --region")
    determine.add_argument("--decree-number", required=True, metavar="NUMBER",
                           help="the Kepmensos number")
    determine.add_argument("--decree-date", required=True, type=dt.date.fromisoformat,
                           metavar="YYYY-MM-DD")
    determine.add_argument("--period", required=True, help="the DTKS period, e.g. 2026-07")
    determine.add_argument("--region", action="append", metavar="KABKOTA",
                           help="only this kab/kota (repeatable; default: every region)")
    determine.add_argument("--records", metavar="ID,ID",
                           help="only these record ids (needs exactly one --region)")
    returned = sub.add_parser("return", help="return records of one region, with a reason")
    returned.add_argument("--region", required=True, metavar="KABKOTA")
    returned.add_argument("--records", required=True, metavar="ID,ID")
    returned.add_argument("--reason", required=True)
    for parser in (determine, returned):
        _db_option(parser)
        _pki_option(parser)
        parser.add_argument("--actor", default="cli:kemensos",
                            help="who decides, for the audit log (default cli:kemensos)")
        parser.set_defaults(handler=_decide)

    prune = commands.add_parser("prune-receipts",
                                help="delete inbox receipts older than the replay window")
    _db_option(prune)
    prune.add_argument("--max-age-days", type=float, default=30.0,
                       help="the envelope window (30 days, as the inbox; at least that)")
    prune.set_defaults(handler=_prune)


def _ids(text: str) -> tuple[str, ...]:
    return tuple(i.strip() for i in text.split(",") if i.strip())


def _pki_dir(args: argparse.Namespace) -> Path:
    value = gateway_env(overrides={"pki_dir": args.pki_dir}).path("pki_dir")
    if value is None:
        raise ConfigError(f"{PREFIX}PKI_DIR is not set (or pass --pki-dir): decisions are "
                          "signed with the gateway's key")
    return value


def _decide(args: argparse.Namespace) -> int:
    from gateway.adapters.database import open_database
    from gateway.adapters.migrations import upgrade
    from gateway.inbox.decisions import DecisionDesk
    from gateway.inbox.http import GatewaySigner
    from schema.errors import InvalidInput
    from schema.sync_messages import Decision, DecisionKind, Decree

    url, pki_dir = database_url(args.db_url), _pki_dir(args)
    signer = GatewaySigner(pki_dir)
    signer()  # no gateway key: one line naming the missing file, before anything is opened
    records = _ids(args.records) if args.records else None

    async def run() -> dict[str, str]:
        database = open_database(url)
        try:
            await upgrade(database)
            desk = DecisionDesk(database, signer)
            if args.decide_action == "return":
                decision = Decision(DecisionKind.RETURNED, records or (), reason=args.reason)
                return {args.region: await desk.issue(args.region, decision, args.actor)}
            decree = Decree(args.decree_number, args.decree_date, args.period)
            if records is not None:
                if not args.region or len(args.region) != 1:
                    raise InvalidInput("--records needs exactly one --region",
                                       reason="invalid", field="region")
                decision = Decision(DecisionKind.DETERMINED, records, decree)
                return {args.region[0]: await desk.issue(args.region[0], decision, args.actor)}
            return await desk.determine_period(decree, args.actor, regions=args.region)
        finally:
            await database.dispose()

    issued = asyncio.run(run())
    if not issued:
        print("nothing to decide: no received, undecided records")
        return 0
    kind = "returned" if args.decide_action == "return" else "determined"
    for region, message_id in sorted(issued.items()):
        print(f"{region}: {kind}, decision {message_id} signed and queued for the node")
    return 0


def _prune(args: argparse.Namespace) -> int:
    from gateway.adapters.database import open_database
    from gateway.inbox.maintenance import prune_receipts

    if args.max_age_days < 30:
        raise ConfigError("--max-age-days below the inbox's 30-day window would let a replay "
                          "through: a pruned receipt's message must already be too old")

    async def run() -> int:
        database = open_database(database_url(args.db_url))
        try:
            pruned = await prune_receipts(database,
                                          max_age=dt.timedelta(days=args.max_age_days))
        finally:
            await database.dispose()
        print(f"pruned {pruned.receipts} inbox receipts with message_ts before "
              f"{pruned.cutoff.isoformat(timespec='seconds')}")
        return 0

    return asyncio.run(run())
