"""``bench/gateway_completion.py`` runs (one short round) and its page is what the pass-through
path answers: 50 households, 4 members each, every read noted."""

from __future__ import annotations

import pytest

from bench import gateway_completion


def test_the_page_is_complete_and_the_harness_reports(capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    data = gateway_completion.page()
    edges = data["households"]["edges"]
    assert len(edges) == 50 and all(len(e["node"]["members"]) == 4 for e in edges)
    assert edges[0]["node"]["id"] == "32.73:1000" and edges[0]["node"]["status"] == "ACTIVE"
    assert edges[0]["node"]["members"][0] == {"nik": "3273010100000000", "name": "Warga 0-0",
                                              "relationship": "HEAD"}
    assert gateway_completion.main(["--rounds", "1"]) == 0
    assert "page of 50 completed: CPU median" in capsys.readouterr().out
