"""The default population-registry client: the DCI registry API, synchronous search by NIK.

One ``POST {url}/registry/sync/search`` carries up to ``batch_size`` identifiers::

    {"header": {"version": "1.0.0", "message_id": "<uuid>", "message_ts": "…Z",
                "action": "search", "sender_id": "siks-node-32.73", "receiver_id": "dukcapil",
                "total_count": 200, "is_msg_encrypted": false},
     "message": {"transaction_id": "<uuid>",
                 "search_request": [{"reference_id": "<transaction>-<n>", "timestamp": "…Z",
                                     "search_criteria": {"version": "1.0.0",
                                         "reg_type": "ns:org:RegistryType:Civil",
                                         "query_type": "idtype-value",
                                         "query": {"type": "NIK", "value": "3273…"}}}, …]},
     "signature": "…"}          # only when a signer is configured (optional in the spec)

The registry returns each person's record (``reg_records``); the node compares name, birth
date and KK itself (:func:`regional_node.domain.population_registry.compare`).

Transient failures (connection errors, timeouts, HTTP 5xx, 408, 429) are retried with
exponential backoff and jitter; each retry is a new message (new ``message_id``, the same
``transaction_id`` and ``reference_id``\\ s), since a search has no side effects. Definitive
answers are never retried: a 4xx other than 408/429 or an unreadable answer raises
:class:`RegistryRejected`; a per-item ``rjct`` becomes that item's ``REJECTED`` outcome.
After the last attempt :class:`RegistryUnavailable` is raised, carrying the batches that
were answered.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import aiohttp

from regional_node.domain.population_registry import (
    IdentityQuery,
    MatchResult,
    Resident,
    compare,
    rejected,
)
from regional_node.errors import RegistryRejected, RegistryUnavailable
from schema.errors import ConfigError
from service_kit.settings import Env, defaults

ENV_PREFIX = "SIKS_NODE_DUKCAPIL_"
SEARCH_PATH = "/registry/sync/search"
DCI_VERSION = "1.0.0"
REG_TYPE = "ns:org:RegistryType:Civil"
IDENTIFIER_TYPES = {"NIK", "UIN"}  # the sandbox and the spec's examples name it either way
TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

Signer = Callable[[Mapping[str, Any], Mapping[str, Any]], str]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class DukcapilConfig:
    url: str
    batch_size: int = 200
    timeout_s: float = 10.0
    attempts: int = 4  # the first try and three retries
    backoff_base_s: float = 0.2
    backoff_max_s: float = 5.0
    concurrency: int = 4  # batches in flight at once
    sender_id: str = "siks-node"
    receiver_id: str = "dukcapil"
    token: str | None = None  # bearer token, per the spec's security scheme

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ConfigError(f"{ENV_PREFIX}URL: {self.url!r} is not an http(s) URL")
        for name in ("batch_size", "attempts", "concurrency"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{ENV_PREFIX}{name.upper()} must be at least 1")
        if self.timeout_s <= 0:
            raise ConfigError(f"{ENV_PREFIX}TIMEOUT must be positive seconds")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *,
                 default_sender_id: str | None = None, **overrides: object) -> DukcapilConfig:
        """``SIKS_NODE_DUKCAPIL_{URL,BATCH_SIZE,TIMEOUT,ATTEMPTS,CONCURRENCY,SENDER_ID,
        RECEIVER_ID,TOKEN}`` (``service_kit.settings``: one parser); ``overrides`` that are not
        None win."""
        given = dict(overrides)
        given["timeout"] = given.pop("timeout_s", None)
        env = Env.of(ENV_PREFIX, environ, given)
        default = defaults(cls)
        return cls(url=env.required("url", "--registry-url").rstrip("/"),
                   batch_size=env.whole("batch_size", default["batch_size"]),
                   timeout_s=env.number("timeout", default["timeout_s"]),
                   attempts=env.whole("attempts", default["attempts"]),
                   concurrency=env.whole("concurrency", default["concurrency"]),
                   sender_id=env.text("sender_id") or default_sender_id or default["sender_id"],
                   receiver_id=env.text("receiver_id") or default["receiver_id"],
                   token=env.text("token"))


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Delay before retry ``attempt`` (1, 2, …): exponential with "equal jitter", so it grows
    (half of it is fixed) yet concurrent clients spread out (the other half is random)."""
    ceiling = min(cap, base * 2 ** (attempt - 1))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


