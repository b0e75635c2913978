"""Issue 17: one settings parser for both services (``service_kit.settings.Env``). Every
``SIKS_NODE_*`` and ``SIKS_GATEWAY_*`` value is parsed one way, and each malformed value fails
loudly with one line naming the variable, wherever in a service it is read; the services read
the environment nowhere else."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.config import GatewayConfig, gateway_env
from gateway.inbox.http import inbox_port
from gateway.inbox.witness import witness_settings
from regional_node.adapters.dukcapil_dci import DukcapilConfig
from regional_node.config import NodeConfig, node_env
from regional_node.entrypoints.photo_upload import settings_from_env
from regional_node.entrypoints.registry_task import recheck_interval
from regional_node.sync_config import SyncConfig
from schema.errors import ConfigError
from service_kit.settings import Env

ROOT = Path(__file__).resolve().parents[1]
NODE = {"SIKS_NODE_REGION": "32.73", "SIKS_NODE_DB_URL": "sqlite:///n.db"}
GATEWAY = {"SIKS_GATEWAY_DB_URL": "sqlite:///g.db", "SIKS_GATEWAY_DIRECTORY_SECRET": "s" * 32}


def _node(**extra: str) -> NodeConfig:
    return NodeConfig.from_env({**NODE, **{f"SIKS_NODE_{k}": v for k, v in extra.items()}})


def _gateway(**extra: str) -> GatewayConfig:
    return GatewayConfig.from_env(
        {**GATEWAY, **{f"SIKS_GATEWAY_{k}": v for k, v in extra.items()}})


def _refused(message: str):  # type: ignore[no-untyped-def]
    return pytest.raises(ConfigError, match="^" + re.escape(message))


@pytest.mark.parametrize("load", [_node, _gateway], ids=["node", "gateway"])
@pytest.mark.parametrize("raw", ["enabled", "2", "y", "of", "ja"])
def test_a_boolean_outside_the_documented_words_fails_loudly_at_both(load, raw: str) -> None:
    prefix = "SIKS_NODE_" if load is _node else "SIKS_GATEWAY_"
    with _refused(f"{prefix}PRODUCTION: {raw!r} is not a boolean"):
        load(PRODUCTION=raw)


@pytest.mark.parametrize("load", [_node, _gateway], ids=["node", "gateway"])
@pytest.mark.parametrize("raw", ["0/5", "-1/5", "10/0", "ten/5", "10/x", "inf/5", "nan"])
def test_rates_are_parsed_one_way_at_both(load, raw: str) -> None:
    """The node took 0/5 and -1/5 (no login ever allowed, or a negative refill)."""
    prefix = "SIKS_NODE_" if load is _node else "SIKS_GATEWAY_"
    for name in ("LOGIN_RATE", "PUBLIC_RATE"):
        with _refused(f"{prefix}{name}: expected <per minute>/<burst>, e.g. 10/5, not {raw!r}"):
            load(**{name: raw})
    assert (load(LOGIN_RATE="30/10").login_rate, load(PUBLIC_RATE="60").public_rate) == (
        "30/10", "60")


@pytest.mark.parametrize("load", [_node, _gateway], ids=["node", "gateway"])
def test_a_port_is_a_whole_number_at_both(load) -> None:
    prefix = "SIKS_NODE_" if load is _node else "SIKS_GATEWAY_"
    with _refused(f"{prefix}PORT: '80.5' is not a whole number"):
        load(PORT="80.5")
    with _refused(f"{prefix}METRICS_PORT: 'x' is not a whole number"
                  if load is _gateway else f"{prefix}MTLS_PORT: 'x' is not a whole number"):
        load(**({"METRICS_PORT": "x"} if load is _gateway else {"PKI_DIR": "/p",
                                                                 "MTLS_PORT": "x"}))


@pytest.mark.parametrize(("read", "variable", "raw", "message"), [
    (lambda env: SyncConfig.from_env(env), "SIKS_NODE_RELAY_INTERVAL_S", "nan",
     "SIKS_NODE_RELAY_INTERVAL_S: 'nan' is not a number"),
    (lambda env: SyncConfig.from_env(env), "SIKS_NODE_CHECKPOINT_INTERVAL_S", "-1",
     "SIKS_NODE_CHECKPOINT_INTERVAL_S must be at least 0, not -1"),
    (settings_from_env, "SIKS_NODE_PHOTO_MAX_BYTES", "0",
     "SIKS_NODE_PHOTO_MAX_BYTES must be positive, not 0"),
    (settings_from_env, "SIKS_NODE_PHOTO_MAX_BYTES", "2MB",
     "SIKS_NODE_PHOTO_MAX_BYTES: '2MB' is not a whole number"),
    (settings_from_env, "SIKS_NODE_GEOTAG_MAX_DISTANCE_M", "inf",
     "SIKS_NODE_GEOTAG_MAX_DISTANCE_M: 'inf' is not a number"),
    (recheck_interval, "SIKS_NODE_DUKCAPIL_RECHECK_S", "0",
     "SIKS_NODE_DUKCAPIL_RECHECK_S must be positive, not 0"),
    (lambda env: DukcapilConfig.from_env({"SIKS_NODE_DUKCAPIL_URL": "http://x", **env}),
     "SIKS_NODE_DUKCAPIL_TIMEOUT", "soon", "SIKS_NODE_DUKCAPIL_TIMEOUT: 'soon' is not a number"),
    (inbox_port, "SIKS_GATEWAY_INBOX_PORT", "https",
     "SIKS_GATEWAY_INBOX_PORT: 'https' is not a whole number"),
    (inbox_port, "SIKS_GATEWAY_INBOX_PORT", "70000",
     "SIKS_GATEWAY_INBOX_PORT: 70000 is not a TCP port"),
    (lambda env: witness_settings(Path("/pki"), env), "SIKS_GATEWAY_AUDIT_CHECKPOINT_INTERVAL_S",
     "-5", "SIKS_GATEWAY_AUDIT_CHECKPOINT_INTERVAL_S must be at least 0, not -5"),
])
def test_settings_read_outside_the_config_modules_fail_loudly_too(read, variable: str, raw: str,
                                                                  message: str) -> None:
    with _refused(message):
        read({variable: raw})


def test_the_defaults_and_good_values_still_read() -> None:
    assert SyncConfig.from_env({}).relay_interval_s == 5.0
    assert settings_from_env({"SIKS_NODE_PHOTO_MAX_BYTES": "2000"}).max_photo_bytes == 2000
    assert recheck_interval({}) == 60.0
    assert inbox_port({}) > 0 and inbox_port({"SIKS_GATEWAY_INBOX_PORT": "9443"}) == 9443
    assert witness_settings(Path("/pki"), {}) == (
        Path("/pki/gateway/audit-witness.jsonl"), 600.0)
    config = DukcapilConfig.from_env({"SIKS_NODE_DUKCAPIL_URL": "http://x/"},
                                     default_sender_id="siks-node-32.73")
    assert (config.url, config.sender_id, config.timeout_s) == ("http://x", "siks-node-32.73", 10.0)


def test_flags_win_and_unset_or_empty_mean_not_given() -> None:
    env = Env.of("SIKS_NODE_", {"SIKS_NODE_REGION": "32.73", "SIKS_NODE_HOST": ""},
                 {"region": "35.78", "port": None})
    assert (env.text("region"), env.text("host"), env.whole("port", 8100)) == (
        "35.78", None, 8100)
    assert node_env({}).var("db_url") == "SIKS_NODE_DB_URL"
    assert gateway_env({}).var("inbox_port") == "SIKS_GATEWAY_INBOX_PORT"


ENVIRONMENT_READ = re.compile(r"os\.environ|os\.getenv")
#: reads that are not settings of ours: the XDG data directory, a child process's environment
NOT_SETTINGS = {"regional_node/adapters/token_trust.py", "gateway/identity/trust.py",
                "regional_node/adapters/process_stream.py"}


def test_the_services_read_the_environment_only_through_the_settings() -> None:
    readers = {str(path.relative_to(ROOT))
               for package in ("regional_node", "gateway", "service_kit")
               for path in (ROOT / package).rglob("*.py")
               if ENVIRONMENT_READ.search(path.read_text("utf-8"))}
    assert readers - NOT_SETTINGS == {"service_kit/settings.py"}
