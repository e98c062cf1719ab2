"""API key files: generated development keys, hashed keys, refusals at start-up."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest
import yaml

from api.auth import AuthConfigError, KeyRegistry, load_keys
from core.models import Role
from core.settings import Settings


def test_development_keys_are_generated_once_and_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d", llm_enabled=False)
    first = load_keys(settings)
    path = tmp_path / "d" / "api_keys.yaml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    keys = yaml.safe_load(path.read_text())
    assert {v["role"] for v in keys.values()} == {r.value for r in Role}
    assert len(load_keys(settings)) == len(first) and yaml.safe_load(path.read_text()) == keys  # not regenerated


def test_hashed_keys_and_refusals(tmp_path: Path) -> None:
    key = "a-long-enough-secret-key-0123456789"
    path = tmp_path / "k.yaml"
    path.write_text(yaml.safe_dump({f"sha256:{hashlib.sha256(key.encode()).hexdigest()}":
                                    {"actor": "Grace Kim", "role": "compliance"}}))
    assert KeyRegistry.load(path).lookup(key).role == Role.compliance
    path.write_text(yaml.safe_dump({"short": {"actor": "x", "role": "admin"}}))
    with pytest.raises(AuthConfigError, match="shorter"):
        KeyRegistry.load(path)
    path.write_text(yaml.safe_dump({key: {"actor": "x", "role": "janitor"}}))
    with pytest.raises(AuthConfigError):
        KeyRegistry.load(path)
    with pytest.raises(AuthConfigError, match="does not exist"):
        load_keys(Settings(data_dir=tmp_path / "d", api_keys_file=tmp_path / "missing.yaml"))
