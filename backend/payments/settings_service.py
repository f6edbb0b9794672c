"""The tenant's own Stripe account, as its admins configure it (SPEC §5; issue #14).

Keys are write-only: an admin stores them (encrypted by `accounts.store_stripe_keys`) and reads
back only whether they are configured, the publishable key (public by design) and the webhook URL
to paste into Stripe. An empty field keeps the stored value, so the form never has to show a key.
Shapes are checked before anything is stored, and a live secret key never goes with a test
publishable key (or the other way round): Checkout would fail for every customer. The audit log
names which keys changed, never their values.
"""

from __future__ import annotations

import re

from sqlmodel import Session

from backend.audit import service as audit
from backend.integrations.branding import brand
from backend.kit.errors import FieldErrors, NotFoundError
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.payments import accounts
from backend.payments.schemas import StripeSettingsView
from backend.settings import get_settings

SECRET_KEY = re.compile(r"(sk|rk)_(test|live)_[A-Za-z0-9]{10,240}")
WEBHOOK_SECRET = re.compile(r"whsec_[A-Za-z0-9+/=_-]{10,240}")
PUBLISHABLE_KEY = re.compile(r"pk_(test|live)_[A-Za-z0-9]{10,240}")

_MESSAGES = {
    "secret_key": "Secret key: paste the secret key from Stripe (Developers → API keys); it starts"
    " with sk_test_, sk_live_ or, for a restricted key, rk_test_ / rk_live_.",
    "webhook_secret": "Webhook signing secret: paste the signing secret of your Stripe webhook endpoint;"
    " it starts with whsec_.",
    "publishable_key": "Publishable key: it starts with pk_test_ or pk_live_.",
}


def webhook_path(slug: str) -> str:
    """The tenant's own webhook route (events signed with its own webhook secret)."""
    return f"/api/webhooks/stripe/{slug}"


def _live(key: str) -> bool | None:
    """True for a live key, False for a test key, None when unknown (no key)."""
    if not key:
        return None
    return "_live_" in key


def stripe_settings_view(session: Session, scope: TenantScope) -> StripeSettingsView:
    """What the settings show: which processor applies, which keys are stored; never a secret."""
    tenant = TenantDirectory(session).by_id(scope.tenant_id)
    if tenant is None:
        raise NotFoundError("Tenant not found.")
    own = accounts.tenant_stripe_credentials(session, scope)
    if own is not None:
        mode = "tenant"
    elif accounts.deployment_stripe_credentials() is not None:
        mode = "deployment"
    else:
        mode = "manual"
    base = brand(session, scope, get_settings()).base_url
    return StripeSettingsView(
        mode=mode,
        secret_key_configured=own is not None,
        webhook_secret_configured=bool(own and own.webhook_secret),
        publishable_key=own.publishable_key if own else "",
        live=bool(own and _live(own.secret_key)),
        webhook_url=f"{base}{webhook_path(tenant.slug)}",
    )


def stripe_settings(session: Session, scope: TenantScope, actor: audit.Actor) -> StripeSettingsView:
    """The payment settings, for the tenant's admins."""
    authorize(actor, scope, Action.READ_PAYMENT_SETTINGS)
    return stripe_settings_view(session, scope)


def checked_keys(
    secret_key: str, webhook_secret: str, publishable_key: str, *, stored: accounts.StripeCredentials | None
) -> dict[str, str | None]:
    """The fields to store (None: keep the stored value), or `FieldErrors` naming each bad field.

    A first connection needs the secret key and the webhook secret: without the first nothing can
    be charged, without the second no payment is ever confirmed."""
    wanted = {
        "secret_key": secret_key.strip(),
        "webhook_secret": webhook_secret.strip(),
        "publishable_key": publishable_key.strip(),
    }
    patterns = {
        "secret_key": SECRET_KEY,
        "webhook_secret": WEBHOOK_SECRET,
        "publishable_key": PUBLISHABLE_KEY,
    }
    errors = {
        field: _MESSAGES[field]
        for field, value in wanted.items()
        if value and not patterns[field].fullmatch(value)
    }
    if stored is None:
        for field in ("secret_key", "webhook_secret"):
            if not wanted[field] and field not in errors:
                label = "Secret key" if field == "secret_key" else "Webhook signing secret"
                errors[field] = f"{label}: required to connect your Stripe account."
    if not errors:
        secret = wanted["secret_key"] or (stored.secret_key if stored else "")
        publishable = wanted["publishable_key"] or (stored.publishable_key if stored else "")
        live, public_live = _live(secret), _live(publishable)
        if live is not None and public_live is not None and live != public_live:
            field = "publishable_key" if wanted["publishable_key"] else "secret_key"
            errors[field] = (
                f"{'Publishable key' if field == 'publishable_key' else 'Secret key'}: the secret key is a"
                f" {'live' if live else 'test'} key and the publishable key a"
                f" {'live' if public_live else 'test'} key; use both from the same mode (test or live)."
            )
    if errors:
        raise FieldErrors(errors)
    return {field: value or None for field, value in wanted.items()}


def save_stripe_settings(
    session: Session,
    scope: TenantScope,
    actor: audit.Actor,
    *,
    secret_key: str = "",
    webhook_secret: str = "",
    publishable_key: str = "",
) -> StripeSettingsView:
    """Store the tenant's own Stripe keys (an empty field keeps the stored one); bad input changes
    nothing. From now on the tenant's customers pay into its own account."""
    authorize(actor, scope, Action.CHANGE_PAYMENT_SETTINGS)
    TenantDirectory(session).lock(scope.tenant_id)  # two admins saving at once: one after the other
    stored = accounts.tenant_stripe_credentials(session, scope)
    fields = checked_keys(secret_key, webhook_secret, publishable_key, stored=stored)
    before = stripe_settings_view(session, scope)
    accounts.store_stripe_keys(session, scope, **fields)
    after = stripe_settings_view(session, scope)
    audit.record(
        session,
        scope,
        actor,
        "tenant.stripe_keys_saved",
        object_type="tenant",
        object_id=scope.tenant_id,
        before=_audited(before),
        after={**_audited(after), "changed": sorted(field for field, value in fields.items() if value)},
    )
    return after


def disconnect_stripe(session: Session, scope: TenantScope, actor: audit.Actor) -> StripeSettingsView:
    """Forget the tenant's own keys: the deployment's account (or bank transfer) applies again."""
    authorize(actor, scope, Action.CHANGE_PAYMENT_SETTINGS)
    TenantDirectory(session).lock(scope.tenant_id)
    before = stripe_settings_view(session, scope)
    removed = accounts.remove_stripe_keys(session, scope)
    after = stripe_settings_view(session, scope)
    if removed:
        audit.record(
            session,
            scope,
            actor,
            "tenant.stripe_keys_removed",
            object_type="tenant",
            object_id=scope.tenant_id,
            before=_audited(before),
            after=_audited(after),
        )
    return after


def _audited(view: StripeSettingsView) -> dict[str, object]:
    """What the audit log keeps of the settings: whether keys are there, never the keys."""
    return {
        "mode": view.mode,
        "secret_key_configured": view.secret_key_configured,
        "webhook_secret_configured": view.webhook_secret_configured,
        "publishable_key": view.publishable_key,
    }
