"""``siks node user add --username U --role ROLE --scope REGION [--password-stdin]``.

The password is read from a file with ``--password-file`` (its first line; a Docker secret),
from standard input with ``--password-stdin`` (one line), otherwise
asked for twice on the terminal; it never appears on the command line. Creating a user is
written to the audit chain.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass

from schema.errors import InvalidInput
from schema.roles import Role
from service_kit.password_input import add_password_options, read_password

PERSON_ROLES = [role.value for role in Role if role not in (Role.SYSTEM, Role.PUBLIC)]


def register(commands: argparse._SubParsersAction) -> None:
    from regional_node.entrypoints.cli import add_database_options

    user = commands.add_parser("user", help="manage the people who log in at this node")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="COMMAND")
    add = user_commands.add_parser("add", help="create a user with a role and a scope")
    add_database_options(add, region=False)
    add.add_argument("--username", required=True)
    add.add_argument("--role", required=True, choices=PERSON_ROLES)
    add.add_argument("--scope", metavar="REGION",
                     help="a desa, kecamatan, kab/kota or province code (none: national)")
    add.add_argument("--households", metavar="IDS",
                     help="PENDAMPING: comma-separated ids of assigned households")
    add.add_argument("--programs", metavar="NAMES", help="MITRA: comma-separated programs")
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
    from regional_node.adapters.database import open_database
    from regional_node.config import database_url
    from regional_node.domain.audit import Actor
    from regional_node.service_layer.unit_of_work import UnitOfWork
    from regional_node.service_layer.users import NewUser, add_user

    new = NewUser(username=args.username, password=read_password(args),
                  role=Role(args.role), region=args.scope,
                  programs=tuple(p for p in (args.programs or "").split(",") if p),
                  household_ids=_ids(args.households))
    actor = Actor(args.actor or f"cli:{getpass.getuser()}", Role.SYSTEM.value)
    url = database_url(args.db_url)

    async def run() -> int:
        database = open_database(url)
        try:
            async with UnitOfWork(database, actor) as uow:
                user_id = await add_user(uow, new)
                await uow.commit()
        finally:
            await database.dispose()
        return user_id

    user_id = asyncio.run(run())
    print(f"user {new.username} ({new.role}, scope {new.region or 'national'}) created, "
          f"id {user_id}")
    return 0
