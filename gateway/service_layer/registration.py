"""Registering nodes: from the command line (``siks gateway node add 32.73 URL``) or from a
nodes file (``SIKS_GATEWAY_NODES_FILE``: one ``<kab/kota> <url>`` per line, ``#`` comments)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from gateway.adapters.node_store import NodeStore
from gateway.errors import ConfigError, InvalidInput
from gateway.federation.model import RegisteredNode
from schema.regions import RegionLevel, regions


def check_registration(region: str, url: str) -> str:
    """The URL, normalised, or InvalidInput naming what is wrong."""
    regions().require(region, level=RegionLevel.KABKOTA)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"{url!r} is not an http(s) URL of a node", reason="malformed",
                           field="url")
    if parts.query or parts.fragment:
        raise InvalidInput(f"{url!r}: give the node's base URL, without query or fragment",
                           reason="malformed", field="url")
    return url.rstrip("/")


async def register(store: NodeStore, region: str, url: str) -> RegisteredNode:
    return await store.add(region, check_registration(region, url))


def read_nodes_file(path: Path) -> list[tuple[str, str]]:
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        fields = text.split()
        if len(fields) != 2:
            raise ConfigError(f"{path}:{number}: expected '<kab/kota> <url>', got {text!r}")
        try:
            entries.append((fields[0], check_registration(fields[0], fields[1])))
        except InvalidInput as exc:
            raise ConfigError(f"{path}:{number}: {exc.message}") from None
    return entries
