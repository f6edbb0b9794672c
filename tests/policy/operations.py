"""Every service operation that acts for someone, called in tenant A (tests/isolation/world.py) by a
given actor, with the kinds of actor that may do it.

`allowed` is written by hand from the issue and SPEC (admins run the tenant; customers act on their
own subscriptions; passwords and tokens are each user's own; jobs and the CLI do their listed
steps), not read from the policy table. test_policy_guard.py checks that every operation taking an
actor has a row here or a reasoned exemption.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from backend.audit import browse as audit_log
from backend.audit import service as audit
from backend.audit.schemas import AuditSearch
from backend.audit.service import SYSTEM, Actor
from backend.catalog import addons, plans, promotion_codes, redemptions, service_types
from backend.catalog.schemas import (
    AddonInput,
    AddonUpdate,
    CatalogQuery,
    PlanInput,
    PlanUpdate,
    PromotionInput,
    PromotionUpdate,
    ServiceTypeInput,
    ServiceTypeUpdate,
)
from backend.currency import service as rates
from backend.customers import members, notes, profiles
from backend.documents import service as documents
from backend.dunning import settings as dunning_settings
from backend.exports import service as exports
from backend.exports.errors import ExportNotReady
from backend.identity import api_tokens, auth, passwords, users
from backend.identity.repository import ApiTokenRepository, UserRepository
from backend.integrations.cloud_provider import Availability
from backend.integrations.mail import MailBatch
from backend.invoicing import admin_reads, billing_runs, manual_drafts, price_tax, statements
from backend.invoicing import service as invoicing
from backend.invoicing.repository import InvoiceFilter
from backend.invoicing.schemas import DraftInput, DraftLineInput
from backend.kit.principals import SignedInUser
from backend.mail import service as mail
from backend.models import CreditNote, ExportKind, Invoice, PaymentLink, PromotionBenefit, Subscription
from backend.payments import (
    checkout,
    disputes,
    invoice_payments,
    manual_payments,
    payouts,
    provider_events,
    refunds,
    retry_schedule,
    saved_methods,
)
from backend.payments import links as payment_links
from backend.payments import settings_service as payment_settings
from backend.payments.errors import CardPaymentsUnavailable, OnlinePaymentUnavailable
from backend.payments.schemas import PaymentLinkInput
from backend.provisioning import service as provisioning
from backend.provisioning.service import OrderTarget, Servers
from backend.reporting import admin_subscriptions, customers, revenue
from backend.reporting import overview as admin_overview
from backend.reporting.repository import SubscriptionFilter
from backend.reporting.revenue_schemas import RevenueQuery
from backend.settings import load_settings
from backend.subscriptions import previews, reads
from backend.subscriptions.ordering import Ordering, OrderRequest
from backend.subscriptions.service import Lifecycle
from backend.tax import oss
from backend.tenancy import settings_service as tenant_settings
from tests.isolation import export_probes, server_probes
from tests.isolation.tax_probes import EveryVatIdValid
from tests.isolation.world import NOW, PASSWORD, Side

ADMIN, OWNER, OTHER, JOBS = "admin", "owner", "other customer", "system"
# Members of the owner's account with another member role, and a user invited to it (no account yet).
VIEWER, BILLING, INVITEE = "viewer", "billing member", "invitee"
# Who tries every operation; `actors` builds them for tenant A (and B for its admin).
KINDS = (
    "admin",
    "owner",
    "billing member",
    "viewer",
    "other customer",
    "invitee",
    "bare",
    "visitor",
    "system",
    "other tenant's admin",
)


def actors(a: Side, b: Side) -> dict[str, Actor]:
    return {
        "admin": a.actor,
        # Alice: A's first customer, who ordered A's subscriptions (Bob has the past-due one).
        "owner": Actor.customer(a.tenant_id, a.customer_id, user_id=a.user_id),
        # Vera and Bill, members of Alice's account (tests/isolation/world.py)
        "billing member": Actor.customer(
            a.tenant_id, a.customer_id, user_id=a.billing_user_id, member_role="billing"
        ),
        "viewer": Actor.customer(a.tenant_id, a.customer_id, user_id=a.viewer_user_id, member_role="viewer"),
        # Paul, invited to Alice's account, signed in without a customer account of his own
        "invitee": Actor(user_id=a.invitee_user_id, role=a.actor.role.CUSTOMER, tenant_id=a.tenant_id),
        "other customer": Actor.customer(a.tenant_id, a.other_customer_id),
        "bare": Actor(user_id=a.user_id),  # a user id without a role
        "visitor": Actor.visitor("192.0.2.1"),
        "system": SYSTEM,
        "other tenant's admin": b.actor,
    }


Call = Callable[[Session, Side, Actor], Any]


@dataclass(frozen=True)
class Op:
    operation: Callable[..., Any]  # names the row
    call: Call  # in A's scope, on A's objects, by the actor
    allowed: frozenset[str]  # the kinds of actor that may do it
    prepare: Callable[[Session, Side], Any] | None = None  # by A's admin, before anyone tries

    @property
    def name(self) -> str:
        return f"{self.operation.__module__.removeprefix('backend.')}.{self.operation.__qualname__}"


def op(operation: Callable[..., Any], call: Call, *allowed: str, prepare: Any = None) -> Op:
    return Op(operation, call, frozenset(allowed), prepare)


def number_of(session: Session, subscription_id: int) -> str:
    subscription = session.get(Subscription, subscription_id)
    assert subscription is not None
    return str(subscription.number)


def invoice_number(session: Session, invoice_id: int) -> str:
    invoice = session.get(Invoice, invoice_id)
    assert invoice is not None and invoice.number is not None
    return invoice.number


def document_number(session: Session, model: type[Invoice] | type[CreditNote], object_id: int) -> str:
    found = session.get(model, object_id)
    assert found is not None and found.number
    return str(found.number)


def user(session: Session, a: Side, user_id: int) -> SignedInUser:
    return auth.signed_in_user(session, a.scope, UserRepository(session, a.scope).get_or_raise(user_id))


def card_setup(session: Session, a: Side, who: Actor) -> str:
    """Tenant A takes bank transfers only: an allowed member gets past the policy to that refusal."""
    try:
        return saved_methods.start_card_setup(
            session, a.scope, who, a.customer_id, success_url="https://a.test/profile", cancel_url="", now=NOW
        )
    except CardPaymentsUnavailable:
        return "bank transfer only"


def admins_token(session: Session, a: Side) -> int:
    """The API token of A's admin (tests/isolation/world.py made one)."""
    token = ApiTokenRepository(session, a.scope).by_token_hash(a.api_token_hash)
    assert token is not None and token.id is not None
    return token.id


