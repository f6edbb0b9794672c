"""The OSS threshold of Art. 59c Directive 2006/112/EC: tenant settings and the yearly totals.

While an EU issuer's sales of electronically supplied services (and distance sales of goods) to
consumers in other member states stay within the threshold, it charges its own country's VAT; once
they exceed it, the buyer's country's VAT (declared through the One-Stop-Shop). The rule as this
product applies it (docs/decisions.md, "OSS threshold"):

- **Counted**: the net of every issued invoice to a consumer in another member state (a business
  without a confirmed VAT ID counts as a consumer), taxed domestically or at destination, whatever
  its later status; minus the net of every credit note of such an invoice (a void is a credit note).
- **When and in EUR**: each document counts in the calendar year of its own issue date (tenant time
  zone), converted at the rate in force on that date (`RateTable`), rounded to the cent.
- **Exceeds** means strictly greater: a total of exactly the threshold does not exceed it.
- **A year has exceeded** the threshold once its running total, in order of issue, was above it;
  credit notes issued later that year do not undo it (Art. 59c: "as from the time it is exceeded").
- **Destination-taxed** is a sale whose year has already exceeded, or that itself takes the year's
  total above the threshold (the crossing sale), or, with `tax.oss_prior_year_rule` on, any sale in
  a year after one that exceeded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend.audit import service as audit
from backend.currency.service import CENT, EUR, RateTable
from backend.kit.errors import NotFoundError, ValidationFailed
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.models import Tenant
from backend.tax.rates import EU_COUNTRIES, country_code
from backend.tax.repository import CrossBorderSalesRepository, OssDocument

EU_THRESHOLD_EUR = Decimal("10000.00")
"""The directive's threshold; a tenant may set a lower one (0: every such sale at destination)."""

TAX_SETTINGS = "tax"
_UNCHANGED: Any = object()


@dataclass(frozen=True, slots=True)
class OssSettings:
    """`tax.oss_threshold` (EUR, decimal string) and `tax.oss_prior_year_rule` of a tenant."""

    threshold: Decimal = EU_THRESHOLD_EUR
    prior_year_rule: bool = True

    def exceeds(self, total: Decimal) -> bool:
        """Whether `total` (EUR) exceeds the threshold: strictly greater, never equal."""
        return total > self.threshold

    def stored(self) -> dict[str, Any]:
        return {"oss_threshold": str(self.threshold), "oss_prior_year_rule": self.prior_year_rule}


@dataclass(slots=True)
class OssYear:
    """One calendar year: its total so far (EUR) and whether it has exceeded the threshold."""

    total: Decimal = Decimal(0)
    exceeded: bool = False


def sale_is_destination_taxed(
    settings: OssSettings, previous: OssYear, current: OssYear, sale: Decimal
) -> bool:
    """Whether a sale of `sale` EUR to a consumer in another member state is taxed in the buyer's
    country, given the previous and the current year before it (see the module docstring)."""
    if settings.prior_year_rule and previous.exceeded:
        return True
    return current.exceeded or settings.exceeds(current.total + sale)


# --- settings -------------------------------------------------------------------------------


def oss_settings(tenant: Tenant) -> OssSettings:
    """The tenant's OSS settings, defaults where unset (EUR 10,000.00, prior-year rule on)."""
    stored = dict((tenant.settings or {}).get(TAX_SETTINGS, {}))
    return OssSettings(
        threshold=check_threshold(stored.get("oss_threshold", str(EU_THRESHOLD_EUR))),
        prior_year_rule=_flag(stored.get("oss_prior_year_rule", True)),
    )


def update_oss_settings(
    session: Session,
    scope: TenantScope,
    *,
    threshold: Decimal | str | int = _UNCHANGED,
    prior_year_rule: bool = _UNCHANGED,
    actor: audit.Actor,
) -> OssSettings:
    """Change the tenant's OSS threshold and/or prior-year rule (what is not given stays).

    The threshold is a decimal string (or Decimal/int) in EUR with at most two decimal places,
    from 0 to 10,000.00; the prior-year rule is a boolean. A bad value is refused with a message
    naming the setting, and nothing changes. Sales already invoiced keep their tax.
    """
    authorize(actor, scope, Action.CHANGE_TENANT_SETTINGS)
    tenant = TenantDirectory(session).lock(scope.tenant_id)
    if tenant is None:
        raise NotFoundError("Tenant not found.")
    before = oss_settings(tenant)
    after = OssSettings(
        threshold=before.threshold if threshold is _UNCHANGED else check_threshold(threshold),
        prior_year_rule=before.prior_year_rule if prior_year_rule is _UNCHANGED else _flag(prior_year_rule),
    )
    current = dict(tenant.settings or {})
    # A new dict, not an in-place change: the JSON column only notices assignment.
    tenant.settings = {**current, TAX_SETTINGS: {**dict(current.get(TAX_SETTINGS, {})), **after.stored()}}
    session.flush()
    audit.record(
        session,
        scope,
        actor,
        "tenant.oss_settings",
        object_type="tenant",
        object_id=scope.tenant_id,
        before=before.stored(),
        after=after.stored(),
    )
    return after


