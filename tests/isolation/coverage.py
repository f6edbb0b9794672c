"""Which operations the isolation tables must cover, found by introspection.

- every public method of every `TenantRepository` subclass (the methods of `TenantRepository`
  itself are tried on every subclass by the generic test), of every other class of
  the repository modules (`backend/<domain>/repository.py`, kit's base and bulk writes) built in a
  scope (`BillingRecords`), and every function there that takes a scope or a repository
  (`next_customer_number`);
- every public function of the billing service modules that takes a tenant scope, directly or
  through an object built in one (`Lifecycle`, `Charger`, `InvoicingContext`, `UnusedTime`,
  `OssLedger`), every public method of such classes (and of classes that inherit such a
  constructor: `Ordering`, `PlanChanges`), and every static or class method of another class that
  takes one (`RateTable.load`).

Which modules are billing modules is a list (`SERVICE_MODULES`); every other module of the domain
packages (and kit) with such an operation must be in `EXEMPT_MODULES` with the reason, so a new
module cannot stay out of the tables unnoticed.

An operation is named by its module under `backend` and its qualified name
(`invoicing.repository.InvoiceRepository.lock`, `subscriptions.service.Lifecycle.cancel`), like
`probes.operation_name`.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

import backend
from backend.audit import browse as audit_log
from backend.billing import charging, positions
from backend.billing import tasks as billing_tasks
from backend.catalog import addons, plans, promotion_codes, redemptions, service_types, validation
from backend.catalog import terms as plan_terms
from backend.currency import service as exchange_rates
from backend.customers import members, notes, profiles
from backend.customers import service as customers
from backend.customers import vat_checks as vat_service
from backend.demo import scenario_report
from backend.documents import service as documents
from backend.documents import tasks as document_tasks
from backend.dunning import reminder_mail
from backend.dunning import service as dunning
from backend.dunning import settings as dunning_settings
from backend.dunning import tasks as dunning_tasks
from backend.exports import service as exports
from backend.exports import tasks as export_tasks
from backend.idempotency import service as idempotency
from backend.invoicing import (
    admin_reads,
    billing_runs,
    credit_notes,
    daily_rollup,
    drafts,
    issuing,
    manual_drafts,
    price_tax,
    promotions,
    runs,
    settlement,
    statements,
)
from backend.invoicing import service as invoicing
from backend.invoicing import tasks as invoicing_tasks
from backend.kit.repository import TenantRepository
from backend.mail import sending as mail_sending
from backend.mail import service as mail_service
from backend.mail import tasks as mail_tasks
from backend.payments import (
    auto_billing,
    balance,
    charges,
    disputes,
    invoice_payments,
    manual_payments,
    payouts,
    provider_events,
    refunds,
    retry_schedule,
    saved_methods,
)
from backend.payments import checkout as payment_checkout
from backend.payments import links as payment_links
from backend.payments import settings_service as payment_settings
from backend.payments import settlement as payment_settlement
from backend.payments import tasks as payment_tasks
from backend.provisioning import hooks as provisioning_hooks
from backend.provisioning import service as provisioning
from backend.provisioning import status as provisioning_status
from backend.provisioning import tasks as provisioning_tasks
from backend.reporting import admin_subscriptions, dashboard, revenue
from backend.reporting import customers as admin_customers
from backend.reporting import overview as admin_overview
from backend.reporting import subscriptions as customer_subscriptions
from backend.scheduling import simulation
from backend.subscriptions import addon_changes, credits, ordering, plan_changes, previews, reads, tasks
from backend.subscriptions import mails as subscription_mails
from backend.subscriptions import reminders as renewal_reminders
from backend.subscriptions import service as subscriptions
from backend.tax import oss
from backend.tenancy import settings_service as tenant_settings
from tests.isolation.probes import operation_name

SERVICE_MODULES: tuple[ModuleType, ...] = (
    subscriptions,
    ordering,
    plan_changes,
    addon_changes,
    reads,
    tasks,
    billing_tasks,
    invoicing_tasks,
    invoicing,
    daily_rollup,
    drafts,
    issuing,
    credit_notes,
    runs,
    charging,
    positions,
    service_types,
    plans,
    addons,
    promotion_codes,
    validation,
    redemptions,
    plan_terms,
    credits,
    promotions,
    exchange_rates,
    oss,
    vat_service,
    customers,
    profiles,
    members,
    dashboard,
    customer_subscriptions,
    previews,
    admin_overview,
    simulation,
    scenario_report,
    idempotency,
    notes,
    admin_customers,
    admin_subscriptions,
    price_tax,
    statements,
    dunning,
    dunning_settings,
    dunning_tasks,
    reminder_mail,
    settlement,
    documents,
    document_tasks,
    mail_service,
    mail_sending,
    mail_tasks,
    subscription_mails,
    renewal_reminders,
    admin_reads,
    manual_drafts,
    billing_runs,
    manual_payments,
    refunds,
    invoice_payments,
    disputes,
    payouts,
    provider_events,
    balance,
    charges,
    payment_checkout,
    payment_settlement,
    auto_billing,
    retry_schedule,
    saved_methods,
    payment_tasks,
    payment_links,
    payment_settings,
    tenant_settings,
    provisioning,
    provisioning_tasks,
    provisioning_hooks,
    provisioning_status,
    audit_log,
    exports,
    export_tasks,
    revenue,
)
_IDENTITY = (
    "identity, not billing: users, sessions, tokens and codes are tried in tests/kit/test_tenant_scoping.py"
)
# Modules of the domain packages with operations that take a scope, but no table here, and why.
EXEMPT_MODULES: dict[str, str] = {
    "backend.payments.webhooks": (
        "its unit and finding (handle_waiting_events, waiting_event_ids) are the webhook_events"
        " coordinator's, probed as payments.tasks.run_webhook_event_unit and find_waiting_event_units;"
        " the rest routes a verified event to the tenant its door or metadata names (tests/payments"
        " send A's events to B's door and B's secret)"
    ),
    "backend.subscriptions.provisioning_hook": (
        "only holds the order step provisioning installs (provisioning.service.OrderServers, probed);"
        " it reads and writes nothing itself"
    ),
    "backend.documents.announcements": (
        "queues the mail of the invoice or credit note its caller (documents.service.render_*_document,"
        " probed) locked in the same scope; queue_mail stamps the delivery with that scope's tenant"
    ),
    "backend.payments.events": (
        "runs each handler with the context the webhook route built in the event's tenant (tests/payments"
        " send A's events to B's door); the handlers read payments through PaymentRepository (probed)"
    ),
    "backend.payments.accounts": (
        "reads and writes the keys only through ProcessorAccountRepository (probed) in the scope it is"
        " given; its callers are probed (payments.settings_service, checkout) and tests/payments prove"
        " B's admin cannot read or change A's keys and B's webhook secret cannot sign A's events"
    ),
    "backend.payments.checkout_flow": (
        "opens the units of work of Pay around the processor calls; each step is a payments.checkout"
        " operation (probed) in the signed-in customer's own tenant"
    ),
    "backend.documents.endpoints": (
        "thin routes: open a unit of work and call documents.service.invoice_pdf or credit_note_pdf"
        " (probed) with the token's or session's own tenant"
    ),
    "backend.exports.endpoints": (
        "thin route: allows the export with exports.service.open_download and streams csv_chunks"
        " (probed) in the token's or session's own tenant"
    ),
    "backend.identity.account_mail": _IDENTITY,
    "backend.identity.passwords": _IDENTITY,
    "backend.identity.registration": _IDENTITY,
    "backend.identity.api_tokens": _IDENTITY,
    "backend.identity.auth": _IDENTITY,
    "backend.identity.sessions": _IDENTITY,
    "backend.identity.users": _IDENTITY,
    "backend.tenancy.service": _IDENTITY,
    "backend.audit.service": (
        "writes entries stamped with the scope's tenant and lists them through AuditLogRepository"
        " (its methods are probed; entries of another tenant's objects are in the table)"
    ),
    "backend.catalog.changes": (
        "writes and audits the row its caller hands it; every caller fetched that row in the same"
        " scope first (probed: the catalog's update, deactivate and reactivate operations)"
    ),
    "backend.kit.policy": (
        "reads no row: compares the actor's tenant with the scope's id (tests/test_policy.py)"
    ),
    "backend.demo.service": (
        "seed_demo creates the demo's own tenant in databases of its own and drives the probed"
        " services there; it takes no scope a caller could point at another tenant"
    ),
    "backend.subscriptions.order_preview": (
        "prices the order its caller placed in the same scope within a savepoint, through the"
        " probed Charger.bill, charges_of_subscription and invoicing's drafts (probed: preview_order)"
    ),
    "backend.dunning.hooks": (
        "the suspension hook's default does nothing; a hook is called by the probed dunning operations"
        " with the scope and a subscription id they found in that scope"
    ),
    "backend.demo.timeline": (
        "the demo's clock: runs the probed coordinators in the demo tenant that seed_demo created"
    ),
}
# What `TenantRepository` offers every subclass: the generic test tries each on every repository.
GENERIC_METHODS = frozenset(
    {"select", "scoped", "get", "get_or_raise", "list", "page", "count", "add", "delete", "check_owned"}
)


def _public_functions(owner: type | ModuleType) -> dict[str, Callable[..., Any]]:
    """Functions (and static or class methods) defined in `owner` itself, not starting with `_`."""
    found = {}
    for name, value in vars(owner).items():
        if name.startswith("_"):
            continue
        if isinstance(value, staticmethod | classmethod):
            value = value.__func__
        if inspect.isfunction(value) and (
            not isinstance(owner, ModuleType) or value.__module__ == owner.__name__
        ):
            found[name] = value
    return found


def _modules(package: ModuleType) -> list[ModuleType]:
    """Every module of `package` and its subpackages, imported."""
    return [
        importlib.import_module(found.name)
        for found in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
    ]


# Not domain code: the web layer, the tables, the page-facing gateway and the outside world's adapters.
_NOT_DOMAIN = ("backend.api", "backend.models", "backend.gateway", "backend.integrations")
_REPOSITORY_LAYER = ("backend.kit.repository", "backend.kit.bulk")


def _domain_modules() -> list[ModuleType]:
    """Every module of the domain packages and kit, imported."""
    return [
        module
        for module in _modules(backend)
        if module.__name__.count(".") >= 2 and not module.__name__.startswith(_NOT_DOMAIN)
    ]


def _is_repository_module(module: ModuleType) -> bool:
    return module.__name__.endswith(".repository") or module.__name__ in _REPOSITORY_LAYER


def repository_modules() -> list[ModuleType]:
    return [module for module in _domain_modules() if _is_repository_module(module)]


def tenant_repositories() -> list[type[TenantRepository[Any]]]:
    """Every subclass of `TenantRepository` in the backend, after importing the repository modules
    (abstract ones without a `model` too: their methods are operations of their subclasses)."""
    repository_modules()
    found: list[type[TenantRepository[Any]]] = []
    pending = list(TenantRepository.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("backend.") and cls not in found:
            found.append(cls)
    return sorted(found, key=lambda cls: (cls.__module__, cls.__name__))


def concrete(repositories: Iterable[type[TenantRepository[Any]]]) -> list[type[TenantRepository[Any]]]:
    """The repositories with a model, whose rows the generic test tries."""
    return [cls for cls in repositories if hasattr(cls, "model")]


def repository_operations(classes: Iterable[type]) -> dict[str, Callable[..., Any]]:
    """Public methods each class defines itself (inherited ones are named after their class)."""
    return {operation_name(f): f for cls in classes for f in _public_functions(cls).values()}


def repository_layer_operations() -> dict[str, Callable[..., Any]]:
    """Every operation of the repository modules: methods of the tenant repositories, methods of the
    other classes built in a scope, and functions that take a scope or a repository."""
    repositories = tenant_repositories()
    modules = repository_modules()
    others = [cls for cls in scoped_classes(modules) if not issubclass(cls, TenantRepository)]
    takes = {"TenantScope", *(cls.__name__ for cls in repositories)}
    found = repository_operations([*repositories, *others])
    for module in modules:
        for function in _public_functions(module).values():
            if _annotation_names(function) & takes:
                found[operation_name(function)] = function
    return found


def _annotation_names(function: Callable[..., Any]) -> set[str]:
    names: set[str] = set()
    for parameter in inspect.signature(function).parameters.values():
        annotation = parameter.annotation
        text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))
        names.update(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", text))
    return names


def scoped_classes(modules: Iterable[ModuleType]) -> list[type]:
    """Classes of `modules` built in a tenant scope: their `__init__` (their own, or the one they
    inherit) takes a `TenantScope`."""
    return [
        cls
        for module in modules
        for cls in vars(module).values()
        if inspect.isclass(cls) and cls.__module__ == module.__name__ and _built_in_a_scope(cls)
    ]


def _built_in_a_scope(cls: type) -> bool:
    init = next((vars(base)["__init__"] for base in cls.__mro__ if "__init__" in vars(base)), None)
    return inspect.isfunction(init) and "TenantScope" in _annotation_names(init)


def service_operations(modules: Iterable[ModuleType]) -> dict[str, Callable[..., Any]]:
    """Public functions of `modules` that take a scope (or a scoped object), and public methods of
    the scoped classes."""
    modules = list(modules)
    classes = scoped_classes(modules)
    scoped = {"TenantScope", *(cls.__name__ for cls in classes)}
    others = [
        cls
        for module in modules
        for cls in vars(module).values()
        if inspect.isclass(cls) and cls.__module__ == module.__name__ and cls not in classes
    ]
    found = {
        operation_name(function): function
        for owner in [*modules, *others]
        for function in _public_functions(owner).values()
        if _annotation_names(function) & scoped
    }
    found.update(repository_operations(classes))
    return found


def unlisted_service_modules() -> list[str]:
    """Modules of the domain packages with an operation that takes a scope, in neither
    `SERVICE_MODULES` nor `EXEMPT_MODULES`."""
    listed = {module.__name__ for module in SERVICE_MODULES} | set(EXEMPT_MODULES)
    return sorted(
        module.__name__
        for module in _domain_modules()
        if not _is_repository_module(module)
        and module.__name__ not in listed
        and service_operations([module])
    )


def uncovered(operations: Iterable[str], covered: Iterable[str]) -> list[str]:
    """Operations with neither a probe nor an exemption, sorted."""
    return sorted(set(operations) - set(covered))
