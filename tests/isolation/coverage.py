"""Which operations the isolation tables must cover, found by introspection.

- every public method of every `TenantRepository` subclass (the methods of `TenantRepository`
  itself are tried on every subclass by the generic test);
- every public function of the billing service modules that takes a tenant scope, directly or
  through an object built in one (`Lifecycle`, `Charger`, `InvoicingContext`), and every public
  method of such classes.

An operation is named `module.qualified_name` (`billing.InvoiceRepository.lock`,
`subscriptions.Lifecycle.cancel`), like `probes.operation_name`.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

import backend.repositories
from backend.repositories.base import TenantRepository
from backend.services import catalog, charging, invoicing, subscriptions
from tests.isolation.probes import operation_name

SERVICE_MODULES: tuple[ModuleType, ...] = (subscriptions, invoicing, charging, catalog)
# What `TenantRepository` offers every subclass: the generic test tries each on every repository.
GENERIC_METHODS = frozenset(
    {"select", "scoped", "get", "get_or_raise", "list", "count", "add", "delete", "check_owned"}
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


def tenant_repositories() -> list[type[TenantRepository[Any]]]:
    """Every subclass of `TenantRepository` in the backend, after importing backend/repositories."""
    for module in pkgutil.iter_modules(backend.repositories.__path__):
        importlib.import_module(f"backend.repositories.{module.name}")
    found: list[type[TenantRepository[Any]]] = []
    pending = list(TenantRepository.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("backend.") and cls not in found:
            found.append(cls)
    return sorted(found, key=lambda cls: (cls.__module__, cls.__name__))


def repository_operations(classes: Iterable[type]) -> dict[str, Callable[..., Any]]:
    """Public methods each class defines itself (inherited ones are named after their class)."""
    return {operation_name(f): f for cls in classes for f in _public_functions(cls).values()}


def _annotation_names(function: Callable[..., Any]) -> set[str]:
    names: set[str] = set()
    for parameter in inspect.signature(function).parameters.values():
        annotation = parameter.annotation
        text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))
        names.update(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", text))
    return names


def scoped_classes(modules: Iterable[ModuleType]) -> list[type]:
    """Classes of `modules` built in a tenant scope: their `__init__` takes a `TenantScope`."""
    return [
        cls
        for module in modules
        for cls in vars(module).values()
        if inspect.isclass(cls)
        and cls.__module__ == module.__name__
        and "__init__" in vars(cls)
        and "TenantScope" in _annotation_names(vars(cls)["__init__"])
    ]


def service_operations(modules: Iterable[ModuleType]) -> dict[str, Callable[..., Any]]:
    """Public functions of `modules` that take a scope (or a scoped object), and public methods of
    the scoped classes."""
    modules = list(modules)
    classes = scoped_classes(modules)
    scoped = {"TenantScope", *(cls.__name__ for cls in classes)}
    found = {
        operation_name(function): function
        for module in modules
        for function in _public_functions(module).values()
        if _annotation_names(function) & scoped
    }
    found.update(repository_operations(classes))
    return found


def uncovered(operations: Iterable[str], covered: Iterable[str]) -> list[str]:
    """Operations with neither a probe nor an exemption, sorted."""
    return sorted(set(operations) - set(covered))
