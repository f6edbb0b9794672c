"""Who calls the API in the attack suite, on which host, and whose objects the paths name.

Built on `identity_world` (tests/conftest.py): tenants A and B on their own hosts, each with an admin
and a customer. Added here: a read-only token of A's customer, and in A a customer "victim" whose id
fills the `{user_id}` of the admin routes (so locking it disturbs no caller); in B, B's customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from backend import clock
from tests.conftest import IdentityWorld, Member

PROBLEM_JSON = "application/problem+json"

# The callers of the route matrix, in the order they are tried.
ANONYMOUS = "anonymous"
CUSTOMER_READ = "customer read token"
CUSTOMER_WRITE = "customer write token"
OTHER_TENANT_ADMIN = "other tenant's admin"  # B's admin token, sent to A's host
ADMIN = "admin"
PRINCIPALS = (ANONYMOUS, CUSTOMER_READ, CUSTOMER_WRITE, OTHER_TENANT_ADMIN, ADMIN)


@dataclass(frozen=True)
class ApiWorld:
    identity: IdentityWorld
    tokens: dict[str, str]  # principal -> bearer token ("" for anonymous)
    ids_a: dict[str, Any]  # path parameter -> an id (or number) of tenant A's object
    ids_b: dict[str, Any]  # the same for tenant B

    @property
    def host_a(self) -> str:
        return self.identity.host_a

    def client(self, host: str | None = None) -> Any:
        """The API over HTTP semantics; a server error comes back as the 500 a client would see."""
        from fastapi.testclient import TestClient

        from backend.api.app import create_api

        return TestClient(
            create_api(),
            base_url=f"http://{host or self.host_a}",
            raise_server_exceptions=False,
            follow_redirects=False,
        )

    def headers(self, principal: str) -> dict[str, str]:
        token = self.tokens[principal]
        return {"Authorization": f"Bearer {token}"} if token else {}


def _victim(world: IdentityWorld, tenant_id: int, email: str) -> int:
    from backend.db import unit_of_work
    from backend.identity.users import create_user
    from backend.kit.repository import TenantScope
    from backend.models import UserRole

    with unit_of_work(world.engine) as session:
        user = create_user(
            session, TenantScope(tenant_id), email=email, password="Victim-pass-2026", role=UserRole.CUSTOMER
        )
        return user.id or 0


def _read_only_token(world: IdentityWorld) -> str:
    from backend.audit import service as audit
    from backend.db import unit_of_work
    from backend.identity import api_tokens, auth
    from backend.identity.repository import UserRepository
    from backend.kit.repository import TenantScope

    member = world.a_customer
    scope = TenantScope(member.tenant_id)
    with unit_of_work(world.engine) as session:
        user = auth.signed_in_user(
            session, scope, UserRepository(session, scope).get_or_raise(member.user_id)
        )
        return api_tokens.create_token(
            session, scope, user, name="read only", scopes=["read"], actor=audit.Actor.for_user(user)
        ).token


@pytest.fixture
def api_world(identity_world: IdentityWorld) -> ApiWorld:
    world = identity_world
    tokens = {
        ANONYMOUS: "",
        CUSTOMER_READ: _read_only_token(world),
        CUSTOMER_WRITE: world.a_customer.token,
        OTHER_TENANT_ADMIN: world.b_admin.token,
        ADMIN: world.a_admin.token,
    }
    ids_a = {"user_id": _victim(world, world.a_admin.tenant_id, f"victim@{world.host_a}")}
    ids_b = {"user_id": world.b_customer.user_id}  # B's customer calls nothing here
    # A's customer has one subscription (SUB-000001); B's number is one A does not have.
    ids_a |= _shop_ids(world, world.a_admin, world.a_customer, orders=1)
    ids_b |= _shop_ids(world, world.b_admin, world.b_customer, orders=3)
    ids_a |= _member_ids(world, world.a_admin, ids_a["customer_account_id"], "a")
    ids_b |= _member_ids(world, world.b_admin, ids_b["customer_account_id"], "b")
    # A's customer has INV-YYYY-00001; B issued three invoices, so B's number is one A does not have
    # (A's payment link below issues A's INV-YYYY-00002).
    ids_a |= _invoice_ids(world, world.a_admin, ids_a, invoices=1)
    ids_b |= _invoice_ids(world, world.b_admin, ids_b, invoices=3)
    ids_a |= _admin_invoice_ids(world, world.a_admin, ids_a["customer_account_id"])
    ids_b |= _admin_invoice_ids(world, world.b_admin, ids_b["customer_account_id"])
    ids_a |= _payment_link_ids(world, world.a_admin, ids_a["customer_account_id"])
    ids_b |= _payment_link_ids(world, world.b_admin, ids_b["customer_account_id"])
    ids_a |= _server_ids(world, world.a_admin, ids_a["number"])
    ids_b |= _server_ids(world, world.b_admin, ids_b["number"])
    return ApiWorld(world, tokens, ids_a, ids_b)


def _invoice_ids(
    world: IdentityWorld, admin: Member, ids: dict[str, Any], *, invoices: int
) -> dict[str, Any]:
    """The customer's subscriptions invoiced now, then (for each further invoice) one more ordered
    and invoiced: the number of the last invoice, voided, and of its credit note."""
    from backend.audit.service import Actor
    from backend.db import unit_of_work
    from backend.invoicing import service as invoicing
    from backend.kit.repository import TenantScope
    from backend.subscriptions.ordering import OrderRequest
    from backend.subscriptions.service import Lifecycle

    scope, actor = TenantScope(admin.tenant_id), Actor.admin(admin.tenant_id, user_id=admin.user_id)
    account = ids["customer_account_id"]
    with unit_of_work(world.engine) as session:
        for index in range(invoices):
            if index:
                Lifecycle(session, scope, actor).order(OrderRequest(account, ids["plan_id"]), clock.now())
            [invoice] = invoicing.bill_now(
                session, scope, clock.now(), customer_account_id=account, actor=actor
            )
        # The last invoice is voided, so a credit note of the customer exists (and can be downloaded).
        note = invoicing.void_invoice(
            session, scope, invoice.id or 0, "Ordered twice", clock.now(), actor=actor
        )
        return {"invoice_number": invoice.number, "credit_note_number": note.number}


def _admin_invoice_ids(world: IdentityWorld, admin: Member, account_id: int) -> dict[str, Any]:
    """A manual draft invoice of the customer (`{reference}`: its id, as drafts have no number) and
    a "bill now" job (`{job_id}`), never run."""
    from decimal import Decimal

    from backend.audit.service import Actor
    from backend.db import unit_of_work
    from backend.invoicing import billing_runs, manual_drafts
    from backend.invoicing.schemas import DraftInput, DraftLineInput
    from backend.kit.repository import TenantScope

    scope, actor = TenantScope(admin.tenant_id), Actor.admin(admin.tenant_id, user_id=admin.user_id)
    line = DraftLineInput(description="Setup", unit_price=Decimal("25.00"))
    with unit_of_work(world.engine) as session:
        draft = manual_drafts.create_draft(
            session, scope, actor, DraftInput(customer_account_id=account_id, lines=[line]), clock.now()
        )
        run = billing_runs.request_bill_now(session, scope, actor, clock.now())
        return {"reference": draft.id, "job_id": run.id}


def _payment_link_ids(world: IdentityWorld, admin: Member, account_id: int) -> dict[str, Any]:
    """A payment link of an ad-hoc invoice of the customer (`{link_id}`)."""
    from decimal import Decimal

    from backend.audit.service import Actor
    from backend.db import unit_of_work
    from backend.integrations.mail import MailBatch
    from backend.invoicing.schemas import DraftLineInput
    from backend.kit.repository import TenantScope
    from backend.payments import links
    from backend.payments.schemas import PaymentLinkInput

    scope, actor = TenantScope(admin.tenant_id), Actor.admin(admin.tenant_id, user_id=admin.user_id)
    wanted = PaymentLinkInput(
        customer_account_id=account_id, lines=[DraftLineInput(description="Link", unit_price=Decimal("5.00"))]
    )
    with unit_of_work(world.engine) as session:
        created = links.create_payment_link(
            session, scope, actor, wanted, clock.now(), mail=MailBatch(), base_url="http://console.test"
        )
    return {"link_id": created.id}


def _server_ids(world: IdentityWorld, admin: Member, number: str) -> dict[str, Any]:
    """A running Hetzner server of the customer's subscription `number` (`{item_id}`), with its
    sealed key and an open backorder (`{backorder_id}`)."""
    from sqlalchemy import select

    from backend.db import unit_of_work
    from backend.kit.repository import TenantScope
    from backend.models import Backorder, ProviderKind, ServiceType, Subscription, SubscriptionItem
    from backend.models.enums import ItemStatus, PowerState
    from backend.provisioning import keys

    tenant_id = admin.tenant_id
    with unit_of_work(world.engine) as session:
        subscription = session.scalars(
            select(Subscription).where(Subscription.tenant_id == tenant_id, Subscription.number == number)
        ).one()
        cloud = ServiceType(tenant_id=tenant_id, key="cloud", name="Cloud", provider=ProviderKind.HETZNER)
        session.add(cloud)
        session.flush()
        item = SubscriptionItem(
            tenant_id=tenant_id,
            subscription_id=subscription.id,
            provider=ProviderKind.HETZNER,
            service_type_id=cloud.id,
            hostname=f"matrix-{tenant_id}",
            server_type="cx22",
            location="fsn1",
            status=ItemStatus.ACTIVE,
            power_state=PowerState.RUNNING,
            provider_ref="4711",
        )
        session.add(item)
        session.flush()
        assert item.id is not None
        pair = keys.new_key_pair(item.hostname)
        item.ssh_public_key = pair.public_key
        item.ssh_private_key_encrypted = keys.seal(
            pair.private_key, TenantScope(tenant_id).tenant_id, item.id
        )
        backorder = Backorder(tenant_id=tenant_id, subscription_id=subscription.id, item_id=item.id)
        session.add(backorder)
        session.flush()
        return {"item_id": item.id, "backorder_id": backorder.id}


def _member_ids(world: IdentityWorld, admin: Member, account_id: int, side: str) -> dict[str, Any]:
    """A viewer member of the customer's account (who accepted an invitation) and a pending
    invitation: the ids of the member routes."""
    from backend.audit.service import Actor
    from backend.customers import members
    from backend.db import unit_of_work
    from backend.identity import auth
    from backend.identity.users import create_user
    from backend.integrations.mail import MailBatch
    from backend.kit.repository import TenantScope
    from backend.models import UserRole
    from backend.settings import get_settings

    scope, by_admin = TenantScope(admin.tenant_id), Actor.admin(admin.tenant_id, user_id=admin.user_id)
    with unit_of_work(world.engine) as session:

        def invite(email: str) -> tuple[int, str]:
            mail = MailBatch()
            sent = members.invite_member(
                session,
                scope,
                by_admin,
                account_id,
                email=email,
                role="viewer",
                settings=get_settings(),
                mail=mail,
            )
            return sent.id, mail.messages[0].text.split("/invitations/")[1].split()[0]

        _, token = invite(f"viewer-{side}@example.com")
        viewer = create_user(
            session,
            scope,
            email=f"viewer-{side}@example.com",
            password=world.a_admin.password,
            role=UserRole.CUSTOMER,
        )
        members.accept_invitation(
            session, scope, Actor.for_user(auth.signed_in_user(session, scope, viewer)), token
        )
        invitation_id, _ = invite(f"pending-{side}@example.com")
        member_id = next(
            m.id
            for m in members.list_members(session, scope, by_admin, account_id).members
            if m.role == "viewer"
        )
    return {"member_id": member_id, "invitation_id": invitation_id}


def _shop_ids(world: IdentityWorld, admin: Member, customer: Member, *, orders: int) -> dict[str, Any]:
    """A stocked catalog and `orders` subscriptions of the customer (tests/subscriptions/shop.py):
    the ids the plan and subscription routes name, the last subscription's number among them, and
    an addon both plans allow, a service type and a promotion for the admin catalog routes."""
    from decimal import Decimal

    from backend.audit.service import Actor
    from backend.catalog import addons, plans, promotion_codes, service_types
    from backend.catalog.schemas import AddonInput, PromotionInput, ServiceTypeInput
    from backend.db import unit_of_work
    from backend.kit.repository import TenantScope
    from backend.models import PromotionBenefit
    from backend.subscriptions.ordering import OrderRequest
    from backend.subscriptions.service import Lifecycle
    from tests.subscriptions.shop import stock

    shop = stock(world.engine, admin, customer)
    scope = TenantScope(admin.tenant_id)
    with unit_of_work(world.engine) as session:
        actor = Actor.admin(admin.tenant_id, user_id=admin.user_id)
        addon = addons.create_addon(
            session, scope, AddonInput(key="backup", name="Backup", price=Decimal(2)), actor
        )
        assert addon.id is not None
        for plan_id in (shop.basic_plan_id, shop.pro_plan_id):
            plans.allow_addon(session, scope, plan_id, addon.id, actor)
        lifecycle = Lifecycle(session, scope, actor)
        for _ in range(orders):
            number = lifecycle.order(OrderRequest(shop.account_id, shop.basic_plan_id), clock.now()).number
        service_type = service_types.create_service_type(
            session, scope, ServiceTypeInput(key="vps", name="VPS"), actor
        )
        promotion = promotion_codes.create_promotion(
            session,
            scope,
            PromotionInput(code="WEEK", benefit=PromotionBenefit.FREE_DAYS, free_days=7),
            actor,
        )
        catalog_ids = {"service_type_id": service_type.id, "addon_id": addon.id, "promotion_id": promotion.id}
    return catalog_ids | {
        "plan_id": shop.basic_plan_id,
        "other_plan_id": shop.pro_plan_id,
        "customer_account_id": shop.account_id,
        "customer_id": shop.account_id,
        "number": number,
    }
