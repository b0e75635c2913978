"""``siks offline``: take a desa's work offline and bring it back.

    siks offline export --desa 32.73.01.1001 --output pkg.xlsx --actor op-1001 [--db … --region …]
    siks offline add-proposal pkg.json --kind GRADUATION --household 12 --reason "mampu"
    siks offline act-report pkg.json REPORT_ID --action DISMISS --reason "…"
    siks offline attach pkg.json minutes.pdf
    siks offline show pkg.json
    siks offline import pkg.xlsx --actor op-1001 [--attach minutes.pdf] [--report out.csv]

``export`` and ``import`` run at the node (they need its database); the editing commands work
on a JSON package with no connection at all. ``--actor`` names a node user account: its role
and scope decide what the package shows and what the import may do.

Exit status of ``import``: 0 when every row is applied (now or before), 1 when some rows are
conflicts or errors (listed; the others are applied), 2 when the whole file is refused.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import mimetypes
import os
import sys
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from regional_node.entrypoints.cli import add_database_options, config_from

if TYPE_CHECKING:
    from regional_node.adapters.database import Database
    from regional_node.domain.offline_package import ImportReport
    from schema.roles import Principal


def register(commands: argparse._SubParsersAction) -> None:
    offline = commands.add_parser("offline", help="take a desa's work offline and import it back")
    sub = offline.add_subparsers(dest="offline_command", required=True, metavar="COMMAND")
    export = sub.add_parser("export", help="write a desa work package (.xlsx or .json)")
    add_database_options(export)
    export.add_argument("--desa", required=True, help="the desa code, e.g. 32.73.01.1001")
    export.add_argument("--output", required=True, type=Path, help="pkg.xlsx or pkg.json")
    export.add_argument("--actor", required=True, help="the node user taking the work away")
    export.set_defaults(handler=_export)
    imp = sub.add_parser("import", help="apply a filled work package (idempotent)")
    add_database_options(imp)
    imp.add_argument("file", type=Path)
    imp.add_argument("--actor", required=True, help="the node user bringing the work back")
    imp.add_argument("--attach", action="append", type=Path, default=[], metavar="FILE",
                     help="a file a proposal names by SHA-256 (e.g. Musdes minutes); repeat")
    imp.add_argument("--report", type=Path, metavar="CSV", help="write every row's outcome")
    imp.set_defaults(handler=_import)
    _add_editing(sub)


def _add_editing(sub: argparse._SubParsersAction) -> None:
    add = sub.add_parser("add-proposal", help="add a proposal to a JSON package (offline)")
    add.add_argument("package", type=Path)
    add.add_argument("--kind", required=True)
    add.add_argument("--id", help="its UUID (default: a new one)")
    for name in ("household", "member", "date", "program", "period", "reason", "destination",
                 "kk", "address", "desil", "base-version", "musdes-date", "musdes-number",
                 "from-report", "note"):
        add.add_argument(f"--{name}")
    add.add_argument("--musdes-file", type=Path, help="the minutes, carried in the package")
    add.add_argument("--person", action="append", default=[], metavar="K=V,…",
                     help="nik=…,name=…,birth_date=…,sex=…,relationship=… (repeat)")
    add.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                     help="a household correction (DATA_CORRECTION); repeat")
    add.add_argument("--member-set", action="append", default=[], metavar="ID:FIELD=VALUE",
                     help="a member correction (DATA_CORRECTION); repeat")
    add.add_argument("--submit", action="store_true", help="submit it right after the import")
    add.set_defaults(handler=_add_proposal)
    act = sub.add_parser("act-report", help="resolve or dismiss a community report (offline)")
    act.add_argument("package", type=Path)
    act.add_argument("report_id")
    act.add_argument("--action", required=True, choices=["RESOLVE", "DISMISS"])
    act.add_argument("--reason", required=True)
    act.set_defaults(handler=_act_report)
    attach = sub.add_parser("attach", help="carry a file (Musdes minutes) in a JSON package")
    attach.add_argument("package", type=Path)
    attach.add_argument("file", type=Path)
    attach.add_argument("--media-type", help="default: from the file name")
    attach.set_defaults(handler=_attach)
    show = sub.add_parser("show", help="summarise a package and check what was filled in")
    show.add_argument("package", type=Path)
    show.set_defaults(handler=_show)


# --- export / import (at the node) ----------------------------------------------------------

async def _principal(database: Database, username: str) -> Principal:
    from sqlalchemy import select

    from regional_node.adapters.orm import UserAccount
    from regional_node.errors import NotFound
    from schema.roles import Principal, Role

    name = username.removeprefix("user:")
    async with database.reader() as session:
        row = await session.scalar(select(UserAccount).where(UserAccount.username == name))
    if row is None or not row.active:
        raise NotFound(f"no active user {name!r} on this node (siks node user add …)")
    return Principal(f"user:{row.username}", Role(row.role), row.region,
                     tuple(row.programs or ()), tuple(row.household_ids or ()))


async def _open(args: argparse.Namespace) -> tuple[Database, str]:
    from regional_node.adapters.database import open_database
    from regional_node.entrypoints.cli_reports import require_region

    config = config_from(args)
    database = open_database(config.db_url)
    try:
        await require_region(database, config.region)
    except BaseException:
        await database.dispose()
        raise
    return database, config.region


def _export(args: argparse.Namespace) -> int:
    from regional_node.adapters.offline_formats import PackageFormat, write
    from regional_node.service_layer.clock import SYSTEM_CLOCK
    from regional_node.service_layer.offline_export import export_package
    from regional_node.service_layer.proposals import actor_of
    from regional_node.service_layer.unit_of_work import UnitOfWork

    form = PackageFormat.of_path(args.output)

    async def run() -> Any:
        database, region = await _open(args)
        try:
            principal = await _principal(database, args.actor)
            async with UnitOfWork(database, actor_of(principal)) as uow:
                exported = await export_package(uow, principal, args.desa, region,
                                                SYSTEM_CLOCK.now())
                await uow.commit()
            return exported
        finally:
            await database.dispose()

    exported = asyncio.run(run())
    _write_atomically(args.output, write(exported, form))
    print(f"wrote {args.output}: desa {exported.meta.desa_code}, "
          f"{len(exported.households)} households, {len(exported.pending_proposals)} open "
          f"proposals, {len(exported.community_reports)} open community reports "
          f"(package {exported.meta.package_id})")
    return 0


def _import(args: argparse.Namespace) -> int:
    from regional_node.adapters.offline_formats import read
    from regional_node.domain.offline_package import AttachmentItem
    from regional_node.service_layer.clock import SYSTEM_CLOCK
    from regional_node.service_layer.offline_import import import_package

    content = args.file.read_bytes()
    package, form = read(content)
    for path in args.attach:
        data = path.read_bytes()
        package.attachments[hashlib.sha256(data).hexdigest()] = AttachmentItem(
            data, _media_type(path, None), path.name)

    async def run() -> ImportReport:
        database, region = await _open(args)
        try:
            principal = await _principal(database, args.actor)
            return await import_package(database, principal, package, region,
                                        SYSTEM_CLOCK.now(),
                                        file_sha256=hashlib.sha256(content).hexdigest(),
                                        file_format=form.value)
        finally:
            await database.dispose()

    report = asyncio.run(run())
    print(report.summary())
    for outcome in report.outcomes:
        if outcome.outcome.value in ("CONFLICT", "ERROR"):
            print(f"  {outcome.sheet} row {outcome.row}: {outcome.outcome.value}: "
                  f"{outcome.reason}")
    if args.report is not None:
        with args.report.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["sheet", "row", "id", "outcome", "reason"])
            for o in report.outcomes:
                writer.writerow([o.sheet, o.row, o.item_id or "", o.outcome.value, o.reason])
    return 0 if report.clean else 1


# --- editing a JSON package (offline) ------------------------------------------------------

def _load(path: Path) -> dict[str, Any]:
    from regional_node.adapters.offline_json import load

    return load(path.read_bytes())


def _save(path: Path, document: dict[str, Any]) -> None:
    from regional_node.adapters.offline_json import dump

    _write_atomically(path, dump(document))


def _write_atomically(path: Path, content: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent or Path("."), prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _media_type(path: Path, given: str | None) -> str:
    return given or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _pairs(text: str, option: str) -> dict[str, str]:
    from schema.errors import InvalidInput

    pairs = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if not sep:
            raise InvalidInput(f"{option} {text!r}: expected KEY=VALUE,…", reason="malformed",
                               field=option)
        pairs[key.strip()] = value.strip()
    return pairs


def _add_proposal(args: argparse.Namespace) -> int:
    from regional_node.adapters.offline_json import (
        add_attachment,
        add_proposal,
        meta_of,
        versions_of,
    )
    from regional_node.domain.offline_package import RowRef
    from regional_node.domain.offline_rows import Row, RowError, proposal_item
    from schema.errors import InvalidInput

    document = _load(args.package)
    pid = args.id or str(uuid.uuid4())
    ref = RowRef("add-proposal", 1)
    minutes = None
    if args.musdes_file is not None:
        minutes = add_attachment(document, args.musdes_file.read_bytes(),
                                 _media_type(args.musdes_file, None), args.musdes_file.name)
    values = {"id": pid, "kind": args.kind, "from_report": args.from_report,
              "household_id": args.household, "base_version": args.base_version,
              "member_id": args.member, "date": args.date, "program": args.program,
              "period": args.period, "reason": args.reason, "destination": args.destination,
              "kk_number": args.kk, "address": args.address, "desil": args.desil,
              "musdes_held_on": args.musdes_date, "musdes_minutes_number": args.musdes_number,
              "musdes_minutes_sha256": minutes, "note": args.note,
              "submit": "yes" if args.submit else "no"}
    people = [Row(ref, {**_pairs(text, "--person"), "proposal_id": pid})
              for text in args.person]
    changes = [Row(ref, {"proposal_id": pid, "member_id": None, "field": f, "value": v})
               for f, v in (_pairs(text, "--set").popitem() for text in args.set)]
    for text in args.member_set:
        member, _, change = text.partition(":")
        field, value = _pairs(change, "--member-set").popitem()
        changes.append(Row(ref, {"proposal_id": pid, "member_id": member, "field": field,
                                 "value": value}))
    try:
        item = proposal_item(Row(ref, values), people, changes, meta_of(document),
                             versions_of(document))
    except RowError as exc:
        raise InvalidInput(str(exc), reason="invalid_row", field="proposal") from None
    add_proposal(document, item)
    _save(args.package, document)
    print(f"added {item.kind} proposal {item.id}")
    return 0


def _act_report(args: argparse.Namespace) -> int:
    from regional_node.adapters.offline_json import add_report_action
    from regional_node.domain.offline_package import RowRef
    from regional_node.domain.offline_rows import Row, RowError, report_action_item
    from schema.errors import InvalidInput

    document = _load(args.package)
    known = {r["id"] for r in document.get("reference", {}).get("community_reports", [])}
    try:
        item = report_action_item(Row(RowRef("act-report", 1), {
            "report_id": args.report_id, "action": args.action, "reason": args.reason}))
    except RowError as exc:
        raise InvalidInput(str(exc), reason="invalid_row", field="report") from None
    if item.report_id not in known:
        raise InvalidInput(f"report {item.report_id} is not among the package's open reports",
                           reason="unknown_report", field="report")
    add_report_action(document, item)
    _save(args.package, document)
    print(f"report {item.report_id}: {item.action} recorded")
    return 0


def _attach(args: argparse.Namespace) -> int:
    from regional_node.adapters.offline_json import add_attachment

    document = _load(args.package)
    sha = add_attachment(document, args.file.read_bytes(),
                         _media_type(args.file, args.media_type), args.file.name)
    _save(args.package, document)
    print(sha)
    return 0


def _show(args: argparse.Namespace) -> int:
    from regional_node.adapters.offline_formats import read

    package, form = read(args.package.read_bytes())
    meta = package.meta
    print(f"{form.value} package {meta.package_id}: desa {meta.desa_code} of {meta.region}, "
          f"exported {meta.exported_at} by {meta.exported_by}")
    print(f"  {len(package.household_versions)} households; filled in: "
          f"{len(package.proposals)} proposals, {len(package.report_actions)} report actions, "
          f"{len(package.attachments)} attachments")
    for item in package.proposals:
        print(f"  {item.ref.sheet} row {item.ref.row}: {item.kind} {item.id}"
              + (" (submit)" if item.submit else ""))
    for problem in package.problems:
        print(f"  {problem.ref.sheet} row {problem.ref.row}: cannot be read: {problem.reason}",
              file=sys.stderr)
    return 1 if package.problems else 0
