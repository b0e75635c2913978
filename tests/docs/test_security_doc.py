"""docs/security.md's production profile, run as printed (tests/docs/runner.py), on the ports it
prints: a node and the gateway in production mode serve no GraphiQL, refuse introspection,
keep their issuer keys private, and let their users log in."""

from __future__ import annotations

import stat

from tests.docs.runner import doc, json_lines, require_free_ports, run, runnable, script


def test_security_md_production_profile_runs_as_printed(tmp_path):
    require_free_ports([8100, 8080, 8443], "docs/security.md")
    page = runnable(doc("security.md"))
    assert [b[0] for b in page] == ["bash", "bash", "bash"]
    out = run(script(page), tmp_path, timeout=300)
    checks = out[2]
    assert "GraphiQL on 8100: 404" in checks and "GraphiQL on 8080: 404" in checks
    node, gateway, login = json_lines(checks)
    for refused in (node, gateway):
        assert refused["data"] is None
        assert {e["extensions"]["code"] for e in refused["errors"]} == {
            "GRAPHQL_VALIDATION_FAILED"}
        assert {e["extensions"]["reason"] for e in refused["errors"]} == {"introspection"}
    assert login["token_type"] == "Bearer" and login["access_token"]
    for folder in ("data-node", "data-gateway"):
        keys = list((tmp_path / folder).glob("*.key"))
        assert keys, folder
        assert all(stat.S_IMODE(k.stat().st_mode) == 0o600 for k in keys)
