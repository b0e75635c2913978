"""`siks gateway deciles compute --issue` and `show` against real node apps (the command
asks the nodes registered in the gateway's database, as the served gateway does), and its
one-line refusals."""

from __future__ import annotations

import asyncio
import os
import random
import sys
from pathlib import Path
from typing import Any

from gateway.adapters.database import open_database
from gateway.service_layer.deciles import latest_run
from tests.gateway.identity_helpers import secure_gateway
from tests.gateway.test_deciles import central_cuts, deliver, desils, scored

SIKS = [sys.executable, "-m", "siks"]
ROOT = str(Path(__file__).resolve().parents[2])


async def siks(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *SIKS, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": ROOT})
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, out.decode(), err.decode()


async def test_compute_issue_and_show(cluster: Any, dev_pki: Any, tmp_path: Path,
                                      aiohttp_client: Any) -> None:
    counted = await scored(cluster, random.Random(7))
    await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)  # registers the nodes
    url, pki = f"sqlite:///{tmp_path / 'gateway.sqlite'}", str(dev_pki.layout.root)
    code, out, err = await siks("gateway", "deciles", "compute", "--issue", "--db", url,
                                "--pki-dir", pki)
    assert code == 0, err
    every = [s for region in counted.values() for s in region.values()]
    cuts = central_cuts(every)
    assert f"  c5 = {cuts[4] / 1_000_000:.6f}" in out.splitlines()
    assert "dikirim ke / sent to 3 node" in out
    database = open_database(url)
    try:
        run = await latest_run(database)
        assert run is not None and tuple(run.cuts) == cuts
        assert [r["status"] for r in await deliver(cluster, database, dev_pki.layout.root,
                                                   "32.73")] == ["APPLIED"]
    finally:
        await database.dispose()
    assert {cut_set for _, cut_set in (await desils(cluster.nodes["32.73"].database)).values()
            } == {run.cut_set_id, None}  # None: the inactive household
    code, out, err = await siks("gateway", "deciles", "show", "--db", url, "--pki-dir", pki)
    assert code == 0, err
    assert "  35.78: 0 0 0 0 0 0 0 0 0 0" in out.splitlines()


async def test_refusals_are_one_line(cluster: Any, dev_pki: Any, tmp_path: Path,
                                     aiohttp_client: Any) -> None:
    await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)
    url = f"sqlite:///{tmp_path / 'gateway.sqlite'}"
    code, out, err = await siks("gateway", "deciles", "compute", "--db", url, "--pki-dir",
                                str(dev_pki.layout.root))  # no household has a score
    assert code != 0 and len(err.strip().splitlines()) == 1, err
    assert "no household has a score" in err
    code, out, err = await siks("gateway", "deciles", "show", "--db",
                                f"sqlite:///{tmp_path / 'empty.sqlite'}")
    assert code == 1 and "no decile computation yet" in out
