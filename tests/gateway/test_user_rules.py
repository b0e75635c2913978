"""Issue 17: one user-account service (``service_kit.accounts``) for the node and the gateway,
so both refuse the same role, scope and program with the same reason and store nothing; what
differs is a parameter (the gateway's users hold permissions, the node's refuse them instead of
dropping them), and both commands are built by one builder (``service_kit.cli_users``)."""

from __future__ import annotations

import argparse

import pytest
from sqlalchemy import func, select

from gateway.adapters.database import Database
from gateway.adapters.orm import GatewayUser
from gateway.entrypoints import cli_users as gateway_cli
from gateway.identity import users as gateway_users
from regional_node.adapters.orm import UserAccount
from regional_node.domain.audit import Actor
from regional_node.entrypoints import cli_users as node_cli
from regional_node.service_layer import users as node_users
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.accounts import NewUser
from schema.errors import InvalidInput
from schema.roles import Role

PASSWORD = "correct horse battery staple"

REFUSED = [
    (NewUser("publik", PASSWORD, Role.PUBLIC), "role"),
    (NewUser("sistem", PASSWORD, Role.SYSTEM, "32.73"), "role"),
    (NewUser("operator.nasional", PASSWORD, Role.OPERATOR_DESA), "scope"),
    (NewUser("dinsos.nasional", PASSWORD, Role.DINSOS), "scope"),
    (NewUser("mitra.kosong", PASSWORD, Role.MITRA), "scope"),
    (NewUser("mitra.aneh", PASSWORD, Role.MITRA, programs=("PKH", "BANSOS_FIKTIF")), "program"),
    (NewUser("dinsos.decide", PASSWORD, Role.DINSOS, "32.73", permissions=("decide",)),
     "permission"),
]


async def _node_add(database: Database, user: NewUser) -> None:
    async with UnitOfWork(database, Actor("test:admin", "SYSTEM")) as uow:
        await node_users.add_user(uow, user)
        await uow.commit()


async def _count(database: Database, model: type) -> int:
    async with database.reader() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("gateway_db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("user", "reason"), REFUSED, ids=[u.username for u, _ in REFUSED])
async def test_both_services_refuse_the_same_user_for_the_same_reason(
        database: Database, gateway_database: Database, user: NewUser, reason: str) -> None:
    with pytest.raises(InvalidInput) as at_node:
        await _node_add(database, user)
    with pytest.raises(InvalidInput) as at_gateway:
        await gateway_users.add_user(gateway_database, user, actor="test:admin")
    assert (at_node.value.reason, at_node.value.field) == (
        at_gateway.value.reason, at_gateway.value.field) == (reason, at_node.value.field)
    assert await _count(database, UserAccount) == 0
    assert await _count(gateway_database, GatewayUser) == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("gateway_db_url", ["sqlite"], indirect=True)
async def test_permissions_are_the_gateways_and_the_node_refuses_rather_than_drops_them(
        database: Database, gateway_database: Database) -> None:
    kemensos = NewUser("kemensos", PASSWORD, Role.KEMENSOS, permissions=("decide",))
    with pytest.raises(InvalidInput) as at_node:
        await _node_add(database, kemensos)
    assert at_node.value.reason == "permission"
    await gateway_users.add_user(gateway_database, kemensos, actor="test:admin")
    principal = await gateway_users.authenticate(gateway_database, "kemensos", PASSWORD)
    assert principal.permissions == ("decide",)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("gateway_db_url", ["sqlite"], indirect=True)
async def test_the_same_user_is_stored_and_logs_in_at_both(
        database: Database, gateway_database: Database) -> None:
    mitra = NewUser("mitra.kementan", PASSWORD, Role.MITRA, programs=("PKH",))
    await _node_add(database, mitra)
    await gateway_users.add_user(gateway_database, mitra, actor="test:admin")
    at_node = await node_users.authenticate(database, "mitra.kementan", PASSWORD)
    at_gateway = await gateway_users.authenticate(gateway_database, "mitra.kementan", PASSWORD)
    assert at_node == at_gateway == mitra.principal()


def _parser(register) -> argparse.ArgumentParser:  # type: ignore[no-untyped-def]
    parser = argparse.ArgumentParser(prog="siks", exit_on_error=False)
    register(parser.add_subparsers(dest="command"))
    return parser


def _add_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    def sub(p: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
        action = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))
        return action.choices[name]
    return sub(sub(parser, "user"), "add")


def test_one_command_builder_offers_the_same_roles_and_permissions_only_at_the_gateway(
        capsys: pytest.CaptureFixture[str]) -> None:
    node, gateway = _parser(node_cli.register), _parser(gateway_cli.register)
    for parser, accounts in ((node, node_users.ACCOUNTS), (gateway, gateway_users.ACCOUNTS)):
        add = _add_parser(parser)
        roles = next(a.choices for a in add._actions if a.dest == "role")
        assert set(roles or ()) == {role.value for role in accounts.roles}
        assert any(a.dest == "permissions" for a in add._actions) is accounts.permissions
    for parser in (node, gateway):
        with pytest.raises(SystemExit):
            parser.parse_args(["user", "add", "--username", "x", "--role", "PUBLIC"])
        assert "invalid choice: 'PUBLIC'" in capsys.readouterr().err
    arguments = ["user", "add", "--username", "k", "--role", "KEMENSOS",
                 "--programs", "PKH, BPNT", "--permissions", "decide"]
    assert gateway.parse_args(arguments).permissions == "decide"
    with pytest.raises(SystemExit):
        node.parse_args(arguments)
    assert "unrecognized arguments: --permissions decide" in capsys.readouterr().err
