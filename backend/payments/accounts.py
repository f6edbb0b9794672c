"""Which processor a tenant uses, with which keys (SPEC §5).

A tenant's own Stripe account (its keys stored encrypted in `processor_accounts`) comes first; then
the deployment's keys (STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET); without either, the manual
processor (bank transfer). Keys are write-only: nothing here returns them to a page or the API,
only whether they are configured (`StripeCredentials.source`). STRIPE_API_BASE points every Stripe
client at another address (the tests' fake server).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlmodel import Session

from backend.clock import now
from backend.crypto import decrypt_secret, encrypt_secret
from backend.integrations.payment_processor import Processor
from backend.integrations.stripe_processor import StripeProcessor
from backend.kit.repository import TenantScope
from backend.models import PaymentProcessor, ProcessorAccount
from backend.payments.manual import ManualProcessor
from backend.payments.repository import ProcessorAccountRepository
from backend.settings import get_settings

Source = Literal["tenant", "deployment"]


@dataclass(frozen=True, slots=True)
class StripeCredentials:
    secret_key: str
    webhook_secret: str
    publishable_key: str
    source: Source

    def __repr__(self) -> str:  # never print keys into logs or tracebacks
        return f"StripeCredentials(source={self.source!r}, publishable_key={self.publishable_key!r})"


def _context(tenant_id: int, field: str) -> str:
    return f"processor_account:{tenant_id}:stripe:{field}"


def tenant_stripe_credentials(session: Session, scope: TenantScope) -> StripeCredentials | None:
    """The tenant's own Stripe keys, decrypted, or None if it has none."""
    account = ProcessorAccountRepository(session, scope).of(PaymentProcessor.STRIPE)
    if account is None or not account.secret_key_encrypted:
        return None
    secret = decrypt_secret(account.secret_key_encrypted, context=_context(scope.tenant_id, "secret_key"))
    webhook = (
        decrypt_secret(account.webhook_secret_encrypted, context=_context(scope.tenant_id, "webhook_secret"))
        if account.webhook_secret_encrypted
        else ""
    )
    return StripeCredentials(secret, webhook, account.publishable_key, "tenant")


def deployment_stripe_credentials() -> StripeCredentials | None:
    """The deployment's Stripe keys from configuration, or None."""
    settings = get_settings()
    if settings.stripe_secret_key is None or not settings.stripe_secret_key.get_secret_value():
        return None
    webhook = settings.stripe_webhook_secret.get_secret_value() if settings.stripe_webhook_secret else ""
    return StripeCredentials(
        settings.stripe_secret_key.get_secret_value(), webhook, settings.stripe_publishable_key, "deployment"
    )


def stripe_credentials(session: Session, scope: TenantScope) -> StripeCredentials | None:
    """The keys that apply to the tenant: its own, else the deployment's, else None (manual)."""
    return tenant_stripe_credentials(session, scope) or deployment_stripe_credentials()


def stripe_processor(credentials: StripeCredentials) -> StripeProcessor:
    return StripeProcessor(
        credentials.secret_key, credentials.webhook_secret, api_base=get_settings().stripe_api_base
    )


def processor_for(session: Session, scope: TenantScope) -> Processor:
    """The processor the tenant's customers pay through: Stripe with the keys that apply, else manual."""
    credentials = stripe_credentials(session, scope)
    return stripe_processor(credentials) if credentials is not None else ManualProcessor()


def store_stripe_keys(
    session: Session,
    scope: TenantScope,
    *,
    secret_key: str | None,
    webhook_secret: str | None,
    publishable_key: str | None,
) -> ProcessorAccount:
    """Encrypt and store the tenant's own Stripe keys. A None field keeps what is stored (the form is
    write-only: an empty field means "unchanged"); authorization and audit are the caller's."""
    repository = ProcessorAccountRepository(session, scope)
    account = repository.of(PaymentProcessor.STRIPE) or ProcessorAccount(
        tenant_id=scope.tenant_id, processor=PaymentProcessor.STRIPE
    )
    if secret_key is not None:
        account.secret_key_encrypted = encrypt_secret(
            secret_key, context=_context(scope.tenant_id, "secret_key")
        )
    if webhook_secret is not None:
        account.webhook_secret_encrypted = encrypt_secret(
            webhook_secret, context=_context(scope.tenant_id, "webhook_secret")
        )
    if publishable_key is not None:
        account.publishable_key = publishable_key
    account.updated_at = now()
    return repository.add(account)  # refuses a row of another tenant


def remove_stripe_keys(session: Session, scope: TenantScope) -> bool:
    """Forget the tenant's own keys (the deployment's, or manual, apply again)."""
    account = ProcessorAccountRepository(session, scope).of(PaymentProcessor.STRIPE)
    if account is None:
        return False
    session.delete(account)
    session.flush()
    return True
