"""`siks demo` as a newcomer runs it: registry sandbox, three seeded nodes, the gateway, logins."""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket

import aiohttp

from siks.demo import DEMO_REGIONS, INBOX_PORT_OFFSET, MTLS_PORT_OFFSET, run_demo


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _base_port() -> int:
    for _ in range(50):
        base = random.randint(20_000, 40_000)
        wanted = [base - 2, base - 1, base - 1 + INBOX_PORT_OFFSET,
                  *range(base, base + len(DEMO_REGIONS)),
                  *range(base + MTLS_PORT_OFFSET, base + MTLS_PORT_OFFSET + len(DEMO_REGIONS))]
        if all(_free(p) for p in wanted):
            return base
    raise AssertionError("no free ports")


async def test_demo_serves_gateway_nodes_and_registry(tmp_path, monkeypatch):
    # run_demo points its nodes at the sandbox through the environment: restore it afterwards
    monkeypatch.setenv("SIKS_NODE_DUKCAPIL_URL", "unset")
    monkeypatch.delenv("SIKS_NODE_DUKCAPIL_URL")
    base, ready, stop = _base_port(), asyncio.Event(), asyncio.Event()
    demo = asyncio.create_task(run_demo(tmp_path, households=30, host="127.0.0.1",
                                        base_port=base, seed=3, ready=ready, stop=stop))
    try:
        await asyncio.wait_for(ready.wait(), timeout=120)
        passwords = json.loads((tmp_path / "demo-logins.json").read_text())
        async with aiohttp.ClientSession() as http:
            login = await http.post(f"http://127.0.0.1:{base - 1}/auth/login", json={
                "username": "kemensos", "password": passwords["gateway/kemensos"]})
            token = (await login.json())["access_token"]
            answer = await http.post(
                f"http://127.0.0.1:{base - 1}/graphql",
                json={"query": "{ householdCounts(groupBy: [KABKOTA], maxAgeSeconds: 0) "
                               "{ kabkotaCode households } }"},
                headers={"Authorization": f"Bearer {token}"})
            body = await answer.json()
            assert "errors" not in body, body
            assert {(g["kabkotaCode"], g["households"]) for g in body["data"]["householdCounts"]
                    } == {(region, 30) for region in DEMO_REGIONS}
            page = await http.get(f"http://127.0.0.1:{base}/graphql",
                                  headers={"Accept": "text/html"})
            assert page.status == 200 and "graphiql" in (await page.text()).lower()
            for port in (base - 1, base):  # the web app the demo prints, gateway and node
                web_page = await http.get(f"http://127.0.0.1:{port}/web/")
                assert web_page.status == 200
                assert 'lang="id"' in await web_page.text()
            stats = await http.get(f"http://127.0.0.1:{base - 2}/healthz")
            assert stats.status == 200
        assert os.environ["SIKS_NODE_DUKCAPIL_URL"] == f"http://127.0.0.1:{base - 2}"
    finally:
        stop.set()
        await asyncio.wait_for(demo, timeout=60)


def test_a_taken_port_is_one_line(tmp_path):
    import subprocess
    import sys

    base = _base_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", base))  # the first node's port
        taken.listen()
        done = subprocess.run(
            [sys.executable, "-m", "siks", "demo", "--dir", str(tmp_path / "d"),
             "--households", "5", "--base-port", str(base)],
            capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("siks")]
    assert len(errors) == 1 and "Traceback" not in done.stderr, done.stderr
    assert errors[0].startswith("siks: error: a port the demo needs is taken")
    assert f"--base-port (now {base})" in errors[0]
