"""The offline GraphiQL page: only local assets, exactly the vendored bytes, nothing extra."""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from schema.graphiql import (
    ASSETS_DIR,
    CONTENT_SECURITY_POLICY,
    VENDORED,
    asset_files,
    content_type,
    render_graphiql_page,
)


class _References(HTMLParser):
    """Every src/href in a page, with the tag's other attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href"):
            if values.get(name) is not None:
                self.found.append((tag, values[name] or "", values))


def _references(page: str) -> list[tuple[str, str, dict[str, str | None]]]:
    parser = _References()
    parser.feed(page)
    return parser.found


def _sha384(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def test_the_page_references_no_external_url_at_all() -> None:
    page = render_graphiql_page()
    references = _references(page)
    assert references, "the page loads nothing?"
    external = [url for _, url, _ in references if re.match(r"(?i)\s*(https?:)?//", url)]
    assert external == []
    assert not re.search(r"(?i)https?://", page)
    # Everything is an asset on this server, except the empty inline favicon.
    assert {url for _, url, _ in references if not url.startswith("/graphiql/assets/")} == {
        "data:,"}


def test_every_asset_the_page_loads_exists_and_carries_its_integrity() -> None:
    page = render_graphiql_page()
    files = asset_files()
    loaded = [(url, attrs) for tag, url, attrs in _references(page) if tag in ("script", "link")
              and url.startswith("/graphiql/assets/")]
    assert len(loaded) == len(files)
    for url, attrs in loaded:
        relative, _, version = url.removeprefix("/graphiql/assets/").partition("?v=")
        data = files[relative].read_bytes()
        assert attrs["integrity"] == _sha384(data)
        assert version == hashlib.sha256(data).hexdigest()[:12]  # changes when the file does


def test_scripts_load_in_dependency_order() -> None:
    scripts = [url for tag, url, _ in _references(render_graphiql_page()) if tag == "script"]
    names = [url.split("?")[0].rsplit("/", 2)[-2] for url in scripts]
    assert names == ["react-18.2.0", "react-dom-18.2.0", "graphiql-3.8.3",
                     "graphiql-plugin-explorer-1.0.2", "siks"]


def test_vendored_files_are_the_pinned_bytes() -> None:
    for package in VENDORED:
        for name, pinned in package.files:
            assert _sha384((ASSETS_DIR / package.directory / name).read_bytes()) == pinned, name


def test_the_assets_directory_holds_only_what_is_served_plus_licenses() -> None:
    served = set(asset_files().values())
    present = {path for path in ASSETS_DIR.rglob("*") if path.is_file()}
    extra = {path.relative_to(ASSETS_DIR).as_posix() for path in present - served
             if not path.name.startswith("LICENSE")}
    assert extra == set(), "unexpected files (source maps? unused plugins?)"
    assert served <= present
    for package in VENDORED:
        assert (ASSETS_DIR / package.directory / "LICENSE").is_file(), package.npm_name
    total = sum(path.stat().st_size for path in present)
    assert total < 4.5 * 1024 * 1024, f"vendored GraphiQL grew to {total} bytes"


def test_paths_are_configurable_and_embedded_safely() -> None:
    page = render_graphiql_page(graphql_path="/api/graphql", assets_path="/static/gql/")
    assert '{"graphqlPath": "/api/graphql"}' in page
    assert all(url.startswith("/static/gql/") for tag, url, _ in _references(page)
               if tag in ("script", "link") and not url.startswith("data:"))


@pytest.mark.parametrize("bad", ["https://cdn.example.org/graphql", "//cdn.example.org/x",
                                 "graphql", "", "/a b", '/x"><script>', "/x\\y",
                                 "javascript:alert(1)"])
def test_paths_that_could_leave_the_server_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        render_graphiql_page(graphql_path=bad)
    with pytest.raises(ValueError):
        render_graphiql_page(assets_path=bad)


def test_the_page_pins_a_same_origin_content_security_policy() -> None:
    page = render_graphiql_page()
    assert 'http-equiv="Content-Security-Policy"' in page
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY
    assert "unsafe-eval" not in CONTENT_SECURITY_POLICY
    # No inline script: the only <script> without src is the JSON config (not executed).
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page)
    assert inline == [' id="graphiql-config" type="application/json"']


def test_content_types() -> None:
    assert content_type("graphiql-3.8.3/graphiql.min.js") == "text/javascript; charset=utf-8"
    assert content_type("graphiql-3.8.3/graphiql.min.css") == "text/css; charset=utf-8"
    with pytest.raises(ValueError):
        content_type("graphiql-3.8.3/LICENSE")


def test_the_module_is_framework_free() -> None:
    code = ("import sys, schema.graphiql as g; g.render_graphiql_page(); "
            "print(sorted(m for m in ('aiohttp', 'strawberry', 'regional_node', 'gateway') "
            "if m in sys.modules))")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout
    assert output.strip() == "[]"
