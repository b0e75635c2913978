"""docker-compose.yml as a deployer relies on it: valid for `docker-compose config`, one
database per service, the CA's key on a volume only the CA steps mount, each holder's keys on
its own volume, a health check on every long-running service, start order by condition.

`docker-compose config` runs when the binary is installed (Debian's `docker-compose`);
without it the test is skipped, unless SIKS_TEST_REQUIRE_COMPOSE=1 (set by .ci/run). The same
checks run on the file as PyYAML reads it and as docker-compose resolves it."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from service_kit.settings import env_bool
from tests.deploy.compose import (
    COMPOSE_FILE,
    dependencies,
    health_url,
    is_database,
    load_compose,
    mounts,
)

REQUIRE_COMPOSE = env_bool("SIKS_TEST_REQUIRE_COMPOSE")
SERVERS = {"node-3273": "32.73", "node-3578": "35.78", "node-5371": "53.71"}


@functools.cache
def _config_output() -> str:
    binary = shutil.which("docker-compose")
    if binary is None:
        if REQUIRE_COMPOSE:
            pytest.fail("docker-compose is not installed and SIKS_TEST_REQUIRE_COMPOSE=1",
                        pytrace=False)
        pytest.skip("docker-compose is not installed (apt-get install docker-compose)")
    done = subprocess.run([binary, "-f", str(COMPOSE_FILE), "config"], capture_output=True,
                          text=True, timeout=60, cwd=COMPOSE_FILE.parent,
                          env={k: v for k, v in os.environ.items()
                               if not k.startswith("SIKS_")})
    assert done.returncode == 0, done.stderr
    return done.stdout


def _resolved() -> dict[str, Any]:
    resolved: dict[str, Any] = yaml.safe_load(_config_output())
    return resolved


@pytest.fixture(params=["pyyaml", "docker-compose"])
def compose(request: pytest.FixtureRequest) -> dict[str, Any]:
    return load_compose() if request.param == "pyyaml" else _resolved()


def _services(compose: dict[str, Any]) -> dict[str, Any]:
    services: dict[str, Any] = compose["services"]
    return services


def _mounted_by(compose: dict[str, Any], volume: str) -> set[str]:
    return {name for name, spec in _services(compose).items()
            if any(v == volume for v, _, _ in mounts(spec))}


def _one_shot(spec: dict[str, Any]) -> bool:
    return str(spec.get("restart", "no")) == "no" and "healthcheck" not in spec


def test_each_node_and_the_gateway_have_their_own_database(compose):
    services = _services(compose)
    owners: dict[str, str] = {}
    for name in [*SERVERS, "gateway"]:
        env = services[name]["environment"]
        url = env.get("SIKS_NODE_DB_URL") or env["SIKS_GATEWAY_DB_URL"]
        host = urlsplit(url).hostname
        assert host in services and is_database(services[host]), (name, url)
        assert host not in owners, f"{name} shares {host} with {owners.get(host)}"
        owners[host] = name
    databases = [n for n, s in services.items() if is_database(s)]
    assert sorted(owners) == sorted(databases)
    for db in databases:  # and each keeps its data on a volume of its own
        volumes = [v for v, _, _ in mounts(services[db])]
        assert len(volumes) == 1 and _mounted_by(compose, volumes[0]) == {db}


def test_the_ca_key_volume_is_mounted_only_by_the_ca_steps(compose):
    services = _services(compose)
    users = _mounted_by(compose, "ca")
    assert users == {"ca-create", "ca-sign"}
    for name in users:
        assert _one_shot(services[name]) and "ports" not in services[name]
    # the requests and certificates travel through pki-exchange; no server mounts it
    assert all(_one_shot(services[n]) for n in _mounted_by(compose, "pki-exchange"))


def test_each_holder_keys_live_on_its_own_volume(compose):
    services = _services(compose)
    for server, region in SERVERS.items():
        volume = f"pki-{region.replace('.', '')}"
        assert _mounted_by(compose, volume) == {
            server, f"{volume}-request", f"{volume}-install"}
        assert services[server]["environment"]["SIKS_NODE_PKI_DIR"] == "/pki"
        assert services[f"{volume}-request"]["command"][:4] == [
            "siks", "certs", "request", region]
    gateway_users = _mounted_by(compose, "pki-gateway")
    assert gateway_users == {"gateway", "pki-gateway-request", "pki-gateway-install",
                             *(f"gateway-node-add-{r.replace('.', '')}"
                               for r in SERVERS.values())}


def test_long_running_services_have_health_checks_and_one_shots_exit(compose):
    services = _services(compose)
    long_running = {n for n, s in services.items() if not _one_shot(s)}
    assert long_running == {"gateway", "registry", *SERVERS, "db-gateway", "db-3273",
                            "db-3578", "db-5371"}
    for name in long_running:
        assert services[name]["healthcheck"]["test"], name
        assert str(services[name]["restart"]) != "no"
    for name in ["gateway", *SERVERS]:
        assert str(health_url(services[name])).endswith("/readyz"), name
    for name, spec in services.items():
        for needed, condition in dependencies(spec).items():
            expected = ("service_healthy" if needed in long_running
                        else "service_completed_successfully")
            assert condition == expected, (name, needed, condition)


def test_entry_commands_are_siks_commands_configured_by_siks_variables(compose):
    for name, spec in _services(compose).items():
        if is_database(spec):
            continue
        assert spec["command"][0] == "siks" and "entrypoint" not in spec, name
        for key in spec.get("environment") or {}:
            assert key.startswith(("SIKS_NODE_", "SIKS_GATEWAY_", "SIKS_SANDBOX_")), (name, key)
