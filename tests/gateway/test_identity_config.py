"""Identity settings of the gateway: read from SIKS_GATEWAY_*, checked loudly; the login
issuer's key generated once with mode 0600 where the settings say."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from gateway.config import GatewayConfig
from gateway.errors import ConfigError
from gateway.identity.trust import GatewayTokens, issuer_key_path

BASE = {"SIKS_GATEWAY_DB_URL": "sqlite:///gw.db", "SIKS_GATEWAY_DIRECTORY_SECRET": "s" * 32}


def test_identity_settings_are_read(tmp_path: Path) -> None:
    config = GatewayConfig.from_env({
        **BASE, "SIKS_GATEWAY_DATA_DIR": str(tmp_path), "SIKS_GATEWAY_LOGIN_RATE": "5/2",
        "SIKS_GATEWAY_PUBLIC_RATE": "60/30", "SIKS_GATEWAY_OIDC_ISSUER": "https://sso.test",
        "SIKS_GATEWAY_JWKS_URL": "https://sso.test/certs"})
    assert (config.login_rate, config.public_rate, config.oidc_issuer, config.jwks_url) == (
        "5/2", "60/30", "https://sso.test", "https://sso.test/certs")
    assert issuer_key_path(config) == tmp_path / "login-issuer.key"


@pytest.mark.parametrize("variable,value,message", [
    ("SIKS_GATEWAY_LOGIN_RATE", "fast", "LOGIN_RATE"),
    ("SIKS_GATEWAY_PUBLIC_RATE", "0/0", "PUBLIC_RATE"),
    ("SIKS_GATEWAY_OIDC_ISSUER", "https://sso.test", "JWKS_FILE or"),
])
def test_bad_identity_settings_name_the_variable(variable: str, value: str,
                                                 message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        GatewayConfig.from_env({**BASE, variable: value})


def test_the_login_key_is_generated_once_and_private(tmp_path: Path) -> None:
    config = GatewayConfig(db_url=f"sqlite:///{tmp_path / 'gw.sqlite'}",
                           directory_secret="s" * 32)
    first = GatewayTokens.from_config(config)
    path = tmp_path / "login-issuer.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert GatewayTokens.from_config(config).own.kid == first.own.kid
