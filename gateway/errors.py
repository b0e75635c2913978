"""Errors of the gateway.

Each carries a stable ``code`` that GraphQL puts in ``extensions.code`` and the command line
prints as one line. Each code is raised by one class only; the ones the node raises too are
defined once in ``service_kit.errors`` and re-exported here. Node call failures also carry the
``region`` they concern::

    SiksError                             (schema.errors)
    ├── ConfigError                       (schema.errors)
    ├── OutOfScope                        (schema.errors; outside the user's region scope)
    ├── InvalidInput                      (schema.errors; + INVALID_REGION, INVALID_NIK)
    │   ├── InvalidCursor                 (service_kit.errors)
    │   ├── OutOfRegion                   (service_kit.errors; a region its node does not serve)
    │   ├── RulesError                    INVALID_INPUT, reason rules (a benefit rules file)
    │   └── CatalogueError                INVALID_INPUT, reason catalogue (a program catalogue)
    ├── NotFound                          (service_kit.errors)
    ├── Conflict                          (service_kit.errors)
    │   └── Duplicate                     (service_kit.errors; a user name taken)
    ├── ProofUnavailable                  code: PROOF_UNAVAILABLE (no record, or no signature kept)
    ├── DecilesIncomplete                 code: DECILES_INCOMPLETE (a node missing, scores moving)
    ├── NodeRegistryError                 code: NODE_REGISTRY
    │   └── UnknownNode                   code: UNKNOWN_NODE (no such registration to change)
    └── NodeCallError                     code: NODE_ERROR (the node answered with an error)
        ├── NodeQueryTooComplex           QUERY_TOO_COMPLEX (also a schema.errors.QueryTooComplex:
        │                                 the node refused it by cost)
        ├── NodeUnavailable               code: NODE_UNAVAILABLE (refused/reset, TLS, 5xx)
        ├── NodeTimeout                   code: NODE_TIMEOUT (the deadline ran out)
        ├── CircuitOpen                   code: CIRCUIT_OPEN (not called: too many failures)
        ├── NodeIncompatible              code: NODE_INCOMPATIBLE (schema version or identity)
        ├── NodeNotRegistered             code: NODE_NOT_REGISTERED (no node serves the region)
        └── NodeRefused                   the node's own code (a relayed write it refused)
"""

from __future__ import annotations

from schema.errors import ConfigError, InvalidInput, OutOfScope, QueryTooComplex, SiksError
from service_kit.errors import Conflict, Duplicate, InvalidCursor, NotFound, OutOfRegion

__all__ = [
    "CatalogueError", "CircuitOpen", "ConfigError", "Conflict", "DecilesIncomplete", "Duplicate",
    "InvalidCursor", "InvalidInput", "NodeCallError", "NodeIncompatible", "NodeNotRegistered",
    "NodeQueryTooComplex", "NodeRefused", "NodeRegistryError", "NodeTimeout", "NodeUnavailable",
    "NotFound", "OutOfRegion", "OutOfScope", "ProofUnavailable", "RulesError", "SiksError",
    "UnknownNode",
]


class RulesError(InvalidInput):
    """A benefit rules file breaks a rule (``gateway.service_layer.benefit_rules``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, reason="rules", field="rules")


class CatalogueError(InvalidInput):
    """A program catalogue file breaks a rule (``gateway.service_layer.catalogue``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, reason="catalogue", field="catalogue")


class ProofUnavailable(SiksError):
    """No record by that id, or it was stored before signatures were kept (migration 0005)."""

    code = "PROOF_UNAVAILABLE"


class DecilesIncomplete(SiksError):
    """The cut points could not be computed exactly (a node missing, or scores changing)."""

    code = "DECILES_INCOMPLETE"


class NodeRegistryError(SiksError):
    code = "NODE_REGISTRY"


class UnknownNode(NodeRegistryError):
    code = "UNKNOWN_NODE"


class NodeCallError(SiksError):
    """A call to one regional node did not give a usable answer."""

    code = "NODE_ERROR"
    #: whether the circuit breaker counts it against the node's health
    counts_as_failure = False

    def __init__(self, region: str, message: str, *, node_code: str | None = None,
                 node_extensions: dict[str, object] | None = None) -> None:
        super().__init__(f"node {region}: {message}")
        self.region = region
        self.node_code = node_code  # the node's own extensions.code, when it sent one
        self.node_extensions = dict(node_extensions or {})  # and the rest of its extensions


class NodeUnavailable(NodeCallError):
    code = "NODE_UNAVAILABLE"
    counts_as_failure = True


class NodeTimeout(NodeCallError):
    code = "NODE_TIMEOUT"
    counts_as_failure = True


class CircuitOpen(NodeCallError):
    code = "CIRCUIT_OPEN"


class NodeIncompatible(NodeCallError):
    code = "NODE_INCOMPATIBLE"


class NodeQueryTooComplex(QueryTooComplex, NodeCallError):
    """The node refused the query the gateway sent it by its cost limit: the client's query is
    too complex (the gateway's own estimate counts what it adds, so this is a safety net). Its
    code is ``QueryTooComplex``'s, the rest a ``NodeCallError``'s."""


class NodeNotRegistered(NodeCallError):
    code = "NODE_NOT_REGISTERED"


class NodeRefused(NodeCallError):
    """The owning node refused a write the gateway relayed for a user (the public's usul or
    sanggah: a rule broken, too many reports from one address, an id used for another report):
    passed on with the node's own code, reason and field, so the user reads what the node
    said, plus the region."""

    RELAYED = ("reason", "field")

    def __init__(self, error: NodeCallError) -> None:
        super().__init__(error.region, error.message.removeprefix(f"node {error.region}: "),
                         node_code=error.node_code, node_extensions=error.node_extensions)
        self.code = error.node_code or NodeCallError.code

    def extensions(self) -> dict[str, object]:
        relayed = {k: v for k, v in self.node_extensions.items() if k in self.RELAYED}
        return {"code": self.code, **relayed}
