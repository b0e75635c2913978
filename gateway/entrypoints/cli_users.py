"""``siks gateway user add --username U --role ROLE [--scope REGION] [--programs P,Q]
[--permissions decide] [--password-stdin]``: people who log in at the gateway (Kemensos,
partner ministries). The command both services share (``service_kit.cli_users``), storing into
the gateway's database; creating a user is written to the gateway's audit chain
(``user.create``).
"""

from __future__ import annotations

import argparse
import asyncio

from gateway.config import PREFIX
from schema.accounts import PERSON_ROLES
from service_kit.cli_users import actor_name, add_user_command, created, new_user


def register(commands: argparse._SubParsersAction) -> None:
    add_user_command(commands, where="at the gateway", handler=_add,
                     roles=PERSON_ROLES, permissions=True,  # as users.ACCOUNTS (a test holds it)
                     db_help=f"sqlite:///gateway.db or postgresql://… (env {PREFIX}DB_URL)")


def _add(args: argparse.Namespace) -> int:
    from gateway.adapters.database import open_database
    from gateway.adapters.migrations import upgrade
    from gateway.config import database_url
    from gateway.identity.users import add_user

    new = new_user(args)
    actor = actor_name(args)
    url = database_url(args.db_url)

    async def run() -> int:
        database = open_database(url)
        try:
            await upgrade(database)
            return await add_user(database, new, actor=actor)
        finally:
            await database.dispose()

    print(created(new, asyncio.run(run())))
    return 0
