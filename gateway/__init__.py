"""The national gateway: one GraphQL endpoint federating every regional node.

Layers, as in the node: ``config`` and ``errors``; ``adapters`` (its own database: node registry,
NIK directory, rollups); ``federation`` (framework-free core: node client, planner, merge,
aggregates, deadline, circuit breaker); ``service_layer`` (jobs that feed the store from the
nodes); ``entrypoints`` (aiohttp app, strawberry schema, ``siks gateway`` commands).
The gateway never imports ``regional_node`` (and the node never imports it).
"""
