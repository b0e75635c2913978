"""The Operator Desa's households at the node: the list of the desa (search by a name, 20 a
page), and one household's detail (members, programs). The node's schema decides what the
session's principal may see: an operator, the households of the desa; a Dinas Sosial user,
those of the kab/kota."""

from __future__ import annotations

from aiohttp import web

from service_kit.web.login import require_login
from service_kit.web.pages import messages, page, run, text

PAGE_SIZE = 20
LIST = """query RumahTangga($filter: HouseholdFilter, $first: Int!, $after: String) {
  households(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { node { id kkNumber desaName address status desil head { name } } }
    pageInfo { hasNextPage endCursor } } }"""
DETAIL = """query RumahTanggaRinci($id: ID!) {
  household(id: $id) {
    id kkNumber desaName kecamatanName address status desil decree { number date period }
    members { name nik relationship birthDate sex alive }
    programs { program period active } } }"""


async def home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther("/web/rumah-tangga")


async def household_list(request: web.Request) -> web.Response:
    await require_login(request)
    name = request.query.get("nama", "").strip()
    after = request.query.get("setelah", "").strip() or None
    outcome = await run(request, LIST, filter={"name": name} if name else None,
                        first=PAGE_SIZE, after=after)
    found = (outcome.data or {}).get("households")
    return page(request, "households.html", status=200 if found is not None else 400,
                name=name, found=found, errors=messages(request, outcome))


async def household_detail(request: web.Request) -> web.Response:
    await require_login(request)
    outcome = await run(request, DETAIL, id=request.match_info["id"])
    household = (outcome.data or {}).get("household")
    errors = messages(request, outcome)
    if household is None and not errors:
        errors = [text(request, "This household is not in your area, or does not exist. "
                                "Go back to the list.")]
    return page(request, "household.html", status=200 if household else 404,
                household=household, errors=errors)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/web/", home)
    app.router.add_get("/web/rumah-tangga", household_list)
    app.router.add_get("/web/rumah-tangga/{id}", household_detail)
