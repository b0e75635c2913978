"""The DCI client against the real sandbox registry over HTTP on loopback."""

from __future__ import annotations

import datetime as dt
import random
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from regional_node.adapters.dukcapil_dci import (
    DciDukcapilClient,
    DukcapilConfig,
    backoff_delay,
)
from regional_node.domain.population_registry import (
    IdentityQuery,
    RegistryOutcome,
)
from regional_node.errors import RegistryRejected, RegistryUnavailable
from schema.errors import ConfigError
from tests.factories import household
from tests.registry.dci_spec import request_problems
from tests.registry.sandbox import Sandbox, person, running_sandbox

BORN = dt.date(1980, 2, 1)
NIK = "3273014102800001"
KK = "3273010403150001"


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    async with running_sandbox(tmp_path) as running:
        await running.add(person(NIK, "Siti Aminah", BORN, kk_number=KK))
        yield running


def query(name: str = "Siti Aminah", born: dt.date = BORN, nik: str = NIK,
          kk: str | None = None) -> IdentityQuery:
    return IdentityQuery(nik, name, born, kk)


async def check_one(sandbox: Sandbox, q: IdentityQuery) -> tuple[RegistryOutcome, tuple[str, ...]]:
    async with sandbox.client() as client:
        [result] = await client.check([q])
    return result.outcome, result.mismatched


async def test_match_ignores_case_spacing_and_punctuation(sandbox: Sandbox) -> None:
    assert await check_one(sandbox, query("  SITI   aminah ")) == (RegistryOutcome.MATCH, ())
    assert await check_one(sandbox, query(kk=KK)) == (RegistryOutcome.MATCH, ())


async def test_mismatch_says_which_field_differs(sandbox: Sandbox) -> None:
    assert await check_one(sandbox, query("Siti Aminnah")) == (RegistryOutcome.MISMATCH,
                                                               ("name",))
    assert await check_one(sandbox, query(born=BORN + dt.timedelta(days=1))) == (
        RegistryOutcome.MISMATCH, ("birth_date",))
    assert await check_one(sandbox, query("Siti", BORN.replace(year=1981))) == (
        RegistryOutcome.MISMATCH, ("name", "birth_date"))
    assert await check_one(sandbox, query(kk="3273010403150002")) == (
        RegistryOutcome.MISMATCH, ("kk_number",))


async def test_not_found(sandbox: Sandbox) -> None:
    outcome, _ = await check_one(sandbox, query(nik="3273014102800009"))
    assert outcome is RegistryOutcome.NOT_FOUND


async def test_deceased_with_the_date(sandbox: Sandbox) -> None:
    await sandbox.add(person(NIK, "Siti Aminah", BORN, deceased=True, death_date="2024-05-01"))
    async with sandbox.client() as client:
        [result] = await client.check([query()])
    assert result.outcome is RegistryOutcome.DECEASED
    assert result.death_date == dt.date(2024, 5, 1)
    assert "2024-05-01" in result.detail


async def test_results_come_back_in_request_order_with_every_outcome(sandbox: Sandbox) -> None:
    await sandbox.add(person("3273014102800002", "Dewi Lestari", BORN, deceased=True))
    queries = [query(nik="3273014102800003"), query("Dewi Lestari", nik="3273014102800002"),
               query("Siti Aminah"), query("Siti A.")]
    async with sandbox.client(batch_size=2) as client:
        results = await client.check(queries)
    assert [r.query for r in results] == queries
    assert [r.outcome for r in results] == [RegistryOutcome.NOT_FOUND, RegistryOutcome.DECEASED,
                                            RegistryOutcome.MATCH, RegistryOutcome.MISMATCH]


async def test_batches_many_identifiers_per_request(sandbox: Sandbox) -> None:
    records = [household(members=5) for _ in range(90)]  # 450 people
    await sandbox.add_members(records)
    queries = [IdentityQuery(m.nik, m.name, m.birth_date) for h in records for m in h.members]
    await sandbox.reset_stats()
    async with sandbox.client(batch_size=200) as client:
        results = await client.check(queries)
    assert {r.outcome for r in results} == {RegistryOutcome.MATCH}
    assert await sandbox.stats() == {"search_requests": 3, "search_items": 450,
                                     "injected_failures": 0, "rejected_requests": 0}
    assert sorted(e["header"]["total_count"] for e in sandbox.envelopes) == [50, 200, 200]


