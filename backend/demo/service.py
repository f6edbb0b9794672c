"""Demo data made by the billing engine: a year of a small hosting company, told as it happened.

The demo creates the tenant, its admin, the catalog (through the catalog services) and two
customers, as `backend.demo.company` describes them, then plays twelve months up to "now"
(`clock.now()`) on a moving clock (`demo_timeline`): customers order (`Lifecycle.order`), one
changes plans, one cancels, and every day the billing coordinators run as the scheduler would.
Invoices, credit notes and payments are the engine's own: the invoice run issues them,
`void_invoice` voids one (its credit note), `mark_paid` settles most of them and some stay unpaid
until they are overdue. Nothing in the demo computes an amount itself.

The story keeps to the engine's everyday paths: the plan change is between plans of the same
interval, timing and anchor rule; nothing is charged on a billing day after its invoice run; and
cancellations and trials end hours away from any period boundary, so a day counted as 24 hours or
as a calendar day across a daylight-saving change lands on the same side of it.

Seeding runs once: a second call finds the tenant and changes nothing.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend import clock
from backend.audit import service as audit
from backend.catalog.addons import create_addon
from backend.catalog.plans import allow_addon, create_plan
from backend.catalog.promotion_codes import create_promotion
from backend.catalog.service_types import create_service_type, get_service_type
from backend.customers import members
from backend.customers.service import open_account_for_user
from backend.demo.company import (
    BACKUP_PLANS,
    SERVERS,
    backups_addon,
    cloud_server_type,
    erika_profile,
    nordwind_profile,
    plan_inputs,
    server_item,
    simulated_server,
    web_hosting_type,
    welcome_promotion,
)
from backend.demo.repository import DemoInvoices, DemoServers
from backend.demo.timeline import DAILY_RUN, Action, Timeline
from backend.identity.auth import signed_in_user
from backend.identity.users import create_user
from backend.integrations.mail import MailBatch, mailer_for
from backend.invoicing import service as invoicing
from backend.kit.policy import SYSTEM
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.mail.service import settle_account_mails
from backend.models import (
    CustomerAccount,
    CustomerProfile,
    Invoice,
    Plan,
    PowerState,
    ProvisioningLogEntry,
    Subscription,
    UserRole,
)
from backend.provisioning.providers import provider_token
from backend.settings import Settings
from backend.subscriptions.ordering import OrderRequest
from backend.subscriptions.service import Lifecycle
from backend.tenancy.service import create_tenant

DEMO_SLUG = "demo"
ADMIN_LOGIN = ("admin@demo.example", "demo-admin-pass")
CUSTOMER_LOGIN = ("customer@demo.example", "demo-customer-pass")
BUSINESS_LOGIN = ("business@demo.example", "demo-customer-pass")
# A member of Nordwind's account who only reads (the viewer role), and an invitation still pending.
VIEWER_LOGIN = ("viewer@demo.example", "demo-customer-pass")
PENDING_INVITATION = ("accounts@nordwind.example", "billing")
MONTHS_OF_HISTORY = 12
VOID_REASON = "Goodwill: invoice waived after the Falkenstein outage"


@dataclass(frozen=True, slots=True)
class DemoSeedResult:
    created: bool
    tenant_slug: str
    logins: list[tuple[str, str, str]]  # (role, email, password)
    invoices: int


def demo_logins() -> list[tuple[str, str, str]]:
    return [
        ("admin", *ADMIN_LOGIN),
        ("customer", *CUSTOMER_LOGIN),
        ("customer", *BUSINESS_LOGIN),
        ("viewer of the business customer", *VIEWER_LOGIN),
    ]


def seed_demo(session: Session, settings: Settings, *, slug: str = DEMO_SLUG) -> DemoSeedResult:
    """Create the demo tenant `slug` and a year of its billing up to `clock.now()`, unless the
    tenant exists (then change nothing). Nothing is dated after `clock.now()`."""
    if TenantDirectory(session).by_slug(slug) is not None:
        return DemoSeedResult(created=False, tenant_slug=slug, logins=demo_logins(), invoices=0)
    now = clock.now()
    zone = ZoneInfo(settings.time_zone)
    local_now = now.astimezone(zone)
    month_index = local_now.year * 12 + local_now.month - 1 - MONTHS_OF_HISTORY
    first_day = date(month_index // 12, month_index % 12 + 1, 1)
    opened = datetime.combine(first_day, time(9, 0), zone)
    with clock.frozen(opened):
        tenant = create_tenant(session, slug=slug, name="Demo Hosting", settings=settings)
        assert tenant.id is not None
        story = _Story(session, TenantScope(tenant.id), zone, first_day, now)
    story.tell(opened)
    story.add_members(settings)
    audit.record(
        session,
        story.scope,
        story.admin,
        "tenant.seeded",
        object_type="tenant",
        object_id=tenant.id,
        after={"source": "seed-demo", "as_of": now.isoformat()},
    )
    invoices = DemoInvoices(session, story.scope).count()
    return DemoSeedResult(created=True, tenant_slug=slug, logins=demo_logins(), invoices=invoices)


class _Story:
    """The demo's year: who buys what and when, and how invoices are settled."""

    def __init__(
        self, session: Session, scope: TenantScope, zone: ZoneInfo, first_day: date, now: datetime
    ) -> None:
        self.session = session
        self.scope = scope
        self.first_day = first_day
        self.timeline = Timeline(session, scope, zone, until=now)
        admin = create_user(
            session,
            scope,
            email=ADMIN_LOGIN[0],
            password=ADMIN_LOGIN[1],
            role=UserRole.ADMIN,
            display_name="Ada Admin",
        )
        self.admin = audit.Actor.admin(scope.tenant_id, user_id=admin.id)
        self.plans, self.backups = _catalog(session, scope, self.admin, now)
        self.erika, self.erika_actor = self._customer(CUSTOMER_LOGIN, erika_profile(CUSTOMER_LOGIN[0]))
        self.nordwind, self.nordwind_actor = self._customer(
            BUSINESS_LOGIN, nordwind_profile(BUSINESS_LOGIN[0])
        )
        self.subscriptions: dict[str, Subscription] = {}
        # The month (counted from the first) of the last invoice run before now: the newest
        # invoices stay open, so there is something to pay.
        last_run_day = now.astimezone(zone).date()
        if self.timeline.local(last_run_day, DAILY_RUN) > now:
            last_run_day -= timedelta(days=1)
        self.last_billing_month = self._month_of(last_run_day)

    # --- the year ---------------------------------------------------------------------------

    def tell(self, start: datetime) -> None:
        """Schedule the events and the daily runs, then play them up to now."""
        at, before_now = self._at, self._before_now
        erika, nordwind = self.erika, self.nordwind
        events: list[tuple[datetime, Action]] = [
            (at(0, 3, 10, 0), partial(self._order, "erika-server", erika, "cloud-cx22")),
            (at(0, 3, 10, 5), partial(self._order, "erika-hosting", erika, "hosting-monthly")),
            (at(0, 5, 9, 0), partial(self._order, "support", nordwind, "support-retainer")),
            (at(0, 5, 9, 5), partial(self._order, "yearly", nordwind, "hosting-yearly")),
            (at(0, 5, 9, 10), partial(self._order, "nordwind-server", nordwind, "cloud-cx22")),
            (at(0, 5, 9, 15), partial(self._order, "old-hosting", nordwind, "hosting-monthly")),
            # Nordwind gives up its second hosting package; it ends with its period (month 6).
            (at(5, 10, 11, 0), partial(self._cancel, "old-hosting", self.nordwind_actor)),
            # Erika upgrades mid-period: the unused monthly time is credited, Pro charged prorated.
            (at(7, 20, 15, 0), self._upgrade_erika),
            # Shortly before now: a cancellation with notice, a trial, a suspension for non-payment.
            (before_now(10, 12, 34), partial(self._cancel, "support", self.nordwind_actor)),
            (before_now(3, 16, 20), partial(self._order, "erika-trial", erika, "cloud-cx22")),
            (before_now(2, 11, 0), self._suspend_nordwind_server),
        ]
        for when, action in events:
            self.timeline.at(when, action)
        self.timeline.daily_runs(self.first_day + timedelta(days=1))
        self.timeline.after_tick.append(self._settle_new_invoices)
        self.timeline.run(start)

    def _order(self, name: str, customer: CustomerAccount, plan_key: str, now: datetime) -> None:
        plan = self.plans[plan_key]
        assert customer.id is not None and plan.id is not None
        options, addons = {}, {}
        server = SERVERS.get(name)
        if server is not None:
            options = {"server_type": "cx22", "location": server["location"]}
        if name == "erika-server":
            addons = {self.backups: 1}
        actor = self.erika_actor if customer is self.erika else self.nordwind_actor
        request = OrderRequest(customer.id, plan.id, options=options, addons=addons)
        subscription = self._lifecycle(actor).order(request, now)
        self.subscriptions[name] = subscription
        assert subscription.id is not None
        if plan.service_type_id is not None and name in SERVERS:
            self._provision(name, subscription.id, plan.service_type_id, now)

    def _provision(self, name: str, subscription_id: int, service_type_id: int, now: datetime) -> None:
        """The demo's servers come up at once ("provision, then bill": billing starts as they run).
        The simulated provider holds each one, so the console's status poller and power actions find
        them; the provisioning log says what the provisioning job would have written."""
        service_type = get_service_type(self.session, self.scope, service_type_id)
        servers = DemoServers(self.session, self.scope)
        simulated = simulated_server(name, provider_token(service_type), now)
        assert simulated is not None
        servers.add_simulated(simulated)
        item = server_item(name, subscription_id, service_type_id, str(simulated.id), now)
        assert item is not None
        servers.add(item)
        assert item.id is not None
        for event, message in (
            ("create", f"Server {item.hostname} created (cx22 in {item.location})."),
            ("running", f"Server running at {item.ipv4}."),
        ):
            servers.log(ProvisioningLogEntry(item_id=item.id, at=now, event=event, message=message))
        Lifecycle(self.session, self.scope, SYSTEM).begin_service(subscription_id, now)

    def _cancel(self, name: str, actor: audit.Actor, now: datetime) -> None:
        self._lifecycle(actor).cancel(self._id(name), now)

    def _upgrade_erika(self, now: datetime) -> None:
        pro = self.plans["hosting-pro"].id
        assert pro is not None
        self._lifecycle(self.erika_actor).change_plan(self._id("erika-hosting"), pro, now)

    def _suspend_nordwind_server(self, now: datetime) -> None:
        subscription_id = self._id("nordwind-server")
        self._lifecycle(self.admin).mark_past_due(subscription_id, now, suspend=True)
        servers = DemoServers(self.session, self.scope)
        for item in servers.of_subscription(subscription_id):
            item.power_state, item.suspended_at = PowerState.STOPPED, now
            servers.power_off_simulated(item.provider_ref)
            assert item.id is not None
            stopped = "payment overdue: the server is stopped"
            entry = ProvisioningLogEntry(
                item_id=item.id, at=now, event="suspend", message=stopped, actor="dunning"
            )
            servers.log(entry)
        self.session.flush()

    def _settle_new_invoices(self, now: datetime) -> None:
        """Right after an invoice run: Erika leaves the newest invoice and the one two months
        before it open (that one becomes overdue) and gets one waived (voided); Nordwind leaves
        the one three months before the newest open; everything else is paid a few days later."""
        month = self._month_of(now.astimezone(self.timeline.zone).date())
        newest = self.last_billing_month
        for invoice in self._issued_at(now):
            assert invoice.id is not None
            if invoice.customer_account_id == self.erika.id:
                if month == newest - 6:
                    self.timeline.at(now + timedelta(days=2, hours=5), partial(self._void, invoice.id))
                elif month not in (newest, newest - 2):
                    self.timeline.at(now + timedelta(days=3, hours=3), partial(self._pay, invoice.id))
            elif month != newest - 3:
                self.timeline.at(now + timedelta(days=1, hours=4), partial(self._pay, invoice.id))

    def _issued_at(self, now: datetime) -> list[Invoice]:
        """The unpaid invoices the invoice run issued at `now`."""
        invoices = DemoInvoices(self.session, self.scope)
        issued = []
        for customer in (self.erika, self.nordwind):
            assert customer.id is not None
            issued.extend(invoices.issued_unpaid(customer.id, now))
        return issued

    def _pay(self, invoice_id: int, now: datetime) -> None:
        invoicing.mark_paid(
            self.session, self.scope, invoice_id, now, actor=self.admin, reason="Bank transfer received"
        )

    def _void(self, invoice_id: int, now: datetime) -> None:
        invoicing.void_invoice(self.session, self.scope, invoice_id, VOID_REASON, now, actor=self.admin)

    # --- helpers ------------------------------------------------------------------------------

    def _lifecycle(self, actor: audit.Actor) -> Lifecycle:
        return Lifecycle(self.session, self.scope, actor)

    def _id(self, name: str) -> int:
        subscription_id = self.subscriptions[name].id
        assert subscription_id is not None
        return subscription_id

    def _at(self, month: int, day: int, hour: int, minute: int) -> datetime:
        """Local time on `day` of the month `month` months after the first month."""
        index = self.first_day.year * 12 + self.first_day.month - 1 + month
        return self.timeline.local(date(index // 12, index % 12 + 1, day), time(hour, minute))

    def _before_now(self, days: int, hour: int, minute: int) -> datetime:
        day = self.timeline.until.astimezone(self.timeline.zone).date() - timedelta(days=days)
        return self.timeline.local(day, time(hour, minute))

    def _month_of(self, day: date) -> int:
        return (day.year - self.first_day.year) * 12 + day.month - self.first_day.month

    def add_members(self, settings: Settings) -> None:
        """Nordwind's owner invites Vera as a viewer, who accepts, and its accounts department as a
        billing member, who has not yet (the invitation emails are not sent: the demo mails nobody)."""
        assert self.nordwind.id is not None
        viewer = create_user(
            self.session,
            self.scope,
            email=VIEWER_LOGIN[0],
            password=VIEWER_LOGIN[1],
            role=UserRole.CUSTOMER,
            display_name="Vera Viewer",
        )
        for email, role in ((VIEWER_LOGIN[0], "viewer"), PENDING_INVITATION):
            mail = MailBatch()
            members.invite_member(
                self.session,
                self.scope,
                self.nordwind_actor,
                self.nordwind.id,
                email=email,
                role=role,
                settings=settings,
                mail=mail,
            )
            if email == VIEWER_LOGIN[0]:
                token = mail.messages[0].text.split("/invitations/")[1].split()[0]
                signed_in = signed_in_user(self.session, self.scope, viewer)
                members.accept_invitation(self.session, self.scope, audit.Actor.for_user(signed_in), token)
            # Sent as the coordinators' mails of the demo's history are (the outbox without SMTP),
            # so the delivery record says how it went instead of "sending".
            with contextlib.suppress(OSError):  # a refusal is recorded as failed; the demo goes on
                mail.send_all(mailer_for(settings))
            settle_account_mails(self.session, mail.receipts, mail.outcomes)

    def _customer(
        self, login: tuple[str, str], profile: CustomerProfile
    ) -> tuple[CustomerAccount, audit.Actor]:
        user = create_user(
            self.session,
            self.scope,
            email=login[0],
            password=login[1],
            role=UserRole.CUSTOMER,
            display_name=profile.name,
        )
        account = open_account_for_user(self.session, self.scope, user, profile)
        assert account.id is not None
        return account, audit.Actor.customer(self.scope.tenant_id, account.id, user_id=user.id)


def _catalog(
    session: Session, scope: TenantScope, admin: audit.Actor, now: datetime
) -> tuple[dict[str, Plan], int]:
    """The demo's service types, plans, backups addon and welcome promotion, made as an admin
    would; returns the plans by key and the addon's id."""
    cloud = create_service_type(session, scope, cloud_server_type(), admin)
    hosting = create_service_type(session, scope, web_hosting_type(), admin)
    plans = {data.key: create_plan(session, scope, data, admin) for data in plan_inputs(cloud.id, hosting.id)}
    backups = create_addon(session, scope, backups_addon(), admin)
    assert backups.id is not None
    for key in BACKUP_PLANS:
        plan_id = plans[key].id
        assert plan_id is not None
        allow_addon(session, scope, plan_id, backups.id, admin)
    create_promotion(session, scope, welcome_promotion(now), admin)
    return plans, backups.id