class DciDukcapilClient:
    """:class:`~regional_node.domain.population_registry.PopulationRegistry` over DCI.

    Use as ``async with DciDukcapilClient(config) as registry: await registry.check(...)``,
    or pass an ``aiohttp.ClientSession`` you own."""

    def __init__(self, config: DukcapilConfig, *, session: aiohttp.ClientSession | None = None,
                 signer: Signer | None = None, sleep: Sleep = asyncio.sleep,
                 rng: random.Random | None = None) -> None:
        self.config = config
        self._session = session
        self._owns_session = session is None
        self._signer = signer
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.attempts_made = 0  # every HTTP attempt, for operators and tests

    async def __aenter__(self) -> DciDukcapilClient:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self.config.concurrency * 2)
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    async def check(self, requests: list[IdentityQuery]) -> list[MatchResult]:
        """One result per request, in order. Batches run ``concurrency`` at a time; if one
        fails for good, the error carries the results of the batches that were answered."""
        size = self.config.batch_size
        batches = [requests[i:i + size] for i in range(0, len(requests), size)]
        gate = asyncio.Semaphore(self.config.concurrency)
        answers: list[list[MatchResult] | None] = [None] * len(batches)

        async def run(index: int, batch: list[IdentityQuery]) -> None:
            async with gate:
                answers[index] = await self._search(batch)

        outcomes = await asyncio.gather(*(run(i, b) for i, b in enumerate(batches)),
                                        return_exceptions=True)
        failures = [o for o in outcomes if isinstance(o, BaseException)]
        if failures:
            answered = [r for batch in answers if batch is not None for r in batch]
            first = failures[0]
            if isinstance(first, RegistryUnavailable | RegistryRejected):
                raise type(first)(first.message, answered=answered) from first
            raise first
        return [r for batch in answers if batch is not None for r in batch]

    async def _search(self, batch: list[IdentityQuery]) -> list[MatchResult]:
        transaction_id = str(uuid.uuid4())
        last_problem = "no attempt made"
        for attempt in range(1, self.config.attempts + 1):
            if attempt > 1:
                await self._sleep(backoff_delay(attempt - 1, self.config.backoff_base_s,
                                                self.config.backoff_max_s, self._rng))
            try:
                return await self._attempt(batch, transaction_id)
            except _Transient as exc:
                last_problem = str(exc)
        raise RegistryUnavailable(
            f"population registry at {self.config.url} unavailable after "
            f"{self.config.attempts} attempts: {last_problem}")

    async def _attempt(self, batch: list[IdentityQuery], transaction_id: str) -> list[MatchResult]:
        envelope = self.search_envelope(batch, transaction_id)
        headers = {"Authorization": f"Bearer {self.config.token}"} if self.config.token else {}
        timeout = aiohttp.ClientTimeout(total=self.config.timeout_s)
        self.attempts_made += 1
        try:
            async with self._client().post(self.config.url + SEARCH_PATH, json=envelope,
                                           headers=headers, timeout=timeout) as response:
                if response.status in TRANSIENT_STATUSES:
                    raise _Transient(f"HTTP {response.status}")
                if response.status != 200:
                    raise RegistryRejected(f"population registry refused the request: HTTP "
                                           f"{response.status} {await _error_text(response)}")
                body = await response.json(content_type=None)
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
            raise _Transient(f"{exc.__class__.__name__}: {exc}") from exc
        except TimeoutError as exc:
            raise _Transient(f"no answer within {self.config.timeout_s:g} s") from exc
        except ValueError as exc:  # JSON that does not parse
            raise RegistryRejected(f"population registry answered with invalid JSON: {exc}"
                                   ) from exc
        return read_search_response(body, batch, envelope)

    def search_envelope(self, batch: Sequence[IdentityQuery],
                        transaction_id: str) -> dict[str, Any]:
        now = _timestamp()
        header = {
            "version": DCI_VERSION, "message_id": str(uuid.uuid4()), "message_ts": now,
            "action": "search", "sender_id": self.config.sender_id,
            "receiver_id": self.config.receiver_id, "total_count": len(batch),
            "is_msg_encrypted": False,
        }
        message = {
            "transaction_id": transaction_id,
            "search_request": [{
                "reference_id": f"{transaction_id}-{index}",
                "timestamp": now,
                "search_criteria": {
                    "version": DCI_VERSION, "reg_type": REG_TYPE,
                    "query_type": "idtype-value",
                    "query": {"type": "NIK", "value": query.nik},
                },
            } for index, query in enumerate(batch)],
        }
        envelope: dict[str, Any] = {"header": header, "message": message}
        if self._signer is not None:
            envelope["signature"] = self._signer(header, message)
        return envelope