def _draft_for(customer_id: int) -> DraftInput:
    line = DraftLineInput(description="Consulting", quantity=Decimal(2), unit_price=Decimal("90.00"))
    return DraftInput(customer_account_id=customer_id, lines=[line])


def _link_for(customer_id: int) -> PaymentLinkInput:
    line = DraftLineInput(description="Link", unit_price=Decimal("5.00"))
    return PaymentLinkInput(customer_account_id=customer_id, lines=[line])


def _link_of(session: Session, a: Side) -> int:
    """A payment link A's admin made just now (the actor under test then revokes it)."""
    created = payment_links.create_payment_link(
        session,
        a.scope,
        a.actor,
        _link_for(a.customer_id),
        NOW,
        mail=MailBatch(),
        base_url="http://console.test",
    )
    return created.id


def _linked_invoice(session: Session, a: Side) -> int:
    link = session.get(PaymentLink, _link_of(session, a))
    assert link is not None
    return link.invoice_id


def addon_removed(session: Session, a: Side) -> None:
    Lifecycle(session, a.scope, a.actor).remove_addon(a.active_sub, a.addon_id, NOW)


def catalog(operation: Callable[..., Any], target: Callable[[Side], Any], *, prepare: Any = None) -> Op:
    """A catalog change `operation(session, scope, target(a), actor)`: admins only."""
    return op(operation, lambda s, a, who: operation(s, a.scope, target(a), who), ADMIN, prepare=prepare)


def catalog_on(operation: Callable[..., Any], target: Callable[[Side], int], change: Any) -> Op:
    return op(operation, lambda s, a, who: operation(s, a.scope, target(a), change, who), ADMIN)


def deactivated(
    deactivate: Callable[..., Any], target: Callable[[Side], int]
) -> Callable[[Session, Side], Any]:
    return lambda s, a: deactivate(s, a.scope, target(a), a.actor)


def lifecycle(method: Callable[..., Any], *args: Callable[[Side], Any], allowed: tuple[str, ...]) -> Op:
    """`Lifecycle(...).method(*args(a), NOW)`; `expire` takes no time."""
    extra = () if method is Lifecycle.expire else (NOW,)

    def call(session: Session, a: Side, who: Actor) -> Any:
        return method(Lifecycle(session, a.scope, who), *(arg(a) for arg in args), *extra)

    return op(method, call, *allowed)


PROMOTION = PromotionInput(code="SPRING", benefit=PromotionBenefit.PERCENT_OFF, percent_off=Decimal(5))
ONE = Decimal("1.00")
PROFILE = profiles.BillingProfileInput(
    name="Alice Example",
    address_line1="Hauptstr. 1",
    postal_code="10115",
    city="Berlin",
    country="DE",
    email="alice@example.com",
)

REVENUE_QUERY = RevenueQuery("EUR", date(2026, 1, 1), date(2026, 12, 31), "month")

