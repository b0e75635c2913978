"""Node configuration from SIKS_NODE_* variables, failing loudly and clearly."""

from __future__ import annotations

import pytest

from regional_node.adapters.database import async_url
from regional_node.config import NodeConfig, database_url
from regional_node.errors import ConfigError


def test_environment_and_flags():
    env = {"SIKS_NODE_REGION": "35.78", "SIKS_NODE_DB_URL": "sqlite:///n.db",
           "SIKS_NODE_PORT": "9000"}
    config = NodeConfig.from_env(env)
    assert (config.region, config.db_url, config.port, config.host) == (
        "35.78", "sqlite:///n.db", 9000, "127.0.0.1")
    assert NodeConfig.from_env(env, region="53.71", port=None).region == "53.71"


@pytest.mark.parametrize(("env", "message"), [
    ({"SIKS_NODE_DB_URL": "sqlite:///n.db"}, "SIKS_NODE_REGION is not set (or pass --region)"),
    ({"SIKS_NODE_REGION": "32.73"}, "SIKS_NODE_DB_URL is not set (or pass --db)"),
    ({"SIKS_NODE_REGION": "32", "SIKS_NODE_DB_URL": "sqlite:///n"}, "is a provinsi, expected"),
    ({"SIKS_NODE_REGION": "32.99", "SIKS_NODE_DB_URL": "sqlite:///n"}, "32.99 does not exist"),
    ({"SIKS_NODE_REGION": "32.73", "SIKS_NODE_DB_URL": "sqlite:///n", "SIKS_NODE_PORT": "x"},
     "SIKS_NODE_PORT: 'x' is not a whole number"),
    ({"SIKS_NODE_REGION": "32.73", "SIKS_NODE_DB_URL": "sqlite:///n",
      "SIKS_NODE_PORT": "70000"}, "not a TCP port"),
])
def test_bad_configuration_names_the_variable(env, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        NodeConfig.from_env(env)


def test_database_urls():
    assert async_url("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"
    assert async_url("postgresql://postgres@h:5432/db") == "postgresql+asyncpg://postgres@h:5432/db"
    for bad, message in [("mysql://h/db", "unsupported database"),
                         ("sqlite://", "needs a file"), ("nonsense", "not a database URL")]:
        with pytest.raises(ConfigError, match=message):
            async_url(bad)
    with pytest.raises(ConfigError, match="SIKS_NODE_DB_URL"):
        database_url(None, {})


BASE = {"SIKS_NODE_REGION": "32.73", "SIKS_NODE_DB_URL": "sqlite:///n.db"}


@pytest.mark.parametrize(("raw", "production"), [
    ("on", True), ("TRUE ", True), ("1", True), ("yes", True), ("off", False), ("0", False),
    ("", False)])
def test_production_takes_the_documented_words(raw, production):
    """Security review #16, item 11: "TRUE " or "on" used to mean off (the hardening gone)."""
    assert NodeConfig.from_env({**BASE, "SIKS_NODE_PRODUCTION": raw}).production is production


def test_a_production_value_that_is_no_boolean_is_refused():
    with pytest.raises(ConfigError, match="SIKS_NODE_PRODUCTION: 'maybe' is not a boolean"):
        NodeConfig.from_env({**BASE, "SIKS_NODE_PRODUCTION": "maybe"})


@pytest.mark.parametrize(("extra", "message"), [
    ({"SIKS_NODE_MTLS_PORT": "8201"}, "SIKS_NODE_MTLS_PORT needs SIKS_NODE_PKI_DIR"),
    ({"SIKS_NODE_GATEWAY_URL": "https://g:8443"}, "SIKS_NODE_GATEWAY_URL needs SIKS_NODE_PKI_DIR"),
    ({"SIKS_NODE_PKI_DIR": "/p", "SIKS_NODE_MTLS_PORT": "x"}, "SIKS_NODE_MTLS_PORT: 'x' is not"),
    ({"SIKS_NODE_PKI_DIR": "/p", "SIKS_NODE_MTLS_PORT": "99999"}, "not a TCP port"),
])
def test_federation_settings_fail_loudly(extra, message):
    with pytest.raises(ConfigError, match=message):
        NodeConfig.from_env({**BASE, **extra})


def test_the_mtls_listener_defaults_beside_the_http_port():
    config = NodeConfig.from_env({**BASE, "SIKS_NODE_PORT": "8101", "SIKS_NODE_PKI_DIR": "/p"})
    assert config.listener_mtls_port == 8201
    assert (config.ca_certificate, config.crl) == ("/p/ca/ca.crt", "/p/ca/crl.pem")
    assert NodeConfig.from_env(BASE).listener_mtls_port is None