async def test_request_envelope_has_every_field_the_spec_requires(sandbox: Sandbox) -> None:
    async with sandbox.client(sender_id="siks-node-32.73", receiver_id="dukcapil") as client:
        await client.check([query(), query(nik="3273014102800009")])
    [envelope] = sandbox.envelopes
    assert request_problems(envelope) == []
    header, message = envelope["header"], envelope["message"]
    assert (header["action"], header["sender_id"], header["receiver_id"],
            header["total_count"], header["version"]) == (
        "search", "siks-node-32.73", "dukcapil", 2, "1.0.0")
    criteria = message["search_request"][0]["search_criteria"]
    assert criteria["query_type"] == "idtype-value"
    assert criteria["query"] == {"type": "NIK", "value": NIK}
    assert criteria["reg_type"]
    references = [item["reference_id"] for item in message["search_request"]]
    assert len(set(references)) == 2
    assert "signature" not in envelope  # optional in the spec; only sent with a signer


async def test_a_signer_fills_the_signature(sandbox: Sandbox) -> None:
    config = DukcapilConfig(url=sandbox.url)
    seen = []

    def signer(header: object, message: object) -> str:
        seen.append((header, message))
        return "signed"

    async with DciDukcapilClient(config, signer=signer) as client:
        await client.check([query()])
    assert sandbox.envelopes[0]["signature"] == "signed"
    assert seen[0] == (sandbox.envelopes[0]["header"], sandbox.envelopes[0]["message"])


async def test_transient_failures_are_retried_with_growing_backoff(sandbox: Sandbox) -> None:
    await sandbox.faults(fail_next=3)
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    config = DukcapilConfig(url=sandbox.url, attempts=4, backoff_base_s=0.1, backoff_max_s=10)
    async with DciDukcapilClient(config, sleep=sleep, rng=random.Random(1)) as client:
        [result] = await client.check([query()])
    assert result.outcome is RegistryOutcome.MATCH
    assert client.attempts_made == 4
    assert (await sandbox.stats())["search_requests"] == 4
    assert len(sleeps) == 3
    for retry, delay in enumerate(sleeps, start=1):  # equal jitter: [d/2, d], d = 0.1·2^(n-1)
        ceiling = 0.1 * 2 ** (retry - 1)
        assert ceiling / 2 <= delay <= ceiling
    # each attempt is a new message of the same transaction, asking the same references
    message_ids = {e["header"]["message_id"] for e in sandbox.envelopes}
    transactions = {e["message"]["transaction_id"] for e in sandbox.envelopes}
    references = {e["message"]["search_request"][0]["reference_id"] for e in sandbox.envelopes}
    assert (len(message_ids), len(transactions), len(references)) == (4, 1, 1)


def test_backoff_is_capped_and_jittered() -> None:
    rng = random.Random(3)
    delays = [backoff_delay(n, 0.2, 1.0, rng) for n in range(1, 8)]
    assert all(0.5 <= d <= 1.0 for d in delays[3:])  # capped at 1.0
    assert len({round(d, 6) for d in delays}) == len(delays)  # jittered


async def test_registry_down_raises_unavailable_after_the_attempts(sandbox: Sandbox) -> None:
    await sandbox.faults(down=True)
    async with sandbox.client(attempts=3) as client:
        with pytest.raises(RegistryUnavailable, match="after 3 attempts: HTTP 503"):
            await client.check([query()])
    assert (await sandbox.stats())["search_requests"] == 3


async def test_timeouts_are_transient(sandbox: Sandbox) -> None:
    await sandbox.faults(down=True, down_mode="hang")
    async with sandbox.client(attempts=2, timeout_s=0.2) as client:
        with pytest.raises(RegistryUnavailable, match="no answer within 0.2 s"):
            await client.check([query()])
    await sandbox.clear_faults()
    await sandbox.faults(latency_ms=300)
    async with sandbox.client(attempts=2, timeout_s=0.1) as client:
        with pytest.raises(RegistryUnavailable):
            await client.check([query()])
    assert (await sandbox.stats())["search_requests"] == 4


