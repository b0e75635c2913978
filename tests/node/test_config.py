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
     "SIKS_NODE_PORT: 'x' is not a number"),
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
