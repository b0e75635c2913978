"""GraphiQL that works with no internet access, for the node and the gateway.

strawberry's default IDE page loads React, GraphiQL and their CSS from a CDN, which a
government network or an office in a 3T area cannot reach. This module renders an equivalent
page that loads only the copies vendored in ``assets/`` (see ``docs/graphiql.md``), served by
the service itself under ``assets_path``.

Framework-free on purpose: it returns HTML and describes the asset files; each service mounts
them with its own web framework (the node and the gateway: aiohttp).

The page also carries a Content-Security-Policy that only allows same-origin scripts, styles,
fonts, images and connections, so a future bundle that tried to reach a CDN would be refused by
the browser instead of silently depending on the internet.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path, PurePosixPath

__all__ = [
    "ASSETS_DIR",
    "CONTENT_SECURITY_POLICY",
    "VENDORED",
    "VendoredPackage",
    "asset_files",
    "content_type",
    "render_graphiql_page",
]

ASSETS_DIR: Path = Path(__file__).resolve().parent / "assets"


@dataclass(frozen=True, slots=True)
class VendoredPackage:
    """One npm package copied into ``assets/<directory>/``, pinned to an exact version."""

    npm_name: str
    version: str
    files: tuple[tuple[str, str], ...]
    """(file name in ``assets/<directory>/``, its pinned ``sha384-...`` digest) for each file
    the page loads. LICENSE files sit beside them. The digests equal the Subresource-Integrity
    values strawberry's own page uses for the same CDN URLs, so these are the very same bytes."""

    @property
    def directory(self) -> str:
        return f"{self.npm_name.lstrip('@').replace('/', '-')}-{self.version}"


# Exactly the versions strawberry's own graphiql.html pins (strawberry-graphql 0.341), so the
# page below behaves like strawberry's. Update procedure: docs/graphiql.md.
VENDORED: tuple[VendoredPackage, ...] = (
    VendoredPackage("react", "18.2.0", (
        ("react.production.min.js",
         "sha384-tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8"),
    )),
    VendoredPackage("react-dom", "18.2.0", (
        ("react-dom.production.min.js",
         "sha384-bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh"),
    )),
    VendoredPackage("graphiql", "3.8.3", (
        ("graphiql.min.css",
         "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM"),
        ("graphiql.min.js",
         "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie"),
    )),
    VendoredPackage("@graphiql/plugin-explorer", "1.0.2", (
        ("style.css", "sha384-5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi"),
        ("index.umd.js",
         "sha384-2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9"),
    )),
)

# Our own bootstrap script (not vendored): kept in a file rather than inline so the page's
# Content-Security-Policy can forbid inline scripts.
_INIT_SCRIPT = "siks/graphiql-init.js"

_CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",  # GraphiQL and CodeMirror set inline styles
    "font-src 'self' data:",  # GraphiQL's CSS inlines its fonts as data: URLs
    "img-src 'self' data:",
    "connect-src 'self'",  # the GraphQL endpoint; 'self' covers same-origin ws(s):
    "base-uri 'none'",
    "form-action 'none'",
))
"""The page's policy (also in a ``<meta>`` tag); a server may send it as a header as well."""


def asset_files() -> dict[str, Path]:
    """Every file the page may load: URL path relative to ``assets_path`` -> file on disk.

    This is the complete allow-list a web route must serve (and nothing else: no LICENSE files,
    no directory listings).
    """
    files = {f"{package.directory}/{name}": ASSETS_DIR / package.directory / name
             for package in VENDORED for name, _ in package.files}
    files[_INIT_SCRIPT] = ASSETS_DIR / _INIT_SCRIPT
    return files


def content_type(relative_path: str) -> str:
    """The Content-Type for an asset (JavaScript or CSS, UTF-8)."""
    suffix = PurePosixPath(relative_path).suffix
    try:
        return _CONTENT_TYPES[suffix]
    except KeyError:
        raise ValueError(f"not a GraphiQL asset type: {relative_path!r}") from None


@cache
def _digest(relative_path: str) -> tuple[str, str]:
    """(Subresource-Integrity value, short content hash for cache busting) of one asset."""
    data = asset_files()[relative_path].read_bytes()
    integrity = "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii")
    return integrity, hashlib.sha256(data).hexdigest()[:12]


def _local_path(value: str, what: str) -> str:
    """``value`` if it is a same-origin absolute path; anything that could leave the origin
    (a scheme, ``//host``, a backslash, quotes or whitespace) is refused."""
    if (not value.startswith("/") or value.startswith("//") or "://" in value
            or any(c in value for c in "\\\"'<>` \t\r\n")):
        raise ValueError(f"{what} must be a path on this server such as '/graphql', "
                         f"not {value!r}")
    return value


def _tag(assets_path: str, relative_path: str) -> str:
    integrity, version = _digest(relative_path)
    url = html.escape(f"{assets_path}/{relative_path}?v={version}", quote=True)
    if relative_path.endswith(".css"):
        return f'<link rel="stylesheet" href="{url}" integrity="{integrity}">'
    return f'<script src="{url}" integrity="{integrity}"></script>'


@lru_cache(maxsize=16)
def render_graphiql_page(*, graphql_path: str = "/graphql",
                         assets_path: str = "/graphiql/assets",
                         title: str = "SIKS-NG GraphiQL") -> str:
    """The GraphiQL page for the endpoint at ``graphql_path``, loading its JavaScript and CSS
    only from ``assets_path`` on the same server (see :func:`asset_files`).

    Like strawberry's page: the explorer plugin, the headers editor, the query in the URL
    (``?q=...&variables=...``) for sharing, subscriptions over a WebSocket on the same path.
    Unlike it: nothing from a CDN, headers are not persisted in the browser's storage (they
    usually carry credentials), and no Django CSRF cookie handling.
    """
    graphql_path = _local_path(graphql_path, "graphql_path")
    assets_path = _local_path(assets_path, "assets_path").rstrip("/")
    if not assets_path:
        raise ValueError("assets_path must not be the site root")
    loaded = [f"{p.directory}/{name}" for p in VENDORED for name, _ in p.files]
    stylesheets = [path for path in loaded if path.endswith(".css")]
    scripts = [path for path in loaded if path.endswith(".js")] + [_INIT_SCRIPT]
    config = json.dumps({"graphqlPath": graphql_path}).replace("<", "\\u003c")
    head = "\n    ".join(_tag(assets_path, path) for path in stylesheets)
    body = "\n    ".join(_tag(assets_path, path) for path in scripts)
    return _PAGE.format(title=html.escape(title),
                        csp=html.escape(CONTENT_SECURITY_POLICY, quote=True),
                        stylesheets=head, scripts=body, config=config)


_PAGE = """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta http-equiv="Content-Security-Policy" content="{csp}">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="referrer" content="no-referrer">
    <title>{title}</title>
    <link rel="icon" href="data:,">
    <style>
      body {{ height: 100%; margin: 0; width: 100%; overflow: hidden; }}
      #graphiql {{ height: 100vh; display: flex; }}
      .graphiql-explorer-actions select {{ margin-left: 4px; }}
    </style>
    {stylesheets}
  </head>
  <body>
    <div id="graphiql" class="graphiql-container">Loading GraphiQL...</div>
    <script id="graphiql-config" type="application/json">{config}</script>
    {scripts}
  </body>
</html>
"""
