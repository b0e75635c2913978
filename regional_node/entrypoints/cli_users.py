"""``siks node user add --username U --role ROLE --scope REGION [--password-stdin]``: the
command both services share (``service_kit.cli_users``), storing into this node's database;
creating a user is written to the audit chain.
"""

from __future__ import annotations

import argparse
import asyncio

from regional_node.config import PREFIX
from schema.accounts import PERSON_ROLES
from schema.roles import Role
from service_kit.cli_users import actor_name, add_user_command, created, new_user


def register(commands: argparse._SubParsersAction) -> None:
    add_user_command(commands, where="at this node", handler=_add,
                     roles=PERSON_ROLES, permissions=False,  # as users.ACCOUNTS (a test holds it)
                     db_help=f"sqlite:///path/node.db or postgresql://… (env {PREFIX}DB_URL)")


def _add(args: argparse.Namespace) -> int:
    from regional_node.adapters.database import open_database
    from regional_node.config import database_url
    from regional_node.domain.audit import Actor
    from regional_node.service_layer.unit_of_work import UnitOfWork
    from regional_node.service_layer.users import add_user

    new = new_user(args)
    actor = Actor(actor_name(args), Role.SYSTEM.value)
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

    print(created(new, asyncio.run(run())))
    return 0
