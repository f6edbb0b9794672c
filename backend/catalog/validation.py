"""Checking catalog input: every change checks all of its input before touching a row.

Bad input raises `FieldErrors` (a `ValidationFailed`) with one message per wrong field, each naming
the field by its label, and changes nothing: a `FieldCheck` collects the messages of every field
before anything is refused, so a form shows all of them at once. Form and API data become typed
inputs with `parse_input`; an update is checked as the full input it amounts to (`merge`), so a
change can never leave a row that a creation would have refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic import ValidationError as InputError
from sqlmodel import Session

from backend.catalog.schemas import CatalogQuery
from backend.kit.errors import FieldErrors, ValidationFailed
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.models import IntervalUnit
from backend.money import MoneyError, check_currency

_KEY = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$")
CALENDAR_UNITS = frozenset({IntervalUnit.MONTH, IntervalUnit.YEAR})
MAX_NAME_LENGTH = 200
# Amounts are stored as integer micros in a BIGINT (about ±9.2 × 10^12 major units).
MAX_AMOUNT = Decimal(10) ** 12
MAX_DAYS = 36_600  # a hundred years: anything longer is a typo
MAX_INTERVAL_COUNT = 10_000
MAX_LIMIT = 2**31 - 1
_LABELS = {
    "margin_percent": "Margin (percent)",
    "margin_fixed": "Fixed margin",
    "eligible_plan_ids": "Eligible plans",
    "max_redemptions": "Maximum redemptions",
    "max_per_customer": "Maximum redemptions per customer",
    "service_type_id": "Service type",
}

InputModel = TypeVar("InputModel", bound=BaseModel)
T = TypeVar("T")


class FieldCheck:
    """Collects one message per wrong field, then refuses them all at once (`done`).

    `check(field, rule, *args)` runs one rule and returns its value, or None after noting the
    rule's message for `field` (the first message of a field is kept). Values that came back None
    must not be used for further rules: `ok(*fields)` says whether they all passed.
    """

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def __call__(self, field: str, rule: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        try:
            return rule(*args, **kwargs)
        except FieldErrors as exc:
            for name, message in exc.fields.items():
                self.errors.setdefault(name, message)
        except ValidationFailed as exc:
            self.errors.setdefault(field, str(exc))
        return None

    def fail(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def ok(self, *fields: str) -> bool:
        return not any(field in self.errors for field in fields)

    def done(self) -> None:
        """Raise `FieldErrors` if any field was wrong."""
        if self.errors:
            raise FieldErrors(self.errors)


def parse_input(model: type[InputModel], raw: Mapping[str, Any]) -> InputModel:
    """An input built from form or API data; wrong types become `ValidationFailed` naming the field."""
    try:
        return model.model_validate(dict(raw))
    except InputError as exc:
        raise _type_errors(exc) from None


def merge(model: type[InputModel], current: dict[str, Any], changes: BaseModel) -> InputModel:
    """The full input an update amounts to: the row's values overlaid with the fields that were set."""
    values = {name: value for name, value in current.items() if name in model.model_fields}
    values.update(changes.model_dump(exclude_unset=True))
    return parse_input(model, values)


def checked_key(value: str) -> str:
    """A key is 1-64 lowercase letters, digits, dashes or underscores, starting and ending with a
    letter or digit; it is stored in lower case."""
    key = value.strip().lower()
    if not _KEY.match(key):
        raise ValidationFailed(
            "Key must be 1-64 lowercase letters, digits, dashes or underscores, starting and ending "
            f"with a letter or digit, e.g. 'cloud-cx22' (got {value!r})."
        )
    return key


def checked_name(value: str) -> str:
    """A name is not empty and at most `MAX_NAME_LENGTH` characters, without surrounding spaces."""
    name = value.strip()
    if not name:
        raise ValidationFailed("Name must not be empty.")
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationFailed(f"Name must be at most {MAX_NAME_LENGTH} characters (got {len(name)}).")
    return name


def checked_currency(session: Session, scope: TenantScope, value: str | None) -> str:
    """The given ISO 4217 code (any case), or the tenant's default currency when none is given."""
    if value is None:
        tenant = TenantDirectory(session).by_id(scope.tenant_id)
        return tenant.default_currency if tenant else "EUR"
    try:
        return check_currency(value.strip().upper())
    except MoneyError as exc:
        raise ValidationFailed(f"Currency: {exc}") from None


def checked_amount(field: str, value: Decimal, *, places: int = 6, maximum: Decimal = MAX_AMOUNT) -> Decimal:
    """An amount is not negative, has at most `places` decimal places and stays below `maximum`."""
    name = label(field)
    if value < 0:
        raise ValidationFailed(f"{name} must not be negative (got {value}).")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        raise ValidationFailed(f"{name} may have at most {places} decimal places (got {value}).")
    if value >= maximum:
        raise ValidationFailed(f"{name} must be less than {maximum:,}.")
    return value


def checked_whole(field: str, value: int, *, minimum: int, maximum: int) -> int:
    """A whole number between `minimum` and `maximum` (both included)."""
    name = label(field)
    if value < minimum:
        rule = "must not be negative" if minimum == 0 else f"must be at least {minimum}"
        raise ValidationFailed(f"{name} {rule} (got {value}).")
    if value > maximum:
        raise ValidationFailed(f"{name} must be at most {maximum:,} (got {value}).")
    return value


def label(field: str) -> str:
    """How messages name a field: `base_price` is "Base price"."""
    return _LABELS.get(field, field.replace("_", " ").capitalize())


def plain(value: Enum | str) -> str:
    """The value of an enum member (views and messages show `month`, not `IntervalUnit.MONTH`)."""
    return value.value if isinstance(value, Enum) else value


def _type_errors(exc: InputError) -> FieldErrors:
    """One message per field (its first error), e.g. "Base price: Input should be a valid decimal."."""
    fields: dict[str, str] = {}
    for error in exc.errors():
        location = error.get("loc") or ()
        field = str(location[0]) if location else "input"
        name = label(field) if location else "Input"
        fields.setdefault(field, f"{name}: {error['msg'].removeprefix('Value error, ')}.")
    return FieldErrors(fields)


def matches(query: CatalogQuery, active: bool, *texts: str) -> bool:
    """Whether a row fits an admin list's `CatalogQuery`: its search text (any case) is in one of
    `texts`, and it is active or inactive as asked."""
    if (query.status == "active" and not active) or (query.status == "inactive" and active):
        return False
    needle = query.search.strip().lower()
    return not needle or any(needle in text.lower() for text in texts)