def check_threshold(value: object) -> Decimal:
    """An OSS threshold in EUR: 0 to the EU threshold, in whole cents; else ValidationFailed."""
    name = f"{TAX_SETTINGS}.oss_threshold"
    not_decimal = ValidationFailed(
        f"{name} must be a decimal string in EUR such as '10000.00'; got {value!r}."
    )
    if isinstance(value, float | bool) or not isinstance(value, str | int | Decimal):
        raise not_decimal
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise not_decimal from exc
    if not amount.is_finite() or amount < 0:
        raise ValidationFailed(f"{name} must be 0 or more EUR; got {value!r}.")
    if amount > EU_THRESHOLD_EUR:
        raise ValidationFailed(
            f"{name} may not be above the EU threshold of EUR {EU_THRESHOLD_EUR} (Art. 59c Directive"
            f" 2006/112/EC); got {value!r}."
        )
    cents = amount.quantize(CENT)
    if cents != amount:
        raise ValidationFailed(f"{name} is in whole cents (at most two decimal places); got {value!r}.")
    return cents


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValidationFailed(f"{TAX_SETTINGS}.oss_prior_year_rule must be true or false; got {value!r}.")
    return value


# --- the yearly totals ----------------------------------------------------------------------


class OssLedger:
    """A tenant's OSS years, read once per unit of work; sales issued in the unit are added as
    they are issued (`record`), so one invoice run sees its own earlier invoices."""

    def __init__(self, session: Session, scope: TenantScope, tenant: Tenant, rates: RateTable | None = None):
        self.settings = oss_settings(tenant)
        self.zone = ZoneInfo(tenant.time_zone)
        self.countries = sorted(set(EU_COUNTRIES) - {country_code(tenant.issuer_country)})
        self.sales = CrossBorderSalesRepository(session, scope)
        self.rates = rates if rates is not None else RateTable.load(session, scope)
        self._years: dict[int, OssYear] = {}

    def destination_taxed(self, on: date, currency: str, net: Decimal) -> bool:
        """Whether a sale of `net` in `currency` on `on` to a consumer in another member state is
        taxed in the buyer's country. Raises `MissingExchangeRate` when a rate is missing."""
        sale = self._sale_in_eur(on, currency, net)
        previous = self.year(on.year - 1) if self.settings.prior_year_rule else OssYear()
        return sale_is_destination_taxed(self.settings, previous, self.year(on.year), sale)

    def record(self, on: date, currency: str, net: Decimal) -> None:
        """Count an issued sale in its year."""
        year = self.year(on.year)
        year.total += self._sale_in_eur(on, currency, net)
        year.exceeded = year.exceeded or self.settings.exceeds(year.total)

    def year(self, year: int) -> OssYear:
        if year not in self._years:
            self._years[year] = self._load(year)
        return self._years[year]

    def _sale_in_eur(self, on: date, currency: str, net: Decimal) -> Decimal:
        return self.rates.to_eur(net, currency, on, purpose="(to count this sale toward the OSS threshold)")

    def _load(self, year: int) -> OssYear:
        start = datetime(year, 1, 1, tzinfo=self.zone).astimezone(UTC)
        end = datetime(year + 1, 1, 1, tzinfo=self.zone).astimezone(UTC)
        totals = self.sales.totals(self.countries, start, end)
        result = OssYear()
        for row in totals:
            if row.currency == EUR:
                result.total += row.net if row.kind == "invoice" else -row.net
        if any(row.currency != EUR for row in totals):
            for document in self.sales.documents(self.countries, start, end, exclude_currency=EUR):
                result.total += self._signed_eur(document)
        result.exceeded = self.settings.exceeds(result.total)
        credited = any(row.kind == "credit_note" and row.count for row in totals)
        if credited and not result.exceeded:
            # Credit notes may have lowered a total that was above the threshold earlier that year.
            running = Decimal(0)
            for document in self.sales.documents(self.countries, start, end):
                running += self._signed_eur(document)
                if self.settings.exceeds(running):
                    result.exceeded = True
                    break
        return result

    def _signed_eur(self, document: OssDocument) -> Decimal:
        on = document.issued_at.astimezone(self.zone).date()
        purpose = f"(for a {document.kind.replace('_', ' ')} of that day counted toward the OSS threshold)"
        eur = self.rates.to_eur(document.net, document.currency, on, purpose=purpose)
        return eur if document.kind == "invoice" else -eur
