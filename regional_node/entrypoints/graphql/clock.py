"""The clock the node's resolvers read (``app[CLOCK]``; the system clock when unset), so tests
and demos can move time forward: due dates and expiry depend on it."""

from __future__ import annotations

import datetime as dt

from aiohttp import web

from regional_node.entrypoints.graphql.context import NodeContext
from regional_node.service_layer.clock import SYSTEM_CLOCK, Clock

CLOCK = web.AppKey("clock", Clock)


def now(context: NodeContext) -> dt.datetime:
    return context.request.app.get(CLOCK, SYSTEM_CLOCK).now()
