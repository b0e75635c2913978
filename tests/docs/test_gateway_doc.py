"""docs/gateway.md, run as printed (tests/docs/runner.py), on the ports it prints: two nodes
and the gateway, a NIK the directory does not know yet, a node stopped (the partial answer),
a partner ministry's login, the node removed, a refresh and the audit chain."""

from __future__ import annotations

import json

from tests.docs.runner import (
    blocks,
    doc,
    json_lines,
    require_free_ports,
    run,
    runnable,
    same_keys,
    script,
)


def test_gateway_md_runs_as_printed(tmp_path):
    require_free_ports([8080, 8101, 8102, 8201, 8202, 8443], "docs/gateway.md")
    text = doc("gateway.md")
    page = runnable(text)
    assert [b[0] for b in page] == ["bash"] * 5
    # "Stop the node of Kota Surabaya (Ctrl+C in its terminal)": the second server started
    out = run(script(page, by_hand={3: "kill $pid_1 && wait $pid_1 || true"}), tmp_path,
              timeout=300)
    assert "32.73" in out[1] and "35.78" in out[1] and "ACTIVE" in out[1]
    directory_sample, partial_sample = (code for language, code, _ in blocks(text)
                                        if language == "json")

    person = json_lines(out[2])[0]
    assert person["data"]["person"]["name"] == "Sukardi"
    same_keys(json.loads("{" + directory_sample + "}"), {"extensions": {
        "nikDirectory": person["extensions"]["nikDirectory"]}})
    assert person["extensions"]["nikDirectory"]["region"] == "35.78"

    partial = json_lines(out[3])[0]
    assert partial["errors"][0]["extensions"] == {"code": "NODE_UNAVAILABLE", "region": "35.78"}
    assert {e["node"]["id"].split(":")[0] for e in partial["data"]["households"]["edges"]} == {
        "32.73"}
    sample = json.loads(partial_sample.replace("[ … ]", "[]").replace("…", ""))
    same_keys(sample["extensions"]["federation"], partial["extensions"]["federation"])
    assert partial["extensions"]["federation"]["failed"] == 1
    same_keys(sample["errors"][0], partial["errors"][0])

    login = json_lines(out[4])[0]
    assert login["token_type"] == "Bearer" and login["expires_in"] == 900
    assert "gateway audit chain OK" in out[4]
