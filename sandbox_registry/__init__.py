"""A stand-in for the population registry (Dukcapil): the outside world, for tests and demos.

It is deliberately neither part of the regional node nor of the gateway. It is an external
system's double, with its own database of synthetic residents, serving the subset of the DCI
registry API the node's client uses (``POST /registry/sync/search``), so that the client is
exercised over real HTTP exactly as it would be against the real registry. It imports nothing
from ``regional_node`` or ``gateway``; seeding from a node database reads that database's
``member`` and ``household`` tables with plain SQL.

Run it with ``siks sandbox-registry serve``; see ``docs/dukcapil.md``.
"""
