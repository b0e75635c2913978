"""A regional node: one kab/kota's DTKS registry (households, members, programs, audit).

Layers, after Cosmic Python: ``domain`` (pure rules, no infrastructure), ``adapters`` (SQLAlchemy
models, database, repositories), ``service_layer`` (use cases in a unit of work) and
``entrypoints`` (aiohttp + strawberry, command line).
"""
