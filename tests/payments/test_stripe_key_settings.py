"""The tenant's own Stripe keys: stored encrypted, never read back (service and API), shapes and
modes checked with nothing changed on a refusal, audited without a secret, and per tenant."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from backend.audit.service import Actor
from backend.kit.errors import FieldErrors, PermissionDenied
from backend.models import AuditLogEntry, ProcessorAccount
from backend.payments import accounts
from backend.payments.settings_service import disconnect_stripe, save_stripe_settings, stripe_settings
from backend.settings import get_settings
from tests.billing.world import World
from tests.conftest import IdentityWorld

SECRET = "sk_test_" + "a1B2c3D4e5" * 3
LIVE_SECRET = "sk_live_" + "Z9y8X7w6V5" * 3
WEBHOOK = "whsec_" + "Q1w2E3r4T5" * 3
PUBLISHABLE = "pk_test_" + "P0o9I8u7Y6" * 3


@pytest.fixture(autouse=True)
def no_deployment_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)
    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def save(world: World, actor: Actor | None = None, **fields: str):  # type: ignore[no-untyped-def]
    return save_stripe_settings(world.session, world.scope, actor or world.admin, **fields)


def test_without_keys_the_tenant_takes_bank_transfers_and_sees_its_webhook_url(world: World) -> None:
    view = stripe_settings(world.session, world.scope, world.admin)
    assert view.mode == "manual" and not view.secret_key_configured and not view.webhook_secret_configured
    assert view.webhook_url.endswith(f"/api/webhooks/stripe/{world.tenant.slug}")


def test_keys_are_stored_encrypted_and_only_their_presence_is_read_back(world: World) -> None:
    view = save(world, secret_key=SECRET, webhook_secret=WEBHOOK, publishable_key=PUBLISHABLE)
    assert (view.mode, view.secret_key_configured, view.webhook_secret_configured) == ("tenant", True, True)
    assert view.publishable_key == PUBLISHABLE and view.live is False
    dumped = (
        view.model_dump_json() + stripe_settings(world.session, world.scope, world.admin).model_dump_json()
    )
    assert SECRET not in dumped and WEBHOOK not in dumped
    row = world.session.scalars(
        select(ProcessorAccount).where(ProcessorAccount.tenant_id == world.scope.tenant_id)
    ).one()
    assert SECRET not in row.secret_key_encrypted and WEBHOOK not in row.webhook_secret_encrypted
    credentials = accounts.tenant_stripe_credentials(world.session, world.scope)
    assert credentials is not None and (credentials.secret_key, credentials.webhook_secret) == (
        SECRET,
        WEBHOOK,
    )


def test_an_empty_field_keeps_the_stored_key(world: World) -> None:
    save(world, secret_key=SECRET, webhook_secret=WEBHOOK)
    other_webhook = "whsec_" + "N3wS3cr3tX" * 3
    save(world, webhook_secret=other_webhook)
    credentials = accounts.tenant_stripe_credentials(world.session, world.scope)
    assert credentials is not None and (credentials.secret_key, credentials.webhook_secret) == (
        SECRET,
        other_webhook,
    )


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"secret_key": "pk_test_" + "x" * 20, "webhook_secret": WEBHOOK}, {"secret_key"}),
        ({"secret_key": SECRET, "webhook_secret": "secret"}, {"webhook_secret"}),
        (
            {"secret_key": SECRET, "webhook_secret": WEBHOOK, "publishable_key": "sk_test_" + "x" * 20},
            {"publishable_key"},
        ),
        ({"webhook_secret": WEBHOOK}, {"secret_key"}),  # a first connection needs the secret key
        ({"secret_key": SECRET}, {"webhook_secret"}),
        (
            {"secret_key": LIVE_SECRET, "webhook_secret": WEBHOOK, "publishable_key": PUBLISHABLE},
            {"publishable_key"},
        ),
    ],
)
def test_bad_keys_are_refused_per_field_and_change_nothing(
    world: World, fields: dict[str, str], errors: set[str]
) -> None:
    with pytest.raises(FieldErrors) as refused:
        save(world, **fields)
    assert set(refused.value.fields) == errors
    assert all(message for message in refused.value.fields.values())
    assert accounts.tenant_stripe_credentials(world.session, world.scope) is None


def test_a_live_secret_key_is_refused_beside_a_stored_test_publishable_key(world: World) -> None:
    save(world, secret_key=SECRET, webhook_secret=WEBHOOK, publishable_key=PUBLISHABLE)
    with pytest.raises(FieldErrors) as refused:
        save(world, secret_key=LIVE_SECRET)
    assert "live key" in refused.value.fields["secret_key"]
    credentials = accounts.tenant_stripe_credentials(world.session, world.scope)
    assert credentials is not None and credentials.secret_key == SECRET


def test_the_audit_log_names_what_changed_never_a_key(world: World) -> None:
    save(world, secret_key=SECRET, webhook_secret=WEBHOOK, publishable_key=PUBLISHABLE)
    disconnect_stripe(world.session, world.scope, world.admin)
    entries = world.session.scalars(
        select(AuditLogEntry)
        .where(AuditLogEntry.tenant_id == world.scope.tenant_id)
        .order_by(AuditLogEntry.id)
    ).all()
    actions = [entry.action for entry in entries]
    assert actions[-2:] == ["tenant.stripe_keys_saved", "tenant.stripe_keys_removed"]
    saved = entries[-2]
    assert saved.after["changed"] == ["publishable_key", "secret_key", "webhook_secret"]
    assert saved.after["secret_key_configured"] is True
    text = json.dumps([entry.before for entry in entries] + [entry.after for entry in entries])
    assert SECRET not in text and WEBHOOK not in text


def test_disconnecting_falls_back_to_bank_transfer(world: World) -> None:
    save(world, secret_key=SECRET, webhook_secret=WEBHOOK)
    view = disconnect_stripe(world.session, world.scope, world.admin)
    assert view.mode == "manual" and not view.secret_key_configured
    assert accounts.tenant_stripe_credentials(world.session, world.scope) is None


def test_customers_may_neither_read_nor_change_the_keys(world: World) -> None:
    customer = world.customer()
    actor = Actor.customer(world.scope.tenant_id, customer.id or 0)
    for attempt in (
        lambda: stripe_settings(world.session, world.scope, actor),
        lambda: save(world, actor, secret_key=SECRET, webhook_secret=WEBHOOK),
        lambda: disconnect_stripe(world.session, world.scope, actor),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    assert accounts.tenant_stripe_credentials(world.session, world.scope) is None


def test_the_api_stores_keys_write_only_per_tenant(identity_world: IdentityWorld) -> None:
    api = identity_world.client(identity_world.host_a)
    admin = {"Authorization": f"Bearer {identity_world.a_admin.token}"}
    route = "/api/v1/admin/settings/stripe"
    assert api.get(route, headers=admin).json()["mode"] == "manual"
    answer = api.put(route, json={"secret_key": SECRET, "webhook_secret": WEBHOOK}, headers=admin)
    assert answer.status_code == 200, answer.text
    assert answer.json()["mode"] == "tenant" and SECRET not in answer.text and WEBHOOK not in answer.text
    read = api.get(route, headers=admin)
    assert (
        read.json()["secret_key_configured"] is True and SECRET not in read.text and WEBHOOK not in read.text
    )
    refused = api.put(route, json={"secret_key": "nope"}, headers=admin)
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in refused.json()["errors"]] == ["secret_key"]
    # B's admin, on B's host, sees B's settings; A's token is unknown there
    other = identity_world.client(identity_world.host_b)
    b_admin = {"Authorization": f"Bearer {identity_world.b_admin.token}"}
    assert other.get(route, headers=b_admin).json()["secret_key_configured"] is False
    assert other.get(route, headers=admin).status_code == 401
    assert other.delete(route, headers=b_admin).json()["mode"] == "manual"
    assert api.get(route, headers=admin).json()["secret_key_configured"] is True
    customer = {"Authorization": f"Bearer {identity_world.a_customer.token}"}
    assert api.put(route, json={"secret_key": SECRET}, headers=customer).status_code == 403
    assert api.delete(route, headers=admin).json()["mode"] == "manual"
