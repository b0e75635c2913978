"""The web app's shared, framework-free part: Jinja2 templates, vendored assets (htmx, our
style sheet), the page Content-Security-Policy, and rendering with a message catalogue.

The node and the gateway each mount these with aiohttp (``service_kit.web``) and add their own
page handlers (``gateway.entrypoints.web``); every text a page shows goes through the ``web``
catalogue (``schema.i18n``), Indonesian by default. Nothing is loaded from another origin: the
assets below are served by the service itself, like GraphiQL's (``schema.graphiql``).
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2

from schema.i18n import LANGUAGES, Translator

__all__ = ["ASSETS_DIR", "CONTENT_SECURITY_POLICY", "HTMX", "LEAFLET", "TEMPLATES_DIR",
           "asset_files", "asset_url", "content_type", "render", "template_names"]

WEB_DIR = Path(__file__).resolve().parent
ASSETS_DIR = WEB_DIR / "assets"
TEMPLATES_DIR = WEB_DIR / "templates"
HTMX = "htmx.org-2.0.4/htmx.min.js"  # npm htmx.org 2.0.4, byte for byte (docs/web.md)
HTMX_SHA384 = "sha384-HGfztofotfshcF7+8n44JQL2oJmowVChPTg48S+jvZoztPfvwD79OC/LTtG6dMp+"
"""The pinned digest of the vendored file (as in the npm tarball ``package/dist/``)."""
STYLE = "siks/web.css"
SCRIPT = "siks/web.js"  # ours: the few behaviours htmx does not cover (a GPS position)
PENDAMPING_SCRIPT = "siks/pendamping.js"  # the pendamping's offline visits (docs/web.md)
LEAFLET = "leaflet-1.9.4/leaflet.js"  # npm leaflet 1.9.4 package/dist/, byte for byte
LEAFLET_CSS = "leaflet-1.9.4/leaflet.css"
LEAFLET_SHA384 = "sha384-cxOPjt7s7Iz04uaHJceBmS+qpjv2JkIHNVcuOrM+YHwZOmJGBXI00mdUXEq65HTH"
LEAFLET_CSS_SHA384 = "sha384-sHL9NAb7lN7rfvG5lfHpm643Xkcjzp4jFvuavGOndn6pjVqS6ny56CAt3nsEVT4H"
"""The pinned digests of the vendored Leaflet (the Kemensos map; docs/web.md)."""
LEAFLET_IMAGES = tuple(f"leaflet-1.9.4/images/{name}.png" for name in (
    "layers", "layers-2x", "marker-icon", "marker-icon-2x", "marker-shadow"))  # leaflet.css's
MAP_SCRIPT = "siks/peta.js"  # ours: draws the kab/kota GeoJSON with Leaflet (no tiles)
_ASSETS = (HTMX, STYLE, SCRIPT, PENDAMPING_SCRIPT, LEAFLET, LEAFLET_CSS, *LEAFLET_IMAGES,
           MAP_SCRIPT)
_CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                  ".png": "image/png"}
ASSETS_PATH = "/web/assets"

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self'",  # the pendamping page's offline service worker (docs/web.md)
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
))
"""Only this server's scripts, styles and images; forms post only to it."""


def asset_files() -> dict[str, Path]:
    """The allow-list of asset files: URL path under ``ASSETS_PATH`` -> file on disk."""
    return {name: ASSETS_DIR / name for name in _ASSETS}


def content_type(name: str) -> str:
    return _CONTENT_TYPES[PurePosixPath(name).suffix]


@cache
def _digest(name: str) -> tuple[str, str]:
    data = asset_files()[name].read_bytes()
    integrity = "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii")
    return integrity, hashlib.sha256(data).hexdigest()[:12]


def asset_url(name: str) -> str:
    """The asset's URL with a content hash (cached for a year by the browser)."""
    return f"{ASSETS_PATH}/{name}?v={_digest(name)[1]}"


def asset_integrity(name: str) -> str:
    return _digest(name)[0]


@cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.globals.update(asset_url=asset_url, asset_integrity=asset_integrity,
                               HTMX=HTMX, STYLE=STYLE, SCRIPT=SCRIPT, LEAFLET=LEAFLET,
                               PENDAMPING_SCRIPT=PENDAMPING_SCRIPT,
                               LEAFLET_CSS=LEAFLET_CSS, MAP_SCRIPT=MAP_SCRIPT,
                               LANGUAGES=LANGUAGES)
    return environment


def render(template: str, language: str, **context: Any) -> str:
    """``template`` rendered in ``language``: ``_("English msgid", name=value)`` in a template
    is the ``web`` catalogue's text, placeholders filled after translation."""
    translate = Translator("web", language)
    return _environment().get_template(template).render(
        _=translate.gettext, language=language, **context)


def template_names() -> list[str]:
    return sorted(path.name for path in TEMPLATES_DIR.glob("*.html"))


def template_source(name: str) -> str:
    return (TEMPLATES_DIR / name).read_text(encoding="utf-8")


def environment() -> jinja2.Environment:
    """The shared Jinja2 environment (for the catalogue test's extraction)."""
    return _environment()
