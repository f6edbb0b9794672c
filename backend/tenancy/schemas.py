"""What the operator's commands receive about a tenant."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TenantView:
    slug: str
    name: str
    hosts: list[str]  # stored with the tenant; TENANT_HOSTS may add or override some
    public_url: str
    legal_name: str
    address: str
    country: str
    vat_id: str
    iban: str
    bic: str
    email: str
    currency: str
    time_zone: str
