"""Demo Hosting, the demo's company: what it sells, who its customers are, which servers it runs.

Plain data for the story in `backend.demo.service`, which creates it through the catalog and
customer services as an admin would: two service types, six plans (monthly, yearly and hourly,
in advance and in arrears, with a trial, a commitment and a notice period), a backups addon, a
welcome promotion, a private and a business customer, and the simulated servers of the orders.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from backend.catalog.schemas import AddonInput, PlanInput, PromotionInput, ServiceTypeInput
from backend.models import (
    BillingTiming,
    CustomerProfile,
    CustomerType,
    IntervalUnit,
    ItemStatus,
    PowerState,
    PromotionBenefit,
    PromotionEligibility,
    ProviderKind,
    SimulatedServer,
    SubscriptionItem,
    VatIdStatus,
)

BACKUP_PLANS = ("cloud-cx22", "hosting-monthly", "hosting-pro")  # the plans that allow backups

SERVERS: dict[str, dict[str, str]] = {
    "erika-server": {
        "hostname": "erika-web-01.demo-cloud.example",
        "ipv4": "203.0.113.24",
        "ipv6": "2001:db8::24",
        "location": "fsn1",
    },
    "nordwind-server": {
        "hostname": "nordwind-db-01.demo-cloud.example",
        "ipv4": "203.0.113.77",
        "location": "hel1",
    },
    "erika-trial": {
        "hostname": "erika-test-01.demo-cloud.example",
        "ipv4": "203.0.113.91",
        "location": "nbg1",
    },
}


def cloud_server_type() -> ServiceTypeInput:
    return ServiceTypeInput(
        key="cloud-server",
        name="Cloud Server",
        provider=ProviderKind.SIMULATED,
        provider_defaults={"image": "debian-12"},
        config_schema={
            "type": "object",
            "properties": {
                "server_type": {"enum": ["cx22", "cx32"]},
                "location": {"enum": ["fsn1", "nbg1", "hel1"]},
            },
        },
    )


def web_hosting_type() -> ServiceTypeInput:
    return ServiceTypeInput(key="web-hosting", name="Managed Web Hosting")


def plan_inputs(cloud_id: int | None, hosting_id: int | None) -> list[PlanInput]:
    """The six plans, on the cloud server and web hosting service types (the retainer has none)."""
    cx22_options = {"server_type": ["cx22"], "location": ["fsn1", "nbg1", "hel1"]}
    return [
        PlanInput(
            key="support-retainer",
            name="Support Retainer",
            description="Billing only: 4 h support a month",
            base_price=Decimal("49.00"),
            minimum_commitment_days=90,
            notice_days=30,
            sort_order=40,
            highlights=["4 hours of support", "Response within one business day"],
        ),
        PlanInput(
            key="hosting-monthly",
            name="Web Hosting Monthly",
            service_type_id=hosting_id,
            base_price=Decimal("9.90"),
            sort_order=10,
            highlights=["10 GB SSD", "Free TLS"],
        ),
        PlanInput(
            key="hosting-pro",
            name="Web Hosting Pro",
            service_type_id=hosting_id,
            base_price=Decimal("19.90"),
            sort_order=15,
            highlights=["50 GB SSD", "Free TLS", "Staging site"],
        ),
        PlanInput(
            key="hosting-yearly",
            name="Web Hosting Yearly",
            service_type_id=hosting_id,
            base_price=Decimal("99.00"),
            interval_unit=IntervalUnit.YEAR,
            sort_order=20,
            highlights=["Two months free", "10 GB SSD"],
        ),
        PlanInput(
            key="cloud-cx22",
            name="Cloud Server CX22",
            service_type_id=cloud_id,
            description="2 vCPU, 4 GB RAM, 40 GB SSD",
            base_price=Decimal("5.39"),
            trial_days=14,
            billing_anchor_day=1,
            sort_order=30,
            allowed_options=cx22_options,
            highlights=["2 vCPU", "4 GB RAM", "40 GB SSD"],
        ),
        PlanInput(
            key="cloud-hourly",
            name="Cloud Server (hourly)",
            service_type_id=cloud_id,
            base_price=Decimal("0.0119"),
            interval_unit=IntervalUnit.HOUR,
            billing_timing=BillingTiming.ARREAR,
            sort_order=35,
            allowed_options={"server_type": ["cx22"], "location": ["fsn1"]},
        ),
    ]


def backups_addon() -> AddonInput:
    return AddonInput(key="backups", name="Daily Backups", price=Decimal("2.00"))


def welcome_promotion(now: datetime) -> PromotionInput:
    """10 % off the first invoice of new customers, valid from a month before `now` for a year."""
    return PromotionInput(
        code="WELCOME10",
        description="10 % off the first invoice for new customers",
        benefit=PromotionBenefit.PERCENT_OFF,
        percent_off=Decimal("10"),
        eligibility=PromotionEligibility.NEW_CUSTOMERS,
        max_redemptions=500,
        max_per_customer=1,
        valid_from=now - timedelta(days=30),
        valid_until=now + timedelta(days=335),
    )


def erika_profile(email: str) -> CustomerProfile:
    """Erika Mustermann, a private customer in Munich."""
    return _profile(
        email,
        "Erika Mustermann",
        CustomerType.PRIVATE,
        address_line1="Hauptstrasse 5",
        postal_code="80331",
        city="München",
        country="DE",
    )


def nordwind_profile(email: str) -> CustomerProfile:
    """Nordwind Logistics AB, a Swedish business whose VAT ID VIES confirmed (reverse charge)."""
    return _profile(
        email,
        "Nordwind Logistics AB",
        CustomerType.BUSINESS,
        address_line1="Storgatan 12",
        postal_code="11122",
        city="Stockholm",
        country="SE",
        company_name="Nordwind Logistics AB",
        vat_id="SE556677889901",
        vat_id_status=VatIdStatus.VALID,
        vat_id_source="vies",
    )


def _profile(email: str, name: str, kind: CustomerType, **fields: Any) -> CustomerProfile:
    return CustomerProfile(name=name, customer_type=kind, email=email, billing_day=1, **fields)


def server_item(
    name: str, subscription_id: int, service_type_id: int | None, server_ref: str, now: datetime
) -> SubscriptionItem | None:
    """The running simulated server of the order `name`, or None for an order without one."""
    server = SERVERS.get(name)
    if server is None:
        return None
    return SubscriptionItem(
        subscription_id=subscription_id,
        service_type_id=service_type_id,
        provider=ProviderKind.SIMULATED,
        provider_ref=server_ref,
        hostname=server["hostname"],
        server_type="cx22",
        location=server["location"],
        image="debian-12",
        ipv4=server["ipv4"],
        ipv6=server.get("ipv6", ""),
        status=ItemStatus.ACTIVE,
        power_state=PowerState.RUNNING,
        activated_at=now,
        status_checked_at=now,
    )


def simulated_server(name: str, account: str, now: datetime) -> SimulatedServer | None:
    """The simulated provider's record of the order `name`'s server: it runs since `now`."""
    server = SERVERS.get(name)
    if server is None:
        return None
    return SimulatedServer(
        account=account,
        name=server["hostname"],
        server_type="cx22",
        location=server["location"],
        image="debian-12",
        status="running",
        ready_at=now,
        ipv4=server["ipv4"],
        ipv6=server.get("ipv6", ""),
        labels={"demo": "true"},
        created_at=now,
    )
