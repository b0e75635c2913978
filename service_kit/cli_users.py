"""``siks node user add`` and ``siks gateway user add``: one command, built for each service.

The password is read from a file with ``--password-file`` (its first line; a Docker secret),
from standard input with ``--password-stdin`` (one line), otherwise asked for twice on the
terminal; it never appears on the command line. What differs is passed in: where the database
is, the roles it allows and whether users there hold permissions (its
``service_kit.accounts.UserAccounts``' ``roles`` and ``permissions``; passed as plain values so
that ``siks --help`` imports no database code), and the function that stores the user.
"""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Callable, Collection

from schema.accounts import NewUser
from schema.errors import InvalidInput
from schema.roles import Role
from service_kit.password_input import add_password_options, read_password

__all__ = ["actor_name", "add_user_command", "created", "new_user"]


def add_user_command(commands: argparse._SubParsersAction, *, where: str, db_help: str,
                     roles: Collection[Role], permissions: bool,
                     handler: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
    """``user add`` under ``commands``; ``where``: "at this node", "at the gateway"."""
    user = commands.add_parser("user", help=f"manage the people who log in {where}")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="COMMAND")
    add = user_commands.add_parser("add", help="create a user with a role and a scope")
    add.add_argument("--db", dest="db_url", metavar="URL", help=db_help)
    add.add_argument("--username", required=True)
    add.add_argument("--role", required=True,
                     choices=[role.value for role in Role if role in roles])
    add.add_argument("--scope", metavar="REGION",
                     help="a desa, kecamatan, kab/kota or province code (none: national)")
    add.add_argument("--households", metavar="IDS",
                     help="PENDAMPING: comma-separated ids of assigned households")
    add.add_argument("--programs", metavar="NAMES",
                     help="MITRA: comma-separated programs it may cross-check (e.g. PKH,BPNT)")
    if permissions:
        add.add_argument("--permissions", metavar="NAMES",
                         help="KEMENSOS: 'decide' lets the user sign national decisions "
                              "(determineRecords, returnRecords)")
    add_password_options(add)
    add.add_argument("--actor", default=None, help="who is creating the user (for the audit)")
    add.set_defaults(handler=handler)
    return add


def new_user(args: argparse.Namespace) -> NewUser:
    """The user the arguments describe (the password read as the options say)."""
    return NewUser(username=args.username, password=read_password(args), role=Role(args.role),
                   region=args.scope, programs=_names(args.programs),
                   household_ids=_ids(args.households),
                   permissions=_names(getattr(args, "permissions", None)))


def actor_name(args: argparse.Namespace) -> str:
    return args.actor or f"cli:{getpass.getuser()}"


def created(user: NewUser, user_id: int) -> str:
    """The line printed once ``user`` is stored."""
    return (f"user {user.username} ({user.role}, scope {user.region or 'national'}"
            f"{', programs ' + ','.join(user.programs) if user.programs else ''}"
            f"{', may ' + ','.join(user.permissions) if user.permissions else ''}) created, "
            f"id {user_id}; log in with POST /auth/login")


def _names(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def _ids(text: str | None) -> tuple[int, ...]:
    if not text:
        return ()
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise InvalidInput("--households takes comma-separated numbers", reason="malformed",
                           field="households") from None
