"""docs/dukcapil.md, run as printed (tests/docs/runner.py), on the port it prints: the sandbox
seeded from a node, faults set and cleared, `siks node match-nik`; and the DCI request and
answer it prints have the keys of what the client sends and the sandbox answers."""

from __future__ import annotations

import datetime as dt
import json

from regional_node.domain.population_registry import IdentityQuery
from tests.docs.runner import (
    blocks,
    doc,
    json_lines,
    require_free_ports,
    run,
    runnable,
    same_keys,
    script,
    unlabelled_blocks,
)
from tests.registry.sandbox import person, running_sandbox


def test_dukcapil_md_runs_as_printed(tmp_path):
    require_free_ports([8199], "docs/dukcapil.md")
    text = doc("dukcapil.md")
    page = runnable(text)
    assert [b[0] for b in page] == ["bash", "bash", "bash", "graphql"]
    page = page[:3]  # the finding query runs as printed in tests/node/test_registry_findings.py
    out = run(script(page), tmp_path, timeout=120)
    printed = [line.split("→ ", 1)[1] for line in page[0][1].splitlines() if "# → " in line]
    assert printed and printed[0] in out[0]
    assert "resident 3273014102800001 stored" in out[0]
    down, cleared = json_lines(out[1].replace("}{", "}\n{"))
    assert (down["down_after"], down["down_mode"]) == (3, "hang")
    assert (cleared["down_after"], cleared["down"]) == (None, False)
    assert out[2].splitlines() == unlabelled_blocks(text)[-1].splitlines()


async def test_dukcapil_md_prints_the_dci_messages_that_travel(tmp_path):
    request_sample, answer_sample = (json.loads(code.replace("…", ""))
                                     for language, code, _ in blocks(doc("dukcapil.md"))
                                     if language == "json")
    async with running_sandbox(tmp_path) as sandbox:
        await sandbox.add(person("3273014102800001", "Siti Aminah", dt.date(1980, 2, 1),
                                 kk_number="3273010403150001"))
        async with sandbox.client() as client:
            await client.check([IdentityQuery("3273014102800001", "Siti Aminah",
                                              dt.date(1980, 2, 1))])
        [request] = sandbox.envelopes
        same_keys(request_sample, request)
        async with sandbox.http.post(f"{sandbox.url}/registry/sync/search",
                                     json=request) as response:
            answer = await response.json()
    same_keys(answer_sample, answer)
    assert answer["message"]["search_response"][0]["status"] == "succ"
