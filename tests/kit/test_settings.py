"""Settings come from the environment; bad values stop the start with the variable's name."""

from __future__ import annotations

import re

import pytest

from backend.settings import PROJECT_ROOT, Settings, SettingsError, load_settings


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DATABASE_URL", "mysql://localhost/x", "DATABASE_URL: Value error, must start with sqlite://"),
        ("REDIS_URL", "http://localhost", "REDIS_URL: Value error, must be empty"),
        ("TIME_ZONE", "Mars/Olympus", "TIME_ZONE: Value error, unknown time zone"),
        ("SECRET_KEY", "short", "SECRET_KEY: Value error, must be at least 32 characters"),
        ("ENCRYPTION_KEY", "not-base64-32-bytes", "ENCRYPTION_KEY: Value error"),
        ("PORT", "70000", "PORT: Input should be less than or equal to 65535"),
        ("ROLE", "cook", "ROLE: Input should be 'all', 'web', 'worker' or 'scheduler'"),
        ("CORS_ALLOWED_ORIGINS", "*", "CORS_ALLOWED_ORIGINS: Value error, '*': write an origin"),
        ("CORS_ALLOWED_ORIGINS", "https://*.example.com", "CORS_ALLOWED_ORIGINS: Value error"),
        ("CORS_ALLOWED_ORIGINS", "app.example.com", "CORS_ALLOWED_ORIGINS: Value error"),
        ("CORS_ALLOWED_ORIGINS", "https://app.example.com/api", "CORS_ALLOWED_ORIGINS: Value error"),
    ],
)
def test_invalid_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert message in str(error.value)


def test_postgresql_urls_are_pinned_to_psycopg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://billing@db/billing")
    assert load_settings().database_url == "postgresql+psycopg://billing@db/billing"


def test_cors_origins_are_written_as_browsers_send_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", " HTTPS://App.Example.com/ , http://localhost:5173,")
    assert load_settings().cors_origins == ("https://app.example.com", "http://localhost:5173")
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", "")
    assert load_settings().cors_origins == ()


def test_every_setting_is_documented_in_env_example() -> None:
    documented = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (PROJECT_ROOT / ".env.example").read_text(), re.M)
    )
    assert {name.upper() for name in Settings.model_fields} == documented


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({}, "SECRET_KEY: set a random value of 32+ characters when ENVIRONMENT=production"),
        ({"SECRET_KEY": "change-me-to-a-long-random-string-of-48-chars"}, "SECRET_KEY: set a random value"),
        ({"SECRET_KEY": "x" * 40}, "ENCRYPTION_KEY: set your own key(s) when ENVIRONMENT=production"),
    ],
)
def test_production_refuses_the_published_secrets(
    monkeypatch: pytest.MonkeyPatch, overrides: dict[str, str], message: str
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    for name, value in overrides.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert message in str(error.value)


def test_production_starts_with_its_own_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 48)
    monkeypatch.setenv("ENCRYPTION_KEY", "bmV3LWtleS0wMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA=")
    assert load_settings().environment == "production"
