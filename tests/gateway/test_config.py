"""GatewayConfig reads SIKS_GATEWAY_* and fails loudly, naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config import GatewayConfig
from gateway.errors import ConfigError

SECRET = "s" * 32
BASE = {"SIKS_GATEWAY_DB_URL": "sqlite:///gw.db", "SIKS_GATEWAY_DIRECTORY_SECRET": SECRET}


def test_reads_the_environment_with_defaults():
    config = GatewayConfig.from_env({**BASE, "SIKS_GATEWAY_DEADLINE_MS": "1500"})
    assert (config.db_url, config.port, config.deadline_ms, config.pki_dir) == (
        "sqlite:///gw.db", 8080, 1500, None)


def test_the_nik_directory_refreshes_daily_unless_told_otherwise():
    assert (GatewayConfig.from_env(BASE).directory_refresh_s,
            GatewayConfig.from_env(BASE).rollup_refresh_s) == (86_400.0, 300.0)
    told = {**BASE, "SIKS_GATEWAY_DIRECTORY_REFRESH_S": "3600"}
    assert GatewayConfig.from_env(told).directory_refresh_s == 3600.0
    off = {**BASE, "SIKS_GATEWAY_DIRECTORY_REFRESH_S": "0"}
    assert GatewayConfig.from_env(off).directory_refresh_s == 0.0


def test_flags_override_the_environment():
    assert GatewayConfig.from_env(BASE, port=9000).port == 9000


@pytest.mark.parametrize("missing", ["SIKS_GATEWAY_DB_URL", "SIKS_GATEWAY_DIRECTORY_SECRET"])
def test_a_missing_required_value_names_the_variable(missing: str):
    env = {k: v for k, v in BASE.items() if k != missing}
    with pytest.raises(ConfigError, match=missing):
        GatewayConfig.from_env(env)


@pytest.mark.parametrize(("name", "value", "message"), [
    ("SIKS_GATEWAY_PORT", "eighty", "SIKS_GATEWAY_PORT: 'eighty' is not a whole number"),
    ("SIKS_GATEWAY_PORT", "70000", "not a TCP port"),
    ("SIKS_GATEWAY_DIRECTORY_SECRET", "short", "at least 32 characters"),
    ("SIKS_GATEWAY_DEADLINE_MS", "0", "SIKS_GATEWAY_DEADLINE_MS must be at least 10"),
    ("SIKS_GATEWAY_MAX_CONCURRENCY", "0", "SIKS_GATEWAY_MAX_CONCURRENCY"),
    ("SIKS_GATEWAY_PKI_DIR", "/nonexistent/pki", "is not a directory"),
    ("SIKS_GATEWAY_NODES_FILE", "/nonexistent/nodes.txt", "does not exist"),
    ("SIKS_GATEWAY_DIRECTORY_REFRESH_S", "-1", "SIKS_GATEWAY_DIRECTORY_REFRESH_S must not be "
                                                "negative"),
    ("SIKS_GATEWAY_DIRECTORY_REFRESH_S", "daily", "'daily' is not a number"),
])
def test_bad_values_fail_loudly(name: str, value: str, message: str):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        GatewayConfig.from_env({**BASE, name: value})


def test_production_requires_mutual_tls(tmp_path: Path):
    with pytest.raises(ConfigError, match="PKI_DIR is required in production"):
        GatewayConfig.from_env({**BASE, "SIKS_GATEWAY_PRODUCTION": "1"})
    assert GatewayConfig.from_env({**BASE, "SIKS_GATEWAY_PRODUCTION": "1",
                                   "SIKS_GATEWAY_PKI_DIR": str(tmp_path)}).production


@pytest.mark.parametrize(("raw", "expected"), [
    ("1", True), ("true", True), ("YES", True), (" On ", True), ("TRUE ", True),
    ("0", False), ("false", False), ("No", False), ("off", False), ("", False)])
def test_production_takes_every_documented_boolean_word(tmp_path: Path, raw: str,
                                                        expected: bool):
    env = {**BASE, "SIKS_GATEWAY_PRODUCTION": raw, "SIKS_GATEWAY_PKI_DIR": str(tmp_path)}
    assert GatewayConfig.from_env(env).production is expected


@pytest.mark.parametrize("name", ["SIKS_GATEWAY_PRODUCTION", "SIKS_GATEWAY_PASS_THROUGH"])
@pytest.mark.parametrize("raw", ["enabled", "2", "y", "tru", "of"])
def test_a_boolean_outside_the_documented_words_is_refused_naming_it(name: str, raw: str):
    with pytest.raises(ConfigError, match=f"^{name}: {raw!r} is not a boolean"):
        GatewayConfig.from_env({**BASE, name: raw})


def test_pass_through_stays_on_unless_turned_off():
    assert GatewayConfig.from_env(BASE).pass_through is True
    off = {**BASE, "SIKS_GATEWAY_PASS_THROUGH": "off"}
    assert GatewayConfig.from_env(off).pass_through is False


def test_env_bool_reads_one_variable_by_the_same_words():
    from service_kit.settings import env_bool

    assert env_bool("SIKS_X", environ={"SIKS_X": " YES "}) is True
    assert env_bool("SIKS_X", environ={}) is False
    assert env_bool("SIKS_X", True, environ={"SIKS_X": ""}) is True
    with pytest.raises(ConfigError, match="^SIKS_X: 'ja' is not a boolean"):
        env_bool("SIKS_X", environ={"SIKS_X": "ja"})
