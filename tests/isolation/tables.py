"""Every isolation table in one place, for the tests that run them and the coverage check."""

from __future__ import annotations

from tests.isolation import invoice_admin_probes, payment_refund_probes, repository_probes, service_probes
from tests.isolation.admin_probes import ADMIN_PROBES, ADMIN_REPOSITORY_PROBES
from tests.isolation.api_probes import API_OPERATION_PROBES, API_REPOSITORY_PROBES
from tests.isolation.audit_probes import AUDIT_PROBES, AUDIT_REPOSITORY_PROBES
from tests.isolation.auto_billing_probes import AUTO_BILLING_PROBES, AUTO_BILLING_REPOSITORY_PROBES
from tests.isolation.catalog_probes import CATALOG_PROBES
from tests.isolation.checkout_probes import CHECKOUT_PROBES, CHECKOUT_REPOSITORY_PROBES
from tests.isolation.crossing_probes import CROSSING_PROBES
from tests.isolation.document_probes import DOCUMENT_OPERATION_PROBES, DOCUMENT_REPOSITORY_PROBES
from tests.isolation.dunning_probes import DUNNING_PROBES, DUNNING_REPOSITORY_PROBES
from tests.isolation.export_probes import EXPORT_EXEMPT, EXPORT_PROBES, EXPORT_REPOSITORY_PROBES
from tests.isolation.invoice_admin_probes import INVOICE_ADMIN_PROBES, INVOICE_ADMIN_REPOSITORY_PROBES
from tests.isolation.mail_probes import MAIL_EXEMPT, MAIL_OPERATION_PROBES, MAIL_REPOSITORY_PROBES
from tests.isolation.member_probes import MEMBER_OPERATION_PROBES, MEMBER_REPOSITORY_PROBES
from tests.isolation.overview_probes import OVERVIEW_PROBES
from tests.isolation.payment_link_probes import (
    PAYMENT_LINK_EXEMPT,
    PAYMENT_LINK_PROBES,
    PAYMENT_LINK_REPOSITORY_PROBES,
)
from tests.isolation.payment_refund_probes import PAYMENT_REFUND_PROBES, PAYMENT_REFUND_REPOSITORY_PROBES
from tests.isolation.probes import Probe
from tests.isolation.provisioning_probes import PROVISIONING_PROBES, PROVISIONING_REPOSITORY_PROBES
from tests.isolation.provisioning_status_probes import (
    PROVISIONING_STATUS_PROBES,
    PROVISIONING_STATUS_REPOSITORY_PROBES,
)
from tests.isolation.repository_probes import REPOSITORY_PROBES
from tests.isolation.revenue_probes import REVENUE_EXEMPT, REVENUE_PROBES, REVENUE_REPOSITORY_PROBES
from tests.isolation.rollup_probes import ROLLUP_PROBES, ROLLUP_REPOSITORY_PROBES
from tests.isolation.statement_probes import STATEMENT_PROBES, STATEMENT_REPOSITORY_PROBES
from tests.isolation.tax_probes import TAX_PROBES
from tests.isolation.tenant_settings_probes import TENANT_SETTINGS_PROBES

OPERATION_PROBES: list[Probe] = [
    *service_probes.SERVICE_PROBES,
    *CATALOG_PROBES,
    *CROSSING_PROBES,
    *TAX_PROBES,
    *OVERVIEW_PROBES,
    *API_OPERATION_PROBES,
    *ADMIN_PROBES,
    *MEMBER_OPERATION_PROBES,
    *STATEMENT_PROBES,
    *DUNNING_PROBES,
    *TENANT_SETTINGS_PROBES,
    *DOCUMENT_OPERATION_PROBES,
    *MAIL_OPERATION_PROBES,
    *INVOICE_ADMIN_PROBES,
    *PAYMENT_REFUND_PROBES,
    *CHECKOUT_PROBES,
    *AUTO_BILLING_PROBES,
    *PAYMENT_LINK_PROBES,
    *PROVISIONING_PROBES,
    *PROVISIONING_STATUS_PROBES,
    *AUDIT_PROBES,
    *EXPORT_PROBES,
    *REVENUE_PROBES,
    *ROLLUP_PROBES,
]
REPOSITORY_TABLE: list[Probe] = [
    *REPOSITORY_PROBES,
    *API_REPOSITORY_PROBES,
    *ADMIN_REPOSITORY_PROBES,
    *MEMBER_REPOSITORY_PROBES,
    *STATEMENT_REPOSITORY_PROBES,
    *DUNNING_REPOSITORY_PROBES,
    *DOCUMENT_REPOSITORY_PROBES,
    *MAIL_REPOSITORY_PROBES,
    *INVOICE_ADMIN_REPOSITORY_PROBES,
    *PAYMENT_REFUND_REPOSITORY_PROBES,
    *CHECKOUT_REPOSITORY_PROBES,
    *AUTO_BILLING_REPOSITORY_PROBES,
    *PAYMENT_LINK_REPOSITORY_PROBES,
    *PROVISIONING_REPOSITORY_PROBES,
    *PROVISIONING_STATUS_REPOSITORY_PROBES,
    *AUDIT_REPOSITORY_PROBES,
    *EXPORT_REPOSITORY_PROBES,
    *REVENUE_REPOSITORY_PROBES,
    *ROLLUP_REPOSITORY_PROBES,
]
ALL_PROBES: list[Probe] = [*REPOSITORY_TABLE, *OPERATION_PROBES]
# Operations without a probe, and why none is needed.
EXEMPT: dict[str, str] = (
    repository_probes.EXEMPT
    | service_probes.EXEMPT
    | MAIL_EXEMPT
    | invoice_admin_probes.EXEMPT
    | payment_refund_probes.EXEMPT
    | PAYMENT_LINK_EXEMPT
    | EXPORT_EXEMPT
    | REVENUE_EXEMPT
)
