"""Errors of the gateway.

Each carries a stable ``code`` that GraphQL puts in ``extensions.code`` and the command line
prints as one line. Node call failures also carry the ``region`` they concern::

    SiksError (schema.errors)
    ├── ConfigError                       CONFIG            (schema.errors)
    ├── InvalidInput                      INVALID_INPUT     (+ INVALID_REGION, INVALID_NIK)
    │   ├── InvalidCursor                 INVALID_CURSOR
    │   └── OutOfRegion                   OUT_OF_REGION     (a region its node does not serve)
    ├── OutOfScope                        OUT_OF_SCOPE      (outside the user's region scope;
    │                                                        schema.errors)
    ├── NotFound                          NOT_FOUND
    ├── NodeRegistryError                 NODE_REGISTRY
    │   └── UnknownNode                   UNKNOWN_NODE      (no such registration to change)
    └── NodeCallError                     NODE_ERROR        (the node answered with an error)
        ├── NodeQueryTooComplex           QUERY_TOO_COMPLEX (the node refused it by cost)
        ├── NodeUnavailable               NODE_UNAVAILABLE  (connection refused/reset, TLS, 5xx)
        ├── NodeTimeout                   NODE_TIMEOUT      (the deadline ran out)
        ├── CircuitOpen                   CIRCUIT_OPEN      (not called: too many recent failures)
        ├── NodeIncompatible              NODE_INCOMPATIBLE (refused: schema version or identity)
        ├── NodeNotRegistered             NODE_NOT_REGISTERED (no node serves the region asked for)
        └── NodeRefused                   the node's own code (a relayed write it refused)
"""

from __future__ import annotations

from schema.errors import ConfigError, InvalidInput, SiksError

__all__ = [
    "CircuitOpen", "ConfigError", "InvalidCursor", "InvalidInput", "NodeCallError",
    "NodeIncompatible", "NodeNotRegistered", "NodeQueryTooComplex", "NodeRefused",
    "NodeRegistryError", "NodeTimeout", "NodeUnavailable",
    "NotFound", "OutOfRegion", "SiksError", "UnknownNode",
]


class InvalidCursor(InvalidInput):
    code = "INVALID_CURSOR"


class OutOfRegion(InvalidInput):
    """A record whose region's node says it does not serve it (outside the user's scope is
    :class:`~schema.errors.OutOfScope`)."""

    code = "OUT_OF_REGION"


class NotFound(SiksError):
    code = "NOT_FOUND"


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


class NodeQueryTooComplex(NodeCallError):
    """The node refused the query the gateway sent it by its cost limit: the client's query is
    too complex (the gateway's own estimate counts what it adds, so this is a safety net)."""

    code = "QUERY_TOO_COMPLEX"


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