OPERATIONS: list[Op] = [
    # --- users, the audit log, the overview: admins ---------------------------------------------
    op(
        users.set_locked,
        lambda s, a, who: users.set_locked(s, a.scope, a.user_id, True, actor=who),
        ADMIN,
    ),
    op(
        users.set_role,
        lambda s, a, who: users.set_role(s, a.scope, a.user_id, "admin", actor=who),
        ADMIN,
    ),
    op(users.list_users, lambda s, a, who: users.list_users(s, a.scope, who), ADMIN),
    op(audit.list_entries, lambda s, a, who: audit.list_entries(s, a.scope, who), ADMIN),
    op(audit_log.audit_page, lambda s, a, who: audit_log.audit_page(s, a.scope, who, AuditSearch()), ADMIN),
    op(audit_log.filter_choices, lambda s, a, who: audit_log.filter_choices(s, a.scope, who), ADMIN),
    op(audit_log.csv_lines, lambda s, a, who: audit_log.csv_lines(s, a.scope, who, AuditSearch()), ADMIN),
    op(
        audit_log.record_export,
        lambda s, a, who: audit_log.record_export(s, a.scope, who, AuditSearch()),
        ADMIN,
    ),
    op(
        admin_overview.admin_overview, lambda s, a, who: admin_overview.admin_overview(s, a.scope, who), ADMIN
    ),
    op(
        revenue.revenue_report,
        lambda s, a, who: revenue.revenue_report(s, a.scope, who, REVENUE_QUERY),
        ADMIN,
    ),
    op(revenue.mrr_trend, lambda s, a, who: revenue.mrr_trend(s, a.scope, who, "EUR"), ADMIN),
    op(
        revenue.drill_down,
        lambda s, a, who: revenue.drill_down(
            s, a.scope, who, REVENUE_QUERY, revenue.Drill("country", "DE"), limit=10, offset=0
        ),
        ADMIN,
    ),
    # --- each user's own password and tokens ----------------------------------------------------
    op(
        passwords.change_password,
        lambda s, a, who: passwords.change_password(
            s, a.scope, a.user_id, current_password=PASSWORD, new_password="Policy-pass-2027", actor=who
        ),
        OWNER,
    ),
    op(
        api_tokens.create_token,
        lambda s, a, who: api_tokens.create_token(
            s, a.scope, user(s, a, a.user_id), name="mine", scopes=["read"], actor=who
        ),
        OWNER,
    ),
    op(
        api_tokens.revoke_token,
        lambda s, a, who: api_tokens.revoke_token(s, a.scope, a.admin, admins_token(s, a), actor=who),
        ADMIN,  # the admin's own token
    ),
    # --- the catalog: admins ----------------------------------------------------------------------
    catalog(service_types.create_service_type, lambda a: ServiceTypeInput(key="dedicated", name="Dedicated")),
    catalog_on(
        service_types.update_service_type, lambda a: a.service_type_id, ServiceTypeUpdate(name="Virtual")
    ),
    catalog(service_types.deactivate_service_type, lambda a: a.service_type_id),
    catalog(
        service_types.reactivate_service_type,
        lambda a: a.service_type_id,
        prepare=deactivated(service_types.deactivate_service_type, lambda a: a.service_type_id),
    ),
    catalog(plans.create_plan, lambda a: PlanInput(key="policy", name="Policy", base_price="3.00")),
    catalog_on(plans.update_plan, lambda a: a.plan_id, PlanUpdate(name="Basic Plus")),
    catalog(plans.deactivate_plan, lambda a: a.plan_id),
    catalog(
        plans.reactivate_plan,
        lambda a: a.spare_plan_id,
        prepare=deactivated(plans.deactivate_plan, lambda a: a.spare_plan_id),
    ),
    catalog(plans.delete_plan, lambda a: a.spare_plan_id),
    op(
        plans.allow_addon,
        lambda s, a, who: plans.allow_addon(s, a.scope, a.spare_plan_id, a.addon_id, who),
        ADMIN,
    ),
    op(
        plans.disallow_addon,
        lambda s, a, who: plans.disallow_addon(s, a.scope, a.plan_id, a.addon_id, who),
        ADMIN,
    ),
    catalog(addons.create_addon, lambda a: AddonInput(key="ipv4", name="Extra IPv4", price="1.00")),
    catalog_on(addons.update_addon, lambda a: a.addon_id, AddonUpdate(price="2.50")),
    catalog(addons.deactivate_addon, lambda a: a.addon_id),
    catalog(
        addons.reactivate_addon,
        lambda a: a.addon_id,
        prepare=deactivated(addons.deactivate_addon, lambda a: a.addon_id),
    ),
    catalog(promotion_codes.create_promotion, lambda a: PROMOTION),
    catalog_on(
        promotion_codes.update_promotion, lambda a: a.promotion_id, PromotionUpdate(description="Spring")
    ),
    catalog(promotion_codes.deactivate_promotion, lambda a: a.promotion_id),
    catalog(
        promotion_codes.reactivate_promotion,
        lambda a: a.promotion_id,
        prepare=deactivated(promotion_codes.deactivate_promotion, lambda a: a.promotion_id),
    ),
    # the admin's catalog lists (inactive rows, base prices and margins) and who redeemed a code
    op(
        service_types.find_service_types,
        lambda s, a, who: service_types.find_service_types(s, a.scope, who, CatalogQuery()),
        ADMIN,
    ),
    op(plans.find_plans, lambda s, a, who: plans.find_plans(s, a.scope, who, CatalogQuery()), ADMIN),
    op(addons.find_addons, lambda s, a, who: addons.find_addons(s, a.scope, who, CatalogQuery()), ADMIN),
    op(
        promotion_codes.find_promotions,
        lambda s, a, who: promotion_codes.find_promotions(s, a.scope, who, CatalogQuery()),
        ADMIN,
    ),
    op(
        redemptions.promotion_redemptions,
        lambda s, a, who: redemptions.promotion_redemptions(s, a.scope, a.promotion_id, who),
        ADMIN,
    ),
    # --- tenant settings and exchange rates: admins, and the operator's CLI -----------------------
    op(
        rates.add_exchange_rate,
        lambda s, a, who: rates.add_exchange_rate(
            s, a.scope, currency="USD", valid_from=date(2027, 3, 1), rate="1.1", actor=who
        ),
        ADMIN,
        JOBS,
    ),
    op(
        oss.update_oss_settings,
        lambda s, a, who: oss.update_oss_settings(s, a.scope, threshold="500.00", actor=who),
        ADMIN,
        JOBS,
    ),
    # --- invoices: admins -------------------------------------------------------------------------
    op(
        invoicing.bill_now,
        lambda s, a, who: invoicing.bill_now(s, a.scope, NOW, customer_account_id=a.customer_id, actor=who),
        ADMIN,
    ),
    op(
        invoicing.credit_invoice,
        lambda s, a, who: invoicing.credit_invoice(
            s, a.scope, a.paid_invoice, {a.paid_line: ONE}, "Goodwill", NOW, actor=who
        ),
        ADMIN,
    ),
    op(
        invoicing.void_invoice,
        lambda s, a, who: invoicing.void_invoice(s, a.scope, a.issued_invoice, "Wrong", NOW, actor=who),
        ADMIN,
    ),
    op(
        invoicing.mark_paid,
        lambda s, a, who: invoicing.mark_paid(
            s, a.scope, a.issued_invoice, NOW, actor=who, reason="Paid by transfer"
        ),
        ADMIN,
    ),
    op(
        invoicing.receive_payment,
        lambda s, a, who: invoicing.receive_payment(
            s, a.scope, a.issued_invoice, Decimal("1.00"), NOW, actor=who, reference="Transfer 4711"
        ),
        ADMIN,
        JOBS,
    ),
    op(
        invoicing.mark_unpaid,
        lambda s, a, who: invoicing.mark_unpaid(
            s, a.scope, a.paid_invoice, NOW, actor=who, reason="Transfer returned"
        ),
        ADMIN,
    ),
    # --- the admin's invoice pages and API: admins ------------------------------------------------
    op(
        admin_reads.invoice_list,
        lambda s, a, who: admin_reads.invoice_list(s, a.scope, who, InvoiceFilter()),
        ADMIN,
    ),
    op(
        admin_reads.invoices_after,
        lambda s, a, who: admin_reads.invoices_after(s, a.scope, who, InvoiceFilter()),
        ADMIN,
    ),
    op(
        admin_reads.invoice_id_for_reference,
        lambda s, a, who: admin_reads.invoice_id_for_reference(s, a.scope, who, str(a.draft_invoice)),
        ADMIN,
    ),
    op(
        admin_reads.invoice_file,
        lambda s, a, who: admin_reads.invoice_file(s, a.scope, who, a.issued_invoice),
        ADMIN,
    ),
    op(
        manual_drafts.create_draft,
        lambda s, a, who: manual_drafts.create_draft(s, a.scope, who, _draft_for(a.customer_id), NOW),
        ADMIN,
    ),
    op(
        manual_drafts.update_draft,
        lambda s, a, who: manual_drafts.update_draft(
            s, a.scope, who, a.draft_invoice, _draft_for(a.other_customer_id), NOW
        ),
        ADMIN,
    ),
    op(
        manual_drafts.delete_draft,
        lambda s, a, who: manual_drafts.delete_draft(s, a.scope, who, a.draft_invoice),
        ADMIN,
    ),
    op(
        manual_drafts.issue_invoice,
        lambda s, a, who: manual_drafts.issue_invoice(s, a.scope, who, a.draft_invoice, NOW),
        ADMIN,
    ),
    op(
        billing_runs.request_bill_now,
        lambda s, a, who: billing_runs.request_bill_now(
            s, a.scope, who, NOW, customer_account_id=a.customer_id
        ),
        ADMIN,
    ),
    op(
        billing_runs.billing_run,
        lambda s, a, who: billing_runs.billing_run(s, a.scope, who, a.bill_now_run),
        ADMIN,
    ),
    op(
        billing_runs.latest_run,
        lambda s, a, who: billing_runs.latest_run(s, a.scope, who, a.customer_id),
        ADMIN,
    ),
    # --- CSV exports: admins only (A has a queued export job, tests/isolation/export_probes.py) --
    op(
        exports.count_rows,
        lambda s, a, who: exports.count_rows(s, a.scope, who, ExportKind.INVOICES, *export_probes.EVERY_DAY),
        ADMIN,
    ),
    op(
        exports.open_download,
        lambda s, a, who: exports.open_download(
            s, a.scope, who, ExportKind.INVOICES, *export_probes.EVERY_DAY
        ),
        ADMIN,
    ),
    op(
        exports.request_export,
        lambda s, a, who: exports.request_export(
            s, a.scope, who, ExportKind.CUSTOMERS, *export_probes.EVERY_DAY, NOW
        ),
        ADMIN,
    ),
    op(
        exports.export_job,
        lambda s, a, who: exports.export_job(s, a.scope, who, export_probes.job_of(s, a)),
        ADMIN,
    ),
    op(exports.recent_jobs, lambda s, a, who: exports.recent_jobs(s, a.scope, who), ADMIN),
    op(exports.export_file, lambda s, a, who: _export_file(s, a, who), ADMIN),
    # --- subscriptions: customers their own, admins any; dunning and expiry by the jobs ---------
    # An account's owners and billing members order and change; its viewers read and preview only.
    op(
        Lifecycle.order,
        lambda s, a, who: Lifecycle(s, a.scope, who).order(OrderRequest(a.customer_id, a.plan_id), NOW),
        ADMIN,
        OWNER,
        BILLING,
    ),
    op(
        Lifecycle.preview_order,
        lambda s, a, who: Lifecycle(s, a.scope, who).preview_order(
            OrderRequest(a.customer_id, a.plan_id), NOW
        ),
        ADMIN,
        OWNER,
        BILLING,
        VIEWER,
    ),
    op(
        Lifecycle.check_promotion,
        lambda s, a, who: Lifecycle(s, a.scope, who).check_promotion(
            OrderRequest(a.customer_id, a.plan_id, promotion_code=a.promotion_code), NOW
        ),
        ADMIN,
        OWNER,
        BILLING,
        VIEWER,  # a read, like the order preview
    ),
    # Each customer lists their own account's subscriptions (the other customer's list is empty).
    op(
        reads.list_subscriptions,
        lambda s, a, who: reads.list_subscriptions(s, a.scope, who),
        ADMIN,
        OWNER,
        BILLING,
        VIEWER,
        OTHER,
    ),
    op(
        reads.subscription_by_number,
        lambda s, a, who: reads.subscription_by_number(s, a.scope, number_of(s, a.active_sub), who),
        ADMIN,
        OWNER,
        BILLING,
        VIEWER,
    ),
    op(
        reads.subscription_id_for_number,
        lambda s, a, who: reads.subscription_id_for_number(s, a.scope, number_of(s, a.active_sub), who),
        ADMIN,
        OWNER,
        BILLING,
        VIEWER,
    ),
    lifecycle(
        Lifecycle.preview_plan_change,
        lambda a: a.active_sub,
        lambda a: a.plan_id,
        allowed=(ADMIN, OWNER, BILLING, VIEWER),
    ),
    lifecycle(
        Lifecycle.change_plan, lambda a: a.active_sub, lambda a: a.plan_id, allowed=(ADMIN, OWNER, BILLING)
    ),
    lifecycle(Lifecycle.cancel, lambda a: a.active_sub, allowed=(ADMIN, OWNER, BILLING)),
    op(
        previews.preview_cancel,
        lambda s, a, who: previews.preview_cancel(s, a.scope, who, a.active_sub, NOW),
        ADMIN,
        OWNER,
        BILLING,  # not viewers: who may not cancel has nothing to preview
    ),
    lifecycle(Lifecycle.resume, lambda a: a.canceling_sub, allowed=(ADMIN, OWNER, BILLING)),
    # Addons: Alice's active subscription has the addon; adding it needs it removed first.
    op(
        Lifecycle.preview_add_addon,
        lambda s, a, who: Lifecycle(s, a.scope, who).preview_add_addon(a.active_sub, a.addon_id, 1, NOW),
        ADMIN,
        OWNER,
        BILLING,
        prepare=addon_removed,
    ),
    op(
        Lifecycle.add_addon,
        lambda s, a, who: Lifecycle(s, a.scope, who).add_addon(a.active_sub, a.addon_id, 1, NOW),
        ADMIN,
        OWNER,
        BILLING,
        prepare=addon_removed,
    ),
    lifecycle(
        Lifecycle.preview_remove_addon,
        lambda a: a.active_sub,
        lambda a: a.addon_id,
        allowed=(ADMIN, OWNER, BILLING),
    ),
    lifecycle(
        Lifecycle.remove_addon, lambda a: a.active_sub, lambda a: a.addon_id, allowed=(ADMIN, OWNER, BILLING)
    ),
    op(
        previews.preview_withdrawal,
        lambda s, a, who: previews.preview_withdrawal(s, a.scope, who, a.canceling_sub, NOW),
        ADMIN,
        OWNER,
        BILLING,
    ),
    lifecycle(Lifecycle.withdraw, lambda a: a.canceling_sub, allowed=(ADMIN, OWNER, BILLING)),
    lifecycle(Lifecycle.cancel_immediately, lambda a: a.active_sub, allowed=(ADMIN,)),
    lifecycle(Lifecycle.mark_past_due, lambda a: a.active_sub, allowed=(ADMIN, JOBS)),
    lifecycle(Lifecycle.reinstate, lambda a: a.past_due_sub, allowed=(ADMIN, JOBS)),
    lifecycle(Lifecycle.expire, lambda a: a.expiring_sub, allowed=(JOBS,)),
    op(
        price_tax.price_tax,
        lambda s, a, who: price_tax.price_tax(s, a.scope, who, a.customer_id, NOW),
        ADMIN,
        OWNER,
        BILLING,
        VIEWER,  # every member sees the prices the account pays
    ),
    op(
        profiles.read_billing_profile,
        lambda s, a, who: profiles.read_billing_profile(s, a.scope, who, a.customer_id),
        ADMIN,
        OWNER,
        BILLING,
        VIEWER,
    ),
    op(
        profiles.save_billing_profile,
        lambda s, a, who: profiles.save_billing_profile(
            s, a.scope, who, a.customer_id, PROFILE, EveryVatIdValid()
        ),
        ADMIN,
        OWNER,
        BILLING,
    ),
    # --- members of a customer account: every member reads them, only owners (and admins) manage --
    op(
        members.list_members,
        lambda s, a, who: members.list_members(s, a.scope, who, a.customer_id),
        ADMIN,
        OWNER,
        BILLING,
        VIEWER,
    ),
    op(
        members.invite_member,
        lambda s, a, who: members.invite_member(
            s,
            a.scope,
            who,
            a.customer_id,
            email="nina@example.com",
            role="viewer",
            settings=load_settings(),
            mail=MailBatch(),
        ),
        ADMIN,
        OWNER,
    ),
    op(
        members.revoke_invitation,
        lambda s, a, who: members.revoke_invitation(s, a.scope, who, a.customer_id, a.invitation_id),
        ADMIN,
        OWNER,
    ),
    op(
        members.change_member_role,
        lambda s, a, who: members.change_member_role(
            s, a.scope, who, a.customer_id, a.viewer_member_id, "billing"
        ),
        ADMIN,
        OWNER,
    ),
    op(
        members.remove_member,
        lambda s, a, who: members.remove_member(s, a.scope, who, a.customer_id, a.viewer_member_id),
        ADMIN,
        OWNER,
    ),
    # Paul's invitation: Paul alone accepts it (not even an admin joins an account this way).
    op(
        members.accept_invitation,
        lambda s, a, who: members.accept_invitation(s, a.scope, who, a.invitation_token),
        INVITEE,
    ),
    # --- the admin's customer and subscription pages: admins ----------------------------------------
    op(customers.customer_list, lambda s, a, who: customers.customer_list(s, a.scope, who), ADMIN),
    op(customers.customers_after, lambda s, a, who: customers.customers_after(s, a.scope, who), ADMIN),
    op(
        customers.customer_file,
        lambda s, a, who: customers.customer_file(s, a.scope, who, a.customer_id),
        ADMIN,
    ),
    op(
        notes.add_note,
        lambda s, a, who: notes.add_note(s, a.scope, who, a.customer_id, "Called about the invoice."),
        ADMIN,
    ),
    op(notes.list_notes, lambda s, a, who: notes.list_notes(s, a.scope, who, a.customer_id), ADMIN),
    op(notes.notes_csv, lambda s, a, who: notes.notes_csv(s, a.scope, who, a.customer_id), ADMIN),
    op(
        mail.customer_deliveries,
        lambda s, a, who: mail.customer_deliveries(s, a.scope, who, a.customer_id),
        ADMIN,
    ),
    op(
        admin_subscriptions.subscription_list,
        lambda s, a, who: admin_subscriptions.subscription_list(s, a.scope, who, SubscriptionFilter()),
        ADMIN,
    ),
    op(
        admin_subscriptions.subscriptions_after,
        lambda s, a, who: admin_subscriptions.subscriptions_after(s, a.scope, who, SubscriptionFilter()),
        ADMIN,
    ),
    op(
        admin_subscriptions.subscription_file,
        lambda s, a, who: admin_subscriptions.subscription_file(s, a.scope, who, number_of(s, a.active_sub)),
        ADMIN,
    ),
    op(
        previews.preview_cancel_immediately,
        lambda s, a, who: previews.preview_cancel_immediately(s, a.scope, who, a.active_sub, NOW),
        ADMIN,
    ),
    # --- the customer's invoices: every member of the account, admins; another customer sees their
    # own list, and is refused Alice's invoice (answered as "not found")
    op(
        statements.list_invoices,
        lambda s, a, who: statements.list_invoices(s, a.scope, who),
        ADMIN,
        OWNER,
        BILLING,
        VIEWER,
        OTHER,
    ),
    op(
        statements.invoice_by_number,
        lambda s, a, who: statements.invoice_by_number(s, a.scope, who, invoice_number(s, a.paid_invoice)),
        ADMIN,
        OWNER,
        BILLING,
        VIEWER,
    ),
    # --- documents: every member of the owning account and admins; to anyone else it is not found
    op(
        documents.invoice_pdf,
        lambda s, a, who: documents.invoice_pdf(s, a.scope, who, document_number(s, Invoice, a.paid_invoice)),
        ADMIN,
        OWNER,
        BILLING,
        VIEWER,
    ),
    # the reminder steps: admins read them; admins (and the operator's CLI) change tenant settings
    op(
        dunning_settings.dunning_settings,
        lambda s, a, who: dunning_settings.dunning_settings(s, a.scope, who),
        ADMIN,
    ),
    # the tenant's settings page: admins read them; admins (and the operator's CLI) change them
    op(
        tenant_settings.tenant_settings,
        lambda s, a, who: tenant_settings.tenant_settings(s, a.scope, who),
        ADMIN,
    ),
    op(
        tenant_settings.update_tenant_settings,
        lambda s, a, who: tenant_settings.update_tenant_settings(s, a.scope, who, {"payment_terms_days": 21}),
        ADMIN,
        JOBS,
    ),
    op(
        dunning_settings.update_dunning_settings,
        lambda s, a, who: dunning_settings.update_dunning_settings(
            s, a.scope, who, reminder_offsets_days=[3, 10, 17], suspend_service=True
        ),
        ADMIN,
        JOBS,
    ),
    op(
        documents.credit_note_pdf,
        lambda s, a, who: documents.credit_note_pdf(
            s, a.scope, who, document_number(s, CreditNote, a.credit_note_id)
        ),
        ADMIN,
        OWNER,
        BILLING,
        VIEWER,
    ),
    op(documents.open_alarms, lambda s, a, who: documents.open_alarms(s, a.scope, who), ADMIN),
    # --- payments: admins record bank transfers, refund, and read payments, disputes and payouts
    op(
        manual_payments.record_bank_transfer,
        lambda s, a, who: manual_payments.record_bank_transfer(
            s, a.scope, who, a.issued_invoice, Decimal("1.00"), "Transfer 4711", NOW, idempotency_key="policy"
        ),
        ADMIN,
    ),
    op(
        refunds.request_refund,
        lambda s, a, who: refunds.request_refund(
            s, a.scope, who, a.payment_id, Decimal("1.00"), "Goodwill", NOW, idempotency_key="policy"
        ),
        ADMIN,
    ),
    op(
        refunds.preview_refund,
        lambda s, a, who: refunds.preview_refund(s, a.scope, who, a.payment_id, Decimal("1.00")),
        ADMIN,
    ),
    op(
        invoice_payments.invoice_payments,
        lambda s, a, who: invoice_payments.invoice_payments(s, a.scope, who, a.paid_invoice),
        ADMIN,
    ),
    op(
        invoice_payments.payment_to_refund,
        lambda s, a, who: invoice_payments.payment_to_refund(s, a.scope, who, a.paid_invoice, a.payment_id),
        ADMIN,
    ),
    op(
        disputes.disputes_of_invoice,
        lambda s, a, who: disputes.disputes_of_invoice(s, a.scope, who, a.paid_invoice),
        ADMIN,
    ),
    op(disputes.open_disputes, lambda s, a, who: disputes.open_disputes(s, a.scope, who), ADMIN),
    op(payouts.latest_payouts, lambda s, a, who: payouts.latest_payouts(s, a.scope, who), ADMIN),
    op(
        provider_events.events_overview,
        lambda s, a, who: provider_events.events_overview(s, a.scope, who, NOW),
        ADMIN,
    ),
    # --- paying by card: owners and billing members of the invoice's account, never admins (they
    # record payments); every reader of the invoice sees how its checkout stands
    op(checkout.plan_checkout, lambda s, a, who: _pay(s, a, who), OWNER, BILLING),
    op(
        checkout.checkout_status,
        lambda s, a, who: checkout.checkout_status(
            s, a.scope, who, invoice_number(s, a.issued_invoice), a.checkout_session
        ),
        ADMIN,
        OWNER,
        BILLING,
        VIEWER,
    ),
    # --- auto-billing: every member sees the saved card; paying members (never admins) change it;
    # admins read and change the retry schedule
    op(
        saved_methods.saved_method,
        lambda s, a, who: saved_methods.saved_method(s, a.scope, who, a.customer_id),
        ADMIN,
        OWNER,
        BILLING,
        VIEWER,
    ),
    op(saved_methods.start_card_setup, lambda s, a, who: card_setup(s, a, who), OWNER, BILLING),
    op(
        saved_methods.set_auto_billing,
        lambda s, a, who: saved_methods.set_auto_billing(s, a.scope, who, a.customer_id, enabled=False),
        OWNER,
        BILLING,
    ),
    op(
        saved_methods.remove_saved_method,
        lambda s, a, who: saved_methods.remove_saved_method(s, a.scope, who, a.customer_id),
        OWNER,
        BILLING,
    ),
    op(
        retry_schedule.retry_schedule, lambda s, a, who: retry_schedule.retry_schedule(s, a.scope, who), ADMIN
    ),
    op(
        retry_schedule.update_retry_schedule,
        lambda s, a, who: retry_schedule.update_retry_schedule(s, a.scope, who, retry_schedule_hours=[0, 48]),
        ADMIN,
    ),
    # payments: the tenant's own Stripe keys and payment links, admins only (never a job)
    op(
        payment_settings.stripe_settings,
        lambda s, a, who: payment_settings.stripe_settings(s, a.scope, who),
        ADMIN,
    ),
    op(
        payment_settings.save_stripe_settings,
        lambda s, a, who: payment_settings.save_stripe_settings(
            s, a.scope, who, secret_key="sk_test_" + "p0l1cy" * 4, webhook_secret="whsec_" + "p0l1cy" * 4
        ),
        ADMIN,
    ),
    op(
        payment_settings.disconnect_stripe,
        lambda s, a, who: payment_settings.disconnect_stripe(s, a.scope, who),
        ADMIN,
    ),
    op(
        payment_links.create_payment_link,
        lambda s, a, who: payment_links.create_payment_link(
            s, a.scope, who, _link_for(a.customer_id), NOW, mail=MailBatch(), base_url="http://console.test"
        ),
        ADMIN,
    ),
    op(
        payment_links.revoke_payment_link,
        lambda s, a, who: payment_links.revoke_payment_link(s, a.scope, who, _link_of(s, a), NOW),
        ADMIN,
    ),
    op(
        payment_links.payment_links_of_invoice,
        lambda s, a, who: payment_links.payment_links_of_invoice(s, a.scope, who, _linked_invoice(s, a), NOW),
        ADMIN,
    ),
    op(
        payment_links.recent_payment_links,
        lambda s, a, who: (_link_of(s, a), payment_links.recent_payment_links(s, a.scope, who, NOW))[1],
        ADMIN,
    ),
    # provisioning: customers see their servers (viewers too), power them and cancel backorders (not
    # viewers), owners alone reveal the key; admins read logs, backorders and providers, retry failed
    # servers and set tokens; the job starts billing when a server runs
    *(
        op(operation, call, ADMIN, OWNER, BILLING, VIEWER, prepare=server_probes.prepare)
        for operation, call in (
            (Servers.of_customer, lambda s, a, who: Servers(s, a.scope, who).of_customer(a.customer_id)),
            (
                Servers.of_subscription,
                lambda s, a, who: Servers(s, a.scope, who).of_subscription(number_of(s, a.active_sub)),
            ),
            (Servers.get, lambda s, a, who: Servers(s, a.scope, who).get(server_probes.server(s, a))),
        )
    ),
    op(
        Servers.action,
        lambda s, a, who: Servers(s, a.scope, who).action(server_probes.server(s, a), "stop", NOW),
        ADMIN,
        OWNER,
        BILLING,
        prepare=server_probes.prepare,
    ),
    op(
        Servers.reveal_key,
        lambda s, a, who: Servers(s, a.scope, who).reveal_key(server_probes.server(s, a), NOW),
        OWNER,
        prepare=server_probes.prepare,
    ),
    op(
        Servers.cancel_backorder_of_item,
        lambda s, a, who: (
            Servers(s, a.scope, who).cancel_backorder_of_item(server_probes.server(s, a), NOW) or "canceled"
        ),
        ADMIN,
        OWNER,
        BILLING,
        prepare=server_probes.prepare,
    ),
    op(
        Servers.cancel_backorder,
        lambda s, a, who: (
            Servers(s, a.scope, who).cancel_backorder(server_probes.backorder(s, a), NOW) or "canceled"
        ),
        ADMIN,
        prepare=server_probes.prepare,
    ),
    op(
        Servers.retry,
        lambda s, a, who: Servers(s, a.scope, who).retry(server_probes.failed_server(s, a), NOW),
        ADMIN,
        prepare=server_probes.prepare,
    ),
    op(
        Servers.log_of,
        lambda s, a, who: Servers(s, a.scope, who).log_of(server_probes.server(s, a)) or "empty log",
        ADMIN,
        prepare=server_probes.prepare,
    ),
    op(
        Servers.backorder_list,
        lambda s, a, who: Servers(s, a.scope, who).backorder_list(include_closed=True),
        ADMIN,
        prepare=server_probes.prepare,
    ),
    op(
        Servers.health_probes,
        lambda s, a, who: Servers(s, a.scope, who).health_probes(),
        ADMIN,
        prepare=server_probes.prepare,
    ),
    op(
        Servers.set_token,
        lambda s, a, who: Servers(s, a.scope, who).set_token(
            server_probes.cloud_service_type(s, a), "hz-p0l1cy"
        ),
        ADMIN,
        prepare=server_probes.prepare,
    ),
    op(
        provisioning.provision_order,
        lambda s, a, who: provisioning.provision_order(
            s,
            a.scope,
            who,
            s.get(Subscription, a.active_sub),  # type: ignore[arg-type]
            OrderTarget(server_probes.cloud_service_type(s, a), None, "cx22", "fsn1", "ubuntu-24.04"),  # type: ignore[arg-type]
            Availability(available=True),
            accept_backorder=False,
            now=NOW,
        ),
        ADMIN,
        OWNER,
        BILLING,
        prepare=server_probes.prepare,
    ),
    op(
        Ordering.begin_service,
        lambda s, a, who: Lifecycle(s, a.scope, who).begin_service(a.active_sub, NOW),
        JOBS,
    ),
]


def _export_file(session: Session, a: Side, who: Actor) -> str:
    """A's export job is still queued: an admin gets past the policy to that refusal."""
    try:
        exports.export_file(session, a.scope, who, export_probes.job_of(session, a))
    except ExportNotReady as refused:
        return str(refused)
    raise AssertionError("A's export job in the isolation world is queued, without a file")


def _pay(session: Session, a: Side, who: Actor) -> str:
    """Pay on Alice's issued invoice. The world's tenants take bank transfers only: an actor the
    policy lets through meets that refusal, which names the invoice it reached."""
    number = invoice_number(session, a.issued_invoice)
    try:
        checkout.plan_checkout(session, a.scope, who, number, NOW, console_url="http://x.test")
    except OnlinePaymentUnavailable as refused:
        return refused.invoice
    raise AssertionError("the world's tenants have no Stripe keys")
