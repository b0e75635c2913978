"""aiohttp glue for the offline GraphiQL page of ``schema.graphiql``.

``add_graphiql_routes`` serves the vendored JavaScript/CSS from this process; a strawberry view
shows the page by overriding its IDE hook::

    class NodeGraphQLView(GraphQLView[...]):
        async def render_graphql_ide(self, request: web.Request) -> web.Response:
            return graphiql_response(request)

Shared by the node and the gateway (both may import ``service_kit``); the page itself and the
vendored assets live in ``schema.graphiql``.
"""

from __future__ import annotations

from aiohttp import hdrs, web

from schema.graphiql import CONTENT_SECURITY_POLICY, asset_files, content_type, render_graphiql_page

ASSETS_PATH = "/graphiql/assets"
# Asset URLs carry a content hash (?v=...), so a browser may keep them for a year.
ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable"

GRAPHIQL_PAGE = web.AppKey("graphiql_page", str)


def add_graphiql_routes(app: web.Application, *, graphql_path: str = "/graphql",
                        assets_path: str = ASSETS_PATH) -> None:
    """Serve GraphiQL's assets under ``assets_path`` and remember the page for the endpoint at
    ``graphql_path`` (rendered once, here, so a bad path fails at start-up)."""
    app[GRAPHIQL_PAGE] = render_graphiql_page(graphql_path=graphql_path,
                                              assets_path=assets_path)
    files = asset_files()  # the allow-list: no directory listing, no path traversal

    async def graphiql_asset(request: web.Request) -> web.FileResponse:
        name = request.match_info["name"]
        path = files.get(name)
        if path is None:
            raise web.HTTPNotFound()
        response = web.FileResponse(path, headers={
            hdrs.CONTENT_TYPE: content_type(name),
            hdrs.CACHE_CONTROL: ASSET_CACHE_CONTROL,
            "X-Content-Type-Options": "nosniff",
        })
        response.enable_compression()  # graphiql.min.js: 3.5 MB raw, 0.7 MB gzipped
        return response

    app.router.add_get(assets_path.rstrip("/") + "/{name:.+}", graphiql_asset,
                       name="graphiql-assets")


def graphiql_response(request: web.Request) -> web.Response:
    """The offline GraphiQL page registered by :func:`add_graphiql_routes` for this app."""
    page = request.app.get(GRAPHIQL_PAGE)
    if page is None:
        raise RuntimeError("GraphiQL is enabled but add_graphiql_routes() was not called")
    return web.Response(text=page, content_type="text/html", headers={
        hdrs.CACHE_CONTROL: "no-cache",
        hdrs.CONTENT_SECURITY_POLICY: CONTENT_SECURITY_POLICY + "; frame-ancestors 'none'",
        "X-Content-Type-Options": "nosniff",
    })