async def test_connection_refused_is_unavailable() -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    config = DukcapilConfig(url=f"http://127.0.0.1:{port}", attempts=2, backoff_base_s=0.001)
    async with DciDukcapilClient(config) as client:
        with pytest.raises(RegistryUnavailable, match="after 2 attempts"):
            await client.check([query()])
    assert client.attempts_made == 2


async def test_a_definitive_refusal_is_never_retried(sandbox: Sandbox) -> None:
    await sandbox.faults(fail_next=1, fail_status=403)
    async with sandbox.client(attempts=5) as client:
        with pytest.raises(RegistryRejected, match="HTTP 403"):
            await client.check([query()])
    assert client.attempts_made == 1
    async with sandbox.client(attempts=5, batch_size=5000) as client:  # over the sandbox limit
        with pytest.raises(RegistryRejected, match="limit_exceeded"):
            await client.check([query(nik=f"32730141028{n:05d}") for n in range(1001)])
    assert client.attempts_made == 1


async def test_an_item_the_registry_refuses_is_rejected_not_retried(sandbox: Sandbox) -> None:
    async with sandbox.client() as client:
        results = await client.check([query(nik="32730141"), query()])
    assert [r.outcome for r in results] == [RegistryOutcome.REJECTED, RegistryOutcome.MATCH]
    assert "rjct.search_criteria.invalid" in results[0].detail
    assert client.attempts_made == 1


async def test_down_mid_call_keeps_the_batches_answered(sandbox: Sandbox) -> None:
    records = [household(members=4) for _ in range(25)]  # 100 people
    await sandbox.add_members(records)
    queries = [IdentityQuery(m.nik, m.name, m.birth_date) for h in records for m in h.members]
    await sandbox.faults(down_after=3)
    async with sandbox.client(batch_size=20, concurrency=1, attempts=2) as client:
        with pytest.raises(RegistryUnavailable) as caught:
            await client.check(queries)
    assert [r.query for r in caught.value.answered] == queries[:60]
    assert {r.outcome for r in caught.value.answered} == {RegistryOutcome.MATCH}


def test_config_from_environment() -> None:
    config = DukcapilConfig.from_env({
        "SIKS_NODE_DUKCAPIL_URL": "http://registry.example/", "SIKS_NODE_DUKCAPIL_BATCH_SIZE": "50",
        "SIKS_NODE_DUKCAPIL_TIMEOUT": "2.5", "SIKS_NODE_DUKCAPIL_TOKEN": "t0k"})
    assert (config.url, config.batch_size, config.timeout_s, config.token) == (
        "http://registry.example", 50, 2.5, "t0k")
    assert DukcapilConfig.from_env({}, url="http://x", batch_size=7).batch_size == 7
    with pytest.raises(ConfigError, match="SIKS_NODE_DUKCAPIL_URL is not set"):
        DukcapilConfig.from_env({})
    with pytest.raises(ConfigError, match="BATCH_SIZE"):
        DukcapilConfig.from_env({"SIKS_NODE_DUKCAPIL_URL": "http://x",
                                 "SIKS_NODE_DUKCAPIL_BATCH_SIZE": "many"})
    with pytest.raises(ConfigError, match="not an http"):
        DukcapilConfig.from_env({"SIKS_NODE_DUKCAPIL_URL": "ftp://x"})


async def test_bearer_token_is_sent(tmp_path: Path) -> None:
    async with running_sandbox(tmp_path, token="secret") as sandbox:
        await sandbox.add(person(NIK, "Siti Aminah", BORN))
        async with sandbox.client(token="secret") as client:
            [result] = await client.check([query()])
        assert result.outcome is RegistryOutcome.MATCH
        async with sandbox.client(token="wrong", attempts=3) as client:
            with pytest.raises(RegistryRejected, match="HTTP 401 err.request.unauthorized"):
                await client.check([query()])
        assert client.attempts_made == 1
