"""The tenant's OSS settings and exchange rates: defaults, validation that changes nothing, scoping."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session

from backend import clock
from backend.audit.service import SYSTEM
from backend.currency.service import ExchangeRateView, add_exchange_rate, list_exchange_rates
from backend.kit.errors import ValidationFailed
from backend.kit.repository import TenantScope
from backend.models import AuditLogEntry, ExchangeRate, Tenant
from backend.settings import load_settings
from backend.tax import OssSettings, oss_settings, update_oss_settings
from backend.tenancy.service import create_tenant
from tests.billing.world import utc


def _tenant(session: Session, slug: str) -> tuple[Tenant, TenantScope]:
    tenant = create_tenant(session, slug=slug, name=slug.title(), settings=load_settings())
    assert tenant.id is not None
    return tenant, TenantScope(tenant.id)


@pytest.fixture
def tenant(session: Session) -> tuple[Tenant, TenantScope]:
    with clock.frozen(utc(2027, 1, 1, 9)):
        return _tenant(session, "oss-settings")


def test_unset_settings_are_the_eu_defaults(tenant: tuple[Tenant, TenantScope]) -> None:
    assert oss_settings(tenant[0]) == OssSettings(Decimal("10000.00"), True)


def test_updating_stores_a_decimal_string_keeps_other_settings_and_is_audited(
    session: Session, tenant: tuple[Tenant, TenantScope]
) -> None:
    row, scope = tenant
    row.settings = {"billing": {"minimum_invoice_amount": "20.00"}}
    session.flush()
    assert update_oss_settings(session, scope, threshold="2500.5", actor=SYSTEM) == OssSettings(
        Decimal("2500.50"), True
    )
    assert update_oss_settings(session, scope, prior_year_rule=False, actor=SYSTEM) == OssSettings(
        Decimal("2500.50"), False
    )
    session.expire(row)
    assert row.settings == {
        "billing": {"minimum_invoice_amount": "20.00"},
        "tax": {"oss_threshold": "2500.50", "oss_prior_year_rule": False},
    }
    assert oss_settings(row) == OssSettings(Decimal("2500.50"), False)
    entries = session.scalars(
        select(AuditLogEntry).where(
            AuditLogEntry.tenant_id == scope.tenant_id, AuditLogEntry.action == "tenant.oss_settings"
        )
    ).all()
    assert [e.after for e in entries] == [
        {"oss_threshold": "2500.50", "oss_prior_year_rule": True},
        {"oss_threshold": "2500.50", "oss_prior_year_rule": False},
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"threshold": "ten thousand"}, "tax.oss_threshold must be a decimal string in EUR"),
        ({"threshold": 5000.0}, "tax.oss_threshold must be a decimal string"),
        ({"threshold": True}, "tax.oss_threshold must be a decimal string"),
        ({"threshold": "-1"}, "tax.oss_threshold must be 0 or more EUR"),
        ({"threshold": "NaN"}, "tax.oss_threshold must be 0 or more EUR"),
        ({"threshold": "100.005"}, "at most two decimal places"),
        ({"threshold": "10000.01"}, "may not be above the EU threshold of EUR 10000.00"),
        ({"threshold": "100", "prior_year_rule": "yes"}, "tax.oss_prior_year_rule must be true or false"),
        ({"prior_year_rule": 1}, "tax.oss_prior_year_rule must be true or false"),
    ],
)
def test_bad_settings_are_refused_with_the_setting_named_and_nothing_changes(
    session: Session, tenant: tuple[Tenant, TenantScope], changes: dict[str, Any], message: str
) -> None:
    row, scope = tenant
    row.settings = {"tax": {"oss_threshold": "3000.00", "oss_prior_year_rule": True}}
    session.flush()
    with pytest.raises(ValidationFailed, match=message):
        update_oss_settings(session, scope, **changes, actor=SYSTEM)
    session.expire(row)
    assert row.settings == {"tax": {"oss_threshold": "3000.00", "oss_prior_year_rule": True}}
    assert (
        session.scalars(select(AuditLogEntry).where(AuditLogEntry.tenant_id == scope.tenant_id)).all() == []
    )


def test_a_zero_threshold_is_allowed_and_a_broken_stored_value_is_reported_by_name(
    session: Session, tenant: tuple[Tenant, TenantScope]
) -> None:
    row, scope = tenant
    assert update_oss_settings(session, scope, threshold=0, actor=SYSTEM).threshold == Decimal("0.00")
    row.settings = {"tax": {"oss_threshold": 12.5}}  # written around the service
    with pytest.raises(ValidationFailed, match=r"tax\.oss_threshold must be a decimal string"):
        oss_settings(row)


def test_rates_are_added_listed_by_currency_and_day_and_audited(
    session: Session, tenant: tuple[Tenant, TenantScope]
) -> None:
    _, scope = tenant
    with clock.frozen(utc(2027, 1, 1, 9)):
        add_exchange_rate(session, scope, currency="usd", valid_from="2027-03-01", rate="1.6", actor=SYSTEM)
        add_exchange_rate(
            session, scope, currency="GBP", valid_from=date(2027, 1, 1), rate=Decimal("0.80"), actor=SYSTEM
        )
        add_exchange_rate(
            session, scope, currency=" USD ", valid_from="2027-01-01", rate="1.250000", actor=SYSTEM
        )
    assert list_exchange_rates(session, scope) == [
        ExchangeRateView("GBP", date(2027, 1, 1), Decimal("0.8")),
        ExchangeRateView("USD", date(2027, 1, 1), Decimal("1.25")),
        ExchangeRateView("USD", date(2027, 3, 1), Decimal("1.6")),
    ]
    assert [r.valid_from for r in list_exchange_rates(session, scope, "usd")] == [
        date(2027, 1, 1),
        date(2027, 3, 1),
    ]
    actions = session.scalars(
        select(AuditLogEntry.after).where(
            AuditLogEntry.tenant_id == scope.tenant_id, AuditLogEntry.action == "exchange_rate.add"
        )
    ).all()
    assert {"currency": "USD", "valid_from": "2027-03-01", "rate": "1.6"} in actions


@pytest.mark.parametrize(
    ("currency", "valid_from", "rate", "message"),
    [
        ("EUR", "2027-01-01", "1", "EUR itself needs no rate"),
        ("XYZ", "2027-01-01", "1", "Unknown currency 'XYZ'"),
        ("USD", "2027-02-30", "1.1", "'2027-02-30', is not a date such as 2027-01-01"),
        ("USD", "2027-02-01", "0", "must be a number greater than 0"),
        ("USD", "2027-02-01", "-1.1", "must be a number greater than 0"),
        ("USD", "2027-02-01", "1.1234567", "more than 6 decimal places"),
        ("USD", "2027-02-01", "2000000", "above 1000000 units per EUR"),
        ("USD", "2027-02-01", 1.1, "not a float"),
        ("USD", "2027-02-01", "abc", "not a decimal number"),
        ("USD", "2027-01-01", "1.30", "A USD rate valid from 2027-01-01 already exists \\(1.25\\)"),
    ],
)
def test_bad_rates_are_refused_with_a_reason_and_nothing_is_added(
    session: Session,
    tenant: tuple[Tenant, TenantScope],
    currency: str,
    valid_from: str,
    rate: Any,
    message: str,
) -> None:
    _, scope = tenant
    add_exchange_rate(session, scope, currency="USD", valid_from="2027-01-01", rate="1.25", actor=SYSTEM)
    with pytest.raises(ValidationFailed, match=message):
        add_exchange_rate(session, scope, currency=currency, valid_from=valid_from, rate=rate, actor=SYSTEM)
    rows = session.scalars(select(ExchangeRate).where(ExchangeRate.tenant_id == scope.tenant_id)).all()
    assert [(r.currency, r.valid_from, r.rate) for r in rows] == [("USD", date(2027, 1, 1), Decimal("1.25"))]


def test_rates_of_one_tenant_are_invisible_to_another(
    session: Session, tenant: tuple[Tenant, TenantScope]
) -> None:
    _, scope_a = tenant
    _, scope_b = _tenant(session, "oss-settings-b")
    add_exchange_rate(session, scope_a, currency="USD", valid_from="2027-01-01", rate="1.25", actor=SYSTEM)
    assert list_exchange_rates(session, scope_b) == []
    # the same currency and day are free in tenant B
    add_exchange_rate(session, scope_b, currency="USD", valid_from="2027-01-01", rate="1.30", actor=SYSTEM)
    assert [r.rate for r in list_exchange_rates(session, scope_a)] == [Decimal("1.25")]
