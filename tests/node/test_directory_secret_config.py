"""``SIKS_NODE_DIRECTORY_SECRET`` (docs/duplicates.md): the directory key the node hashes its
NIKs with; unset, no announcement and no warning placement; too short, one clear error."""

from __future__ import annotations

import pytest

from regional_node.errors import ConfigError
from regional_node.sync_config import SyncConfig
from schema.nik_directory_key import NikDirectoryKey

SECRET = "node-directory-secret-0123456789abcdef"


def test_the_secret_makes_the_same_key_as_the_gateways() -> None:
    config = SyncConfig.from_env({"SIKS_NODE_DIRECTORY_SECRET": SECRET})
    assert config.directory_key is not None
    assert config.directory_key.key_of("3273010101800001") == \
        NikDirectoryKey.from_secret(SECRET).key_of("3273010101800001")
    assert SECRET not in repr(config)


def test_unset_means_no_key() -> None:
    assert SyncConfig.from_env({}).directory_key is None


def test_a_short_secret_is_refused_with_one_sentence() -> None:
    with pytest.raises(ConfigError, match="DIRECTORY_SECRET must be at least 32 characters"):
        SyncConfig.from_env({"SIKS_NODE_DIRECTORY_SECRET": "short"})
