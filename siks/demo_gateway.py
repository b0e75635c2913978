"""The gateway part of ``siks demo``: a development PKI, an mTLS listener on every demo node,
the national gateway over them (GraphiQL on plain HTTP on localhost), and demo logins.

Nobody is national staff by default: a visitor without a token is the public (cekbansos
searches only). The demo creates users once — ``kemensos`` and ``mitra-kementan`` (and
``dinsos-3273``) at the gateway, ``dinsos-3273`` and an ``operator-…`` at the first node —
with generated passwords kept in ``<dir>/demo-logins.json`` (mode 0600), and prints how to
log in and paste the token into GraphiQL.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from certs.dev import DevPki, ensure_dev_pki
from schema.regions import RegionLevel, regions
from schema.roles import Role
from service_kit.listening import set_up

LOGINS_FILE = "demo-logins.json"
MITRA_PROGRAMS = ("PKH", "BPNT")


@dataclass(frozen=True, slots=True)
class DemoLogin:
    where: str  # "gateway" or a node's region
    username: str
    role: Role
    scope: str | None = None
    programs: tuple[str, ...] = ()
    permissions: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.where}/{self.username}"


def demo_logins(demo_regions: tuple[str, ...]) -> list[DemoLogin]:
    """Who the demo creates: national and partner staff at the gateway (and the first
    kab/kota's Dinas Sosial, to show the gateway narrowing to a region); at every node its
    Dinas Sosial, a village operator of its first desa and a pendamping of that kecamatan."""
    first = demo_regions[0]
    logins = [DemoLogin("gateway", "kemensos", Role.KEMENSOS, permissions=("decide",)),
              DemoLogin("gateway", "mitra-kementan", Role.MITRA, programs=MITRA_PROGRAMS),
              DemoLogin("gateway", f"dinsos-{first.replace('.', '')}", Role.DINSOS, first)]
    for region in demo_regions:
        logins += regional_logins(region)
    return logins


def regional_logins(region: str) -> list[DemoLogin]:
    desa = next(regions().descendants(region, RegionLevel.DESA)).code
    kecamatan = desa.rsplit(".", 1)[0]
    return [DemoLogin(region, f"dinsos-{region.replace('.', '')}", Role.DINSOS, region),
            DemoLogin(region, f"operator-{desa.replace('.', '')}", Role.OPERATOR_DESA, desa),
            DemoLogin(region, f"pendamping-{kecamatan.replace('.', '')}", Role.PENDAMPING,
                      kecamatan)]


def login_of(logins: list[DemoLogin], region: str, role: Role) -> DemoLogin:
    return next(lg for lg in logins if lg.where == region and lg.role is role)


def demo_passwords(directory: Path, logins: list[DemoLogin]) -> dict[str, str]:
    """Passwords per login, generated once and kept in ``demo-logins.json`` (0600)."""
    path = directory / LOGINS_FILE
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    missing = [login for login in logins if login.key not in stored]
    if missing or not path.exists():
        stored.update({login.key: secrets.token_urlsafe(12) for login in missing})
        path.write_text(json.dumps(stored, indent=2) + "\n")
    os.chmod(path, 0o600)
    return {login.key: stored[login.key] for login in logins}


async def create_gateway_logins(db_url: str, logins: list[DemoLogin],
                                passwords: dict[str, str]) -> None:
    """The gateway's demo users (once; the database is migrated first)."""
    from gateway.adapters.database import open_database
    from gateway.adapters.migrations import upgrade
    from gateway.identity.users import NewUser, add_user, user_exists

    database = open_database(db_url)
    try:
        await upgrade(database)
        for login in logins:
            if login.where == "gateway" and not await user_exists(database, login.username):
                await add_user(database, NewUser(login.username, passwords[login.key],
                                                 login.role, login.scope, login.programs,
                                                 permissions=login.permissions),
                               actor="system:demo")
    finally:
        await database.dispose()


async def create_node_logins(db_url: str, region: str, logins: list[DemoLogin],
                             passwords: dict[str, str]) -> None:
    """A node's demo users (once), written to its audit chain like any user."""
    from sqlalchemy import select

    from regional_node.adapters.database import open_database
    from regional_node.adapters.orm import UserAccount
    from regional_node.domain.audit import Actor
    from regional_node.service_layer.unit_of_work import UnitOfWork
    from regional_node.service_layer.users import NewUser, add_user

    database = open_database(db_url)
    try:
        for login in logins:
            if login.where != region:
                continue
            async with database.reader() as session:
                if await session.scalar(select(UserAccount.id).where(
                        UserAccount.username == login.username)) is not None:
                    continue
            async with UnitOfWork(database, Actor("system:demo", Role.SYSTEM.value)) as uow:
                await add_user(uow, NewUser(login.username, passwords[login.key], login.role,
                                            login.scope, login.programs))
                await uow.commit()
    finally:
        await database.dispose()


def login_help(logins: list[DemoLogin], passwords: dict[str, str], gateway_url: str,
               node_urls: dict[str, str], directory: Path, *,
               public_example: tuple[str, str]) -> list[str]:
    """``public_example``: a desa and the full name of a household head there, for the
    public's example search (cekbansos: a desa and the name as on the KTP)."""
    """The lines ``siks demo`` prints: who can log in where, and how to use the token."""
    lines = [f"Akun demo / demo logins (kata sandi di / passwords in {directory / LOGINS_FILE}, "
             "mode 0600):"]
    for login in logins:
        where = "gateway" if login.where == "gateway" else f"node {login.where}"
        scope = login.scope or "national"
        if login.programs:
            scope += f", programs {','.join(login.programs)}"
        if login.permissions:
            scope += f", may {','.join(login.permissions)}"
        lines.append(f"  {where:<11} {login.username:<22} {login.role.value:<14} "
                     f"{scope:<28} password: {passwords[login.key]}")
    kemensos = next(lg for lg in logins if lg.role is Role.KEMENSOS)
    base = gateway_url.removesuffix("/graphql")
    lines += [
        "Masuk di gateway (atau di node, dengan URL node) / log in at the gateway (or at a "
        "node, with its URL):",
        f"  curl -s -X POST {base}/auth/login -H 'Content-Type: application/json' "
        f"-d '{{\"username\": \"{kemensos.username}\", \"password\": "
        f"\"{passwords[kemensos.key]}\"}}'",
        "Lalu di GraphiQL buka tab Headers dan tempel / then in GraphiQL open the Headers tab "
        'and paste {"Authorization": "Bearer <access_token>"}  (token berlaku / a token lives '
        "15 min).",
        "Pilih desa menurut namanya / choose the desa by name: { provinces { code name } }, "
        "then kabkotas(province:), kecamatans(kabkota:), e.g.",
        f'  {{ desas(kecamatan: "{public_example[0].rsplit(".", 1)[0]}") {{ code name }} }}',
        "Tanpa token Anda publik (cekbansos): cari dengan desa dan nama lengkap sesuai KTP / "
        "without a token you are the public: search by desa and full name as on the KTP, e.g.",
        "  { households(filter: {region: "
        f'"{public_example[0]}", name: "{public_example[1]}"}}) {{ edges {{ node {{ status '
        "desaName head { name } programs { program } } } } }",
    ]
    for region, url in node_urls.items():
        if any(lg.where == region for lg in logins):
            lines.append(f"Petugas daerah masuk di node-nya / regional staff log in at their "
                         f"node: {url}/auth/login")
    return lines


async def a_public_example(db_url: str) -> tuple[str, str]:
    """The desa and full name of the first household head on a demo node."""
    from sqlalchemy import select

    from regional_node.adapters.database import open_database
    from regional_node.adapters.orm import Household, Member

    database = open_database(db_url)
    try:
        async with database.reader() as session:
            found = (await session.execute(
                select(Household.desa_code, Member.name)
                .join(Household, Member.household_id == Household.id)
                .where(Member.relationship == "HEAD").order_by(Household.id).limit(1))).first()
    finally:
        await database.dispose()
    return (str(found[0]), str(found[1])) if found else ("32.73.01.1001", "Siti Aminah")


def demo_pki(directory: Path, regions: tuple[str, ...]) -> DevPki:
    return ensure_dev_pki(directory / "pki", regions=regions)


def directory_secret(directory: Path) -> str:
    """The NIK directory's HMAC key for the demo, made once and kept beside the data."""
    path = directory / "gateway-directory.secret"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        os.chmod(path, 0o600)
    return path.read_text().strip()


async def start_gateway(directory: Path, pki: DevPki, node_urls: dict[str, str], *,
                        host: str, port: int, inbox_port: int) -> web.AppRunner:
    from gateway.config import GatewayConfig
    from gateway.entrypoints.app import SERVICES, create_app, refresh_snapshots

    nodes_file = directory / "gateway-nodes.txt"
    nodes_file.write_text("".join(f"{region} {url}\n" for region, url in node_urls.items()))
    config = GatewayConfig(db_url=f"sqlite:///{directory / 'gateway.sqlite'}",
                           directory_secret=directory_secret(directory), host=host, port=port,
                           pki_dir=pki.layout.root, nodes_file=nodes_file,
                           data_dir=directory / "gateway-data")
    # the principal comes only from a verified token; the inbox takes the nodes' submissions
    app = create_app(config, inbox_port=inbox_port)
    runner = web.AppRunner(app)
    await set_up(runner, lambda: web.TCPSite(runner, host, port).start())
    await refresh_snapshots(app[SERVICES])  # rollups and NIK directory ready at once
    return runner