class _Transient(Exception):
    """A failure worth another attempt."""


def read_search_response(body: Any, batch: Sequence[IdentityQuery],
                         request: Mapping[str, Any]) -> list[MatchResult]:
    """Results for ``batch`` from an ``on-search`` answer, matched by ``reference_id``."""
    try:
        header, message = body["header"], body["message"]
        items = message["search_response"]
        if header.get("status") == "rjct":
            raise RegistryRejected(
                f"population registry rejected the message: {header.get('status_reason_code')}"
                f" {header.get('status_reason_message', '')}".rstrip())
        by_reference = {item["reference_id"]: item for item in items}
    except (KeyError, TypeError) as exc:
        raise RegistryRejected(f"population registry answer is not a DCI search response "
                               f"(missing {exc})") from exc
    results = []
    for query, sent in zip(batch, request["message"]["search_request"], strict=True):
        item = by_reference.get(sent["reference_id"])
        if item is None:
            raise RegistryRejected(f"population registry answer lacks reference_id "
                                   f"{sent['reference_id']}")
        results.append(_result(query, item))
    return results


def _result(query: IdentityQuery, item: Mapping[str, Any]) -> MatchResult:
    status = item.get("status")
    if status == "rjct":
        reason = item.get("status_reason_code") or "rjct"
        message = item.get("status_reason_message")
        return rejected(query, f"{reason}: {message}" if message else reason)
    if status != "succ":
        return rejected(query, f"unexpected item status {status!r}")
    records = (item.get("data") or {}).get("reg_records") or []
    if isinstance(records, Mapping):  # the spec shows reg_records as an object in places
        records = [records]
    for record in records:
        resident = _resident(record)
        if resident.nik == query.nik:
            return compare(query, resident)
    return compare(query, None)


def _resident(record: Mapping[str, Any]) -> Resident:
    identifiers = {i.get("identifier_type"): i.get("identifier_value")
                   for i in record.get("identifier") or []}
    nik = next((identifiers[t] for t in IDENTIFIER_TYPES if identifiers.get(t)), "")
    name = record.get("name") or {}
    full_name = name if isinstance(name, str) else " ".join(
        part for part in (name.get("given_name"), name.get("second_name"),
                          name.get("surname") or name.get("sur_name")) if part)
    death = _date(record.get("death_date") or record.get("deathdate"))
    return Resident(
        nik=str(nik), name=full_name,
        birth_date=_date(record.get("birth_date") or record.get("birthdate")),
        kk_number=identifiers.get("KK"), sex=record.get("sex"), death_date=death,
        deceased=death is not None)


def _date(value: object) -> dt.date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _timestamp() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def _error_text(response: aiohttp.ClientResponse) -> str:
    try:
        body = await response.json(content_type=None)
        errors = body.get("errors") or []
        return "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors)[:300]
    except (ValueError, AttributeError, aiohttp.ClientError):
        return (await response.text())[:300]
