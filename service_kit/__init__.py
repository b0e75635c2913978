"""What the regional node and the gateway both run on, and what is not part of the contract:
database engines and the Alembic runner, settings parsing, GraphQL plumbing, HTTP guards,
logins and tokens, rate limits, GraphiQL's routes, the web app's sessions.

Imported by both services; imports only ``schema`` and ``certs`` (tests/test_import_graph.py).
"""
