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
    assert [b[0] for b in page] == ["bash"] * 5 + ["graphql"] * 7 + ["bash", "graphql"]
    # "Stop the node of Kota Surabaya (Ctrl+C in its terminal)": the second server started;
    # the public's GraphQL (no token) is sent to the gateway the page serves
    out = run(script(page, graphql=lambda block: (
        "http://127.0.0.1:8080/graphql", "MITRA" if "crossCheck" in block[1] else None),
                     by_hand={3: "kill $pid_1 && wait $pid_1 || true"}), tmp_path,
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

    _the_public_as_printed(out)
    _the_partners_cross_check_as_printed(out)


def _the_public_as_printed(out: dict[int, str]) -> None:
    """Blocks 5-11: a citizen's way to Gegerkalong by name, the search, an usul and its
    receipt, as the public (no token)."""
    answers = [json_lines(out[n])[0] for n in range(5, 12)]
    assert all("errors" not in a for a in answers), answers
    provinces, kabkotas, kecamatans, desas, search, usul, receipt = (
        a["data"] for a in answers)
    assert {"code": "32", "name": "Jawa Barat", "served": True} in provinces["provinces"]
    assert {"code": "32.73", "name": "Kota Bandung", "served": True} in kabkotas["kabkotas"]
    assert {"code": "32.73.01", "name": "Sukasari"} in kecamatans["kecamatans"]
    assert {"code": "32.73.01.1002", "name": "Gegerkalong"} in desas["desas"]
    [found] = search["households"]["edges"]
    assert found["node"]["status"] == "ACTIVE" and found["node"]["desaName"] == "Gegerkalong"
    assert {p["program"] for p in found["node"]["programs"]} == {"PKH", "BPNT", "PBI_JK"}
    assert usul == {"submitUsul": {"receiptId": "32.73:5f0c2a8e-3b7d-4c1e-9a6f-0d2b4e6c8a10",
                                   "status": "OPEN"}}
    assert receipt == {"communityReportReceipt": {"status": "OPEN"}}


def _the_partners_cross_check_as_printed(out: dict[int, str]) -> None:
    """Blocks 12-13: the partner logs in and checks three NIKs of Kota Bandung's seed: Oom
    (PKH and BPNT with the household, PBI-JK her own), a pupil (PIP), one registered nowhere."""
    answer = json_lines(out[13])[0]
    # Kota Surabaya's node is still stopped: its NIKs (the unplaced one) are unknown
    assert [e["extensions"] for e in answer["errors"]] == [
        {"code": "NODE_UNAVAILABLE", "region": "35.78"}]
    oom, pupil, unknown = answer["data"]["crossCheck"]
    assert (oom["registered"], oom["desilBand"]) == (True, "DESIL_1_2")
    assert {(p["program"], p["level"]) for p in oom["programs"]} == {
        ("PKH", "HOUSEHOLD"), ("BPNT", "HOUSEHOLD"), ("PBI_JK", "PERSON")}
    assert (pupil["registered"], pupil["desilBand"]) == (True, "DESIL_3_4")
    assert ("PIP", "PERSON") in {(p["program"], p["level"]) for p in pupil["programs"]}
    assert unknown == {"nik": "3273014707779876", "registered": None, "desilBand": None,
                       "programs": []}
    assert "Oom" not in out[13]  # no name
