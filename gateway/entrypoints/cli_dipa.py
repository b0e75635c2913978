"""``siks gateway catalogue list|import`` (the benefit amounts) and ``siks gateway dipa
export`` (the DIPA of a period as XLSX or CSV, through the same service as the ``dipa``
query, asking every registered node). docs/dipa.md."""

from __future__ import annotations

import argparse
import asyncio
import uuid
from pathlib import Path

DEFAULT_DEADLINE_MS = 60_000


def register(commands: argparse._SubParsersAction) -> None:
    from gateway.entrypoints.cli import _db_option, _pki_option

    catalogue = commands.add_parser("catalogue", help="the benefit amounts the DIPA is priced "
                                                      "with: list, or import a file")
    sub = catalogue.add_subparsers(dest="catalogue_action", required=True, metavar="ACTION")
    listing = sub.add_parser("list", help="print the catalogue (or --json: as an import file)")
    listing.add_argument("--json", action="store_true", help="print it as a catalogue file")
    listing.set_defaults(handler=_list)
    imported = sub.add_parser("import", help="replace the catalogue with a JSON file "
                                             "(checked whole first; audited)")
    imported.add_argument("file", type=Path)
    imported.add_argument("--actor", default="cli:kemensos",
                          help="who imports, for the audit log (default cli:kemensos)")
    imported.set_defaults(handler=_import)
    for parser in (listing, imported):
        _db_option(parser)

    dipa = commands.add_parser("dipa", help="the DIPA of a period")
    dipa_sub = dipa.add_subparsers(dest="dipa_action", required=True, metavar="ACTION")
    export = dipa_sub.add_parser("export", help="ask every node and write XLSX or CSV")
    export.add_argument("--period", required=True, metavar="YYYY-S1",
                        help="the DTKS period, e.g. 2026-S1")
    export.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    export.add_argument("--output", type=Path, required=True, metavar="FILE")
    export.add_argument("--program", action="append", metavar="PROGRAM",
                        help="only this program (repeatable; default: all)")
    export.add_argument("--region", action="append", metavar="CODE",
                        help="only this province or kab/kota (repeatable; default: all)")
    export.add_argument("--deadline-ms", type=int, default=DEFAULT_DEADLINE_MS,
                        help=f"how long to wait for the nodes (default {DEFAULT_DEADLINE_MS})")
    _db_option(export)
    _pki_option(export)
    export.set_defaults(handler=_export)


def _list(args: argparse.Namespace) -> int:
    from gateway.adapters.catalogue_store import CatalogueStore
    from gateway.entrypoints.cli import _services
    from gateway.service_layer.catalogue import to_json
    from gateway.service_layer.services import GatewayServices

    async def run() -> int:
        async with _services(args) as services:
            assert isinstance(services, GatewayServices)
            rates = await CatalogueStore(services.database).all()
        if args.json:
            print(to_json(rates), end="")
            return 0
        print(f"{'program':<8} {'component':<18} {'period':<8} {'unit':<17} {'amount':>12}  "
              "legal basis")
        for r in rates:
            print(f"{r.program:<8} {r.component or '-':<18} {r.period:<8} {r.unit.value:<17} "
                  f"{r.amount:>12,}  {r.legal_basis}")
        return 0

    return asyncio.run(run())


def _import(args: argparse.Namespace) -> int:
    from gateway.adapters.catalogue_store import CatalogueStore
    from gateway.entrypoints.cli import _services
    from gateway.service_layer.catalogue import read_catalogue
    from gateway.service_layer.services import GatewayServices

    rates = read_catalogue(args.file)  # a bad file: one line, nothing opened

    async def run() -> None:
        async with _services(args) as services:
            assert isinstance(services, GatewayServices)
            await CatalogueStore(services.database).replace(
                rates, actor=args.actor, role="KEMENSOS",
                file_text=args.file.read_text("utf-8"))

    asyncio.run(run())
    print(f"katalog diganti: {len(rates)} entri / catalogue replaced: {len(rates)} entries")
    return 0


def _export(args: argparse.Namespace) -> int:
    from gateway.entrypoints.cli import _services
    from gateway.federation.deadline import Deadline
    from gateway.federation.fanout import RequestScope
    from gateway.federation.node_client import CallMeta
    from gateway.service_layer.dipa import compute_dipa, region_label
    from gateway.service_layer.dipa_export import to_csv, to_xlsx
    from gateway.service_layer.services import GatewayServices
    from schema.benefits import parse_period
    from schema.roles import Principal, Role

    parse_period(args.period, "--period")  # one line before anything is opened
    principal = Principal(user_id="cli:kemensos", role=Role.KEMENSOS)

    async def run() -> int:
        async with _services(args) as services:
            assert isinstance(services, GatewayServices)
            scope = RequestScope(Deadline.after_ms(args.deadline_ms),
                                 CallMeta(f"dipa-{uuid.uuid4().hex[:8]}", principal))
            dipa = await compute_dipa(services, scope, args.period,
                                      programs=args.program, regions=args.region)
        args.output.write_bytes(to_xlsx(dipa) if args.format == "xlsx" else to_csv(dipa))
        print(f"{args.output}: DIPA {dipa.period.code}, {len(dipa.rows)} baris / rows")
        for missing in dipa.missing:
            print(f"TIDAK TERHITUNG / LEFT OUT: {missing.region} "
                  f"{region_label(missing.region)}: {missing.code} {missing.message}")
        return 1 if dipa.missing else 0

    return asyncio.run(run())
