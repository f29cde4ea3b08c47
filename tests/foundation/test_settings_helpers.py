from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from healthscore import env


def test_it_reads_booleans_strictly(monkeypatch):
    monkeypatch.setenv("FLAG", "yes")
    assert env.env_bool("FLAG", False) is True
    monkeypatch.setenv("FLAG", "off")
    assert env.env_bool("FLAG", True) is False
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG='maybe' is not a boolean"):
        env.env_bool("FLAG", False)


def test_it_uses_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("FLAG", raising=False)
    assert env.env_bool("FLAG", True) is True
    assert env.env_int("NUMBER", 7) == 7


def test_it_rejects_bad_integers(monkeypatch):
    monkeypatch.setenv("NUMBER", "12x")
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        env.env_int("NUMBER", 1)
    monkeypatch.setenv("NUMBER", "0")
    with pytest.raises(ImproperlyConfigured, match="below the minimum 1"):
        env.env_int("NUMBER", 5, minimum=1)


def test_it_rejects_urls_with_the_wrong_scheme(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "http://localhost:6379")
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL must be a URL with scheme redis"):
        env.env_url("REDIS_URL", schemes=("redis", "rediss"))
    monkeypatch.setenv("REDIS_URL", "redis://")
    with pytest.raises(ImproperlyConfigured, match="has no host"):
        env.env_url("REDIS_URL", schemes=("redis",))
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert env.env_url("REDIS_URL", schemes=("redis",)) == "redis://127.0.0.1:6379/0"


def test_it_rejects_empty_list_items(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "a.example.com,,b.example.com")
    with pytest.raises(ImproperlyConfigured, match="empty item"):
        env.env_list("ALLOWED_HOSTS", [])
    monkeypatch.setenv("ALLOWED_HOSTS", "a.example.com, b.example.com")
    assert env.env_list("ALLOWED_HOSTS", []) == ["a.example.com", "b.example.com"]


def test_it_rejects_unknown_time_zones(monkeypatch):
    monkeypatch.setenv("TIME_ZONE", "Mars/Olympus")
    with pytest.raises(ImproperlyConfigured, match="not a known time zone"):
        env.env_timezone("TIME_ZONE", "UTC")


def test_it_requires_a_secret_key_when_not_debug(monkeypatch):
    """Import the settings module afresh with DEBUG off and no SECRET_KEY."""
    import importlib

    import healthscore.settings as settings_module

    monkeypatch.setenv("DEBUG", "false")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY must be set"):
        importlib.reload(settings_module)
    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    importlib.reload(settings_module)


def test_it_selects_the_redis_broker_only_when_redis_url_is_set(monkeypatch):
    import importlib

    import healthscore.settings as settings_module

    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    reloaded = importlib.reload(settings_module)
    assert reloaded.Q_CLUSTER["redis"] == "redis://127.0.0.1:6379/3"
    assert "orm" not in reloaded.Q_CLUSTER
    monkeypatch.delenv("REDIS_URL")
    reloaded = importlib.reload(settings_module)
    assert reloaded.Q_CLUSTER["orm"] == "default"
    assert reloaded.Q_CLUSTER["retry"] > reloaded.Q_CLUSTER["timeout"]
