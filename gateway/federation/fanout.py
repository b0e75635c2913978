"""Calling nodes: one (routed) or many (scattered), within one deadline, never more than
``max_concurrency`` calls in flight, each node behind its own circuit breaker.

A node that fails never fails the request: its failure lands in the request's
:class:`FederationReport`, and the caller combines whatever the other nodes answered.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from gateway.errors import (
    CircuitOpen,
    NodeCallError,
    NodeIncompatible,
    NodeNotRegistered,
    NodeTimeout,
)
from gateway.federation.breaker import CircuitBreaker, CircuitState
from gateway.federation.deadline import Deadline
from gateway.federation.model import NodeStatus
from gateway.federation.node_client import CallMeta, NodeClient
from gateway.federation.registry import NodeRegistry
from gateway.federation.report import FederationReport, Path

Variables = Mapping[str, Any] | Callable[[str], Mapping[str, Any]]


class CallObserver(Protocol):
    """Where node call outcomes go (metrics); ``outcome`` is ``ok`` or an error code."""

    def node_call(self, region: str, outcome: str, seconds: float) -> None: ...

    def fanout(self, width: int) -> None: ...


class _NoObserver:
    def node_call(self, region: str, outcome: str, seconds: float) -> None:
        return None

    def fanout(self, width: int) -> None:
        return None


@dataclass(slots=True)
class RequestScope:
    """Everything node calls of one gateway request share."""

    deadline: Deadline
    meta: CallMeta
    report: FederationReport = field(default_factory=FederationReport)


class Federation:
    def __init__(self, client: NodeClient, registry: NodeRegistry, *, max_concurrency: int = 64,
                 query_retries: int = 1, breaker_failures: int = 5,
                 breaker_reset_s: float = 10.0, observer: CallObserver | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.registry = registry
        self.query_retries = query_retries
        self._limit = asyncio.Semaphore(max_concurrency)
        self._breaker_failures = breaker_failures
        self._breaker_reset_s = breaker_reset_s
        self._breakers: dict[str, CircuitBreaker] = {}
        self._observer: CallObserver = observer or _NoObserver()
        self._clock = clock

    def breaker(self, region: str) -> CircuitBreaker:
        breaker = self._breakers.get(region)
        if breaker is None:
            breaker = self._breakers[region] = CircuitBreaker(
                self._breaker_failures, self._breaker_reset_s, self._clock)
        return breaker

    def circuit_state(self, region: str) -> CircuitState:
        breaker = self._breakers.get(region)
        return breaker.state if breaker is not None else CircuitState.CLOSED

    async def scatter(self, regions: Sequence[str], document: str, variables: Variables,
                      scope: RequestScope, *, path: Path | None = None
                      ) -> dict[str, dict[str, Any]]:
        """Send a query to every region at once; the answers of those that answered."""
        scope.report.planned(len(regions))
        self._observer.fanout(len(regions))
        outcomes = await asyncio.gather(*(
            self._query_recorded(region, document, variables, scope, path)
            for region in regions))
        return {region: data for region, data in zip(regions, outcomes, strict=True)
                if data is not None}

    async def route(self, region: str, document: str, variables: Variables,
                    scope: RequestScope, *, path: Path | None = None) -> dict[str, Any] | None:
        """Send a query to one region; None (and a recorded failure) when it did not answer."""
        scope.report.planned(1)
        self._observer.fanout(1)
        return await self._query_recorded(region, document, variables, scope, path)

    async def mutate(self, region: str, document: str, variables: Mapping[str, Any],
                     scope: RequestScope) -> dict[str, Any]:
        """Send a mutation to the one node that owns ``region``: never broadcast, never
        retried (the node may have applied it before the connection broke). Failures raise."""
        return await self._call(region, document, variables, scope, retries=0)

    async def _query_recorded(self, region: str, document: str, variables: Variables,
                              scope: RequestScope, path: Path | None) -> dict[str, Any] | None:
        values = variables(region) if callable(variables) else variables
        try:
            data = await self._call(region, document, values, scope, retries=self.query_retries)
        except NodeCallError as error:
            scope.report.failed_with(error, path)
            return None
        scope.report.succeeded()
        return data

    async def _call(self, region: str, document: str, variables: Mapping[str, Any],
                    scope: RequestScope, *, retries: int) -> dict[str, Any]:
        node = self.registry.get(region)
        if node is None:
            raise NodeNotRegistered(region, "no node is registered for this region")
        if node.status is NodeStatus.REFUSED:
            raise NodeIncompatible(region, node.refused_reason or "refused")
        breaker = self.breaker(region)
        if not breaker.allow():
            self._observer.node_call(region, CircuitOpen.code, 0.0)
            raise CircuitOpen(region, "circuit open after repeated failures; retrying later")
        started = self._clock()
        try:
            async with asyncio.timeout(scope.deadline.remaining()):
                async with self._limit:
                    answer = await self.client.graphql(
                        region, node.url, document, variables, deadline=scope.deadline,
                        meta=scope.meta, retries=retries)
        except TimeoutError:
            error: NodeCallError = NodeTimeout(region, "no answer before the deadline")
            self._failed(region, breaker, error, started)
            raise error from None
        except NodeCallError as exc:
            self._failed(region, breaker, exc, started)
            raise
        except BaseException:
            breaker.release()
            raise
        breaker.record_success()
        elapsed = self._clock() - started
        self.registry.note_call(region, latency_ms=elapsed * 1000, error=None)
        self._observer.node_call(region, "ok", elapsed)
        return answer.data

    def _failed(self, region: str, breaker: CircuitBreaker, error: NodeCallError,
                started: float) -> None:
        if error.counts_as_failure:
            breaker.record_failure()
        else:
            breaker.release()
        self.registry.note_call(region, latency_ms=0, error=error.message)
        self._observer.node_call(region, error.code, self._clock() - started)
