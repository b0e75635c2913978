"""``siks gateway user add --username U --role ROLE [--scope REGION] [--programs P,Q]
[--password-stdin]``: people who log in at the gateway (Kemensos, partner ministries).

The password is read from a file with ``--password-file`` (its first line; a Docker secret),
from standard input with ``--password-stdin`` (one line), otherwise
asked for twice on the terminal; it never appears on the command line. Creating a user is
written to the gateway's audit chain (``user.create``).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass

from gateway.config import PREFIX
from schema.errors import InvalidInput
from schema.roles import Role
from service_kit.password_input import add_password_options, read_password

PERSON_ROLES = [role.value for role in Role if role not in (Role.SYSTEM, Role.PUBLIC)]


def register(commands: argparse._SubParsersAction) -> None:
    user = commands.add_parser("user", help="manage the people who log in at the gateway")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="COMMAND")
    add = user_commands.add_parser("add", help="create a user with a role and a scope")
    add.add_argument("--db", dest="db_url", metavar="URL",
                     help=f"sqlite:///gateway.db or postgresql://… (env {PREFIX}DB_URL)")
    add.add_argument("--username", required=True)
    add.add_argument("--role", required=True, choices=PERSON_ROLES)
    add.add_argument("--scope", metavar="REGION",
                     help="a desa, kecamatan, kab/kota or province code (none: national)")
    add.add_argument("--households", metavar="IDS",
                     help="PENDAMPING: comma-separated ids of assigned households")
    add.add_argument("--programs", metavar="NAMES",
                     help="MITRA: comma-separated programs it may cross-check (e.g. PKH,BPNT)")
    add.add_argument("--permissions", metavar="NAMES",
                     help="KEMENSOS: 'decide' lets the user sign national decisions "
                          "(determineRecords, returnRecords)")
    add_password_options(add)
    add.add_argument("--actor", default=None, help="who is creating the user (for the audit)")
    add.set_defaults(handler=_add)


def _ids(text: str | None) -> tuple[int, ...]:
    if not text:
        return ()
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise InvalidInput("--households takes comma-separated numbers", reason="malformed",
                           field="households") from None


def _add(args: argparse.Namespace) -> int:
    from gateway.adapters.database import open_database
    from gateway.adapters.migrations import upgrade
    from gateway.config import database_url
    from gateway.identity.users import NewUser, add_user

    new = NewUser(username=args.username, password=read_password(args),
                  role=Role(args.role), region=args.scope,
                  programs=tuple(p.strip() for p in (args.programs or "").split(",")
                                 if p.strip()),
                  household_ids=_ids(args.households),
                  permissions=tuple(p.strip() for p in (args.permissions or "").split(",")
                                    if p.strip()))
    actor = args.actor or f"cli:{getpass.getuser()}"
    url = database_url(args.db_url)

    async def run() -> int:
        database = open_database(url)
        try:
            await upgrade(database)
            return await add_user(database, new, actor=actor)
        finally:
            await database.dispose()

    user_id = asyncio.run(run())
    print(f"user {new.username} ({new.role}, scope {new.region or 'national'}"
          f"{', programs ' + ','.join(new.programs) if new.programs else ''}"
          f"{', may ' + ','.join(new.permissions) if new.permissions else ''}) created, "
          f"id {user_id}; log in with POST /auth/login")
    return 0
