"""``siks gateway rules list|import``: the double-benefit rule table (docs/partners.md), as
``siks gateway catalogue`` for the benefit amounts."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path


def register(commands: argparse._SubParsersAction) -> None:
    from gateway.entrypoints.cli import _db_option

    rules = commands.add_parser("rules", help="the double-benefit rules the cross-check and "
                                              "the overlap report apply: list, or import")
    sub = rules.add_subparsers(dest="rules_action", required=True, metavar="ACTION")
    listing = sub.add_parser("list", help="print the rules (or --json: as an import file)")
    listing.add_argument("--json", action="store_true", help="print them as a rules file")
    listing.set_defaults(handler=_list)
    imported = sub.add_parser("import", help="replace the rules with a JSON file (checked "
                                             "whole first; audited)")
    imported.add_argument("file", type=Path)
    imported.add_argument("--actor", default="cli:kemensos",
                          help="who imports, for the audit log (default cli:kemensos)")
    imported.set_defaults(handler=_import)
    for parser in (listing, imported):
        _db_option(parser)


def _list(args: argparse.Namespace) -> int:
    from gateway.adapters.rule_store import RuleStore
    from gateway.entrypoints.cli import _services
    from gateway.service_layer.benefit_rules import to_json
    from gateway.service_layer.services import GatewayServices

    async def run() -> int:
        async with _services(args) as services:
            assert isinstance(services, GatewayServices)
            rules = await RuleStore(services.database).all()
        if args.json:
            print(to_json(rules), end="")
            return 0
        print(f"{'program':<20} {'excludes':<20} {'scope':<10} legal basis")
        for r in rules:
            print(f"{r.program:<20} {r.excludes:<20} {r.scope.value:<10} {r.legal_basis}")
        return 0

    return asyncio.run(run())


def _import(args: argparse.Namespace) -> int:
    from gateway.adapters.rule_store import RuleStore
    from gateway.entrypoints.cli import _services
    from gateway.service_layer.benefit_rules import read_rules
    from gateway.service_layer.services import GatewayServices

    rules = read_rules(args.file)  # a bad file: one line, nothing opened

    async def run() -> None:
        async with _services(args) as services:
            assert isinstance(services, GatewayServices)
            await RuleStore(services.database).replace(
                rules, actor=args.actor, role="KEMENSOS",
                file_text=args.file.read_text("utf-8"))

    asyncio.run(run())
    print(f"aturan diganti: {len(rules)} aturan / rules replaced: {len(rules)} rules")
    return 0
