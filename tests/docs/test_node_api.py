"""docs/node-api.md, run as printed (tests/docs/runner.py), on the port it prints."""

from __future__ import annotations

import json
import re

from tests.docs.runner import doc, json_lines, require_free_ports, run, runnable, same_keys, script


def test_node_api_md_runs_as_printed(tmp_path):
    require_free_ports([8100], "docs/node-api.md")
    text = doc("node-api.md")
    page = runnable(text)
    assert [b[0] for b in page] == ["bash", "bash", "graphql", "graphql", "graphql"]
    out = run(script(page, graphql=lambda block: ("http://127.0.0.1:8100/graphql", "TOKEN")),
              tmp_path, timeout=120)
    login, asked = json_lines(out[1].replace("}{", "}\n{"))
    sample = re.search(r"^# (\{\"access_token\".*\})$", page[1][1], flags=re.MULTILINE)
    assert sample is not None
    same_keys(json.loads(sample.group(1).replace("…", "")), login)
    assert login["token_type"] == "Bearer" and login["expires_in"] == 900
    assert asked["data"]["node"] == {"region": "32.73", "regionName": "Kota Bandung"}

    counts = json_lines(out[2])[0]["data"]["householdCounts"]
    assert sum(row["households"] for row in counts) == 2000
    assert {row["kecamatanCode"][:5] for row in counts} == {"32.73"}
    poorest = json_lines(out[3])[0]["data"]["households"]
    assert poorest["totalCount"] >= 1 and len(poorest["edges"]) == min(20, poorest["totalCount"])
    assert all(e["node"]["desil"] <= 2 for e in poorest["edges"])
    person = json_lines(out[4])[0]["data"]["person"]
    assert person["name"] == "Titin Sondari"
    assert "Titin Sondari" in [m["name"] for m in person["household"]["members"]]
