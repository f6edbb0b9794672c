"""The rule of each tenant setting an admin edits on `/admin/settings` (and `PUT /api/v1/admin/settings`),
and where each is stored in the tenant's settings JSON.

One rule per field, here, below every domain that reads the value: the reminder steps (dunning),
the retry schedule (payments), the minimum invoice amount (invoicing), the sender (mail), the
brand colour and logo (documents and mail). Each rule returns the value to store or raises
`FieldErrors` naming its field, with a message the admin can act on.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import Any

from backend.kit.errors import FieldErrors, ValidationFailed

DUNNING_KEY = "dunning"  # {"reminder_offsets_days": [3, 10, 17], "suspend_service": true}
PAYMENTS_KEY = "payments"  # {"retry_schedule_hours": [0, 24, 72, 168]}
BILLING_KEY = "billing"  # {"minimum_invoice_amount": "5.00"}
MAIL_KEY = "mail"  # {"from_name": "Acme Billing", "from_address": "billing@acme.example"}
BRAND_COLOR_KEY = "brand_color"  # "#1f4e79"
LOGO_KEY = "logo_url"  # "data:image/png;base64,...": documents embed it, nothing is fetched

MAX_REMINDER_STEPS = 5
MAX_OFFSET_DAYS = 365  # a reminder a year after the due date is a typo, not a policy
DEFAULT_RETRY_HOURS = (0, 24, 72, 168)  # now, +1 day, +3 days, +7 days
MAX_RETRY_ATTEMPTS = 8
MAX_RETRY_OFFSET_HOURS = 60 * 24  # two months: later than that the invoice is long in dunning
MAX_PAYMENT_TERMS_DAYS = 365
MAX_MINIMUM_AMOUNT = Decimal("100000.00")
MAX_LOGO_BYTES = 64 * 1024  # embedded in every PDF and held by the page: a logo, not a photo
MAX_SENDER_NAME = 100
_HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_LOGO_URI = re.compile(r"data:(image/(?:png|jpeg));base64,([A-Za-z0-9+/=]+)")
# The first bytes of the image types a logo may have (SVG is refused: it can load other files).
_SIGNATURES = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _whole_numbers(value: object) -> bool:
    return isinstance(value, list | tuple) and all(
        isinstance(item, int) and not isinstance(item, bool) for item in value
    )


def check_offsets(offsets: object) -> tuple[int, ...]:
    """The reminder offsets, or `FieldErrors` naming the rule they break: whole days after the due
    date, each at least 1 and at most a year, strictly increasing, at most five steps."""
    field = "reminder_offsets_days"
    if not _whole_numbers(offsets):
        raise FieldErrors({field: "Reminder days are whole numbers of days, such as 3, 10, 17."})
    days = tuple(offsets)  # type: ignore[arg-type]
    if len(days) > MAX_REMINDER_STEPS:
        raise FieldErrors({field: f"At most {MAX_REMINDER_STEPS} reminders; got {len(days)}."})
    for day in days:
        if not 1 <= day <= MAX_OFFSET_DAYS:
            raise FieldErrors(
                {field: f"Each reminder is 1 to {MAX_OFFSET_DAYS} days after the due date; got {day}."}
            )
    for earlier, later in pairwise(days):
        if later <= earlier:
            raise FieldErrors(
                {field: f"Each reminder comes after the one before it: {later} is not after {earlier}."}
            )
    return days


def check_hours(hours: object) -> tuple[int, ...]:
    """The retry schedule, or `FieldErrors` naming the rule it breaks: whole hours, starting at 0,
    strictly increasing, at most two months, one to `MAX_RETRY_ATTEMPTS` attempts."""
    field = "retry_schedule_hours"
    if not _whole_numbers(hours):
        raise FieldErrors({field: "Attempts are whole numbers of hours, such as 0, 24, 72, 168."})
    schedule = tuple(hours)  # type: ignore[arg-type]
    if not 1 <= len(schedule) <= MAX_RETRY_ATTEMPTS:
        raise FieldErrors({field: f"Between 1 and {MAX_RETRY_ATTEMPTS} attempts; got {len(schedule)}."})
    if schedule[0] != 0:
        raise FieldErrors(
            {field: f"The first attempt is at hour 0 (when the invoice is issued); got {schedule[0]}."}
        )
    for earlier, later in pairwise(schedule):
        if later <= earlier:
            raise FieldErrors(
                {field: f"Each attempt comes after the one before: {later} is not after {earlier}."}
            )
    if schedule[-1] > MAX_RETRY_OFFSET_HOURS:
        raise FieldErrors(
            {
                field: f"The last attempt is at most {MAX_RETRY_OFFSET_HOURS} hours after the first;"
                f" got {schedule[-1]}."
            }
        )
    return schedule


def check_payment_terms(days: object) -> int:
    """Days from issue to due date: a whole number from 0 (due on issue) to 365."""
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= MAX_PAYMENT_TERMS_DAYS:
        raise FieldErrors(
            {
                "payment_terms_days": f"Payment terms are 0 to {MAX_PAYMENT_TERMS_DAYS} whole days;"
                f" got {days!r}."
            }
        )
    return days


def check_minimum_amount(amount: object) -> Decimal:
    """The gross below which an invoice waits for more charges (in the tenant's currency): 0 (every
    invoice is issued) up to 100,000.00, in whole cents."""
    field = "minimum_invoice_amount"
    try:
        value = Decimal(str(amount).strip()) if isinstance(amount, str | int | Decimal) else None
    except InvalidOperation:
        value = None
    if isinstance(amount, bool) or value is None or not value.is_finite():
        raise FieldErrors({field: f"Write the minimum as an amount such as 5.00; got {amount!r}."})
    if not 0 <= value <= MAX_MINIMUM_AMOUNT:
        raise FieldErrors({field: f"The minimum is 0 to {MAX_MINIMUM_AMOUNT:,}; got {amount!r}."})
    if value != value.quantize(Decimal("0.01")):
        raise FieldErrors({field: f"The minimum is in whole cents (two decimal places); got {amount!r}."})
    return value.quantize(Decimal("0.01"))


def check_brand_color(color: object) -> str:
    """A colour as #rrggbb (stored lower case), or "" for the documents' and mails' default."""
    text = str(color or "").strip()
    if not text:
        return ""
    if not isinstance(color, str) or not _HEX_COLOR.fullmatch(text):
        raise FieldErrors(
            {"brand_color": f"Write the colour as # and six hex digits, such as #1f4e79; got {text!r}."}
        )
    return text.lower()


def logo_data_uri(data: bytes) -> str:
    """An uploaded logo as the inline image documents embed: PNG or JPEG, at most 64 KB."""
    if not data:
        raise FieldErrors({"logo": "The file is empty; choose a PNG or JPEG image."})
    if len(data) > MAX_LOGO_BYTES:
        raise FieldErrors(
            {
                "logo": f"The logo may have at most {MAX_LOGO_BYTES // 1024} KB;"
                f" this one has {len(data) // 1024} KB."
            }
        )
    kind = next((kind for kind, head in _SIGNATURES.items() if data.startswith(head)), None)
    if kind is None:
        raise FieldErrors({"logo": "The logo must be a PNG or JPEG image."})
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def check_logo(uri: object) -> str:
    """A logo sent as a data: URI (the API's form of an upload), checked as `logo_data_uri`; ""
    removes the logo."""
    if uri == "":
        return ""
    match = _LOGO_URI.fullmatch(uri) if isinstance(uri, str) else None
    if match is None:
        raise FieldErrors(
            {"logo": "Send the logo as data:image/png;base64,... or data:image/jpeg;base64,..."}
        )
    try:
        data = base64.b64decode(match.group(2), validate=True)
    except (binascii.Error, ValueError):
        raise FieldErrors({"logo": "The logo's base64 data is damaged."}) from None
    checked = logo_data_uri(data)
    if not checked.startswith(f"data:{match.group(1)};"):
        raise FieldErrors({"logo": f"The data is not a {match.group(1)} image."})
    return checked


def check_sender_name(name: object) -> str:
    """The name mails come from ("Acme Billing"); "" uses the deployment's."""
    text = str(name or "").strip()
    if not isinstance(name, str | None) or len(text) > MAX_SENDER_NAME or any(ord(c) < 32 for c in text):
        raise FieldErrors(
            {"mail_from_name": f"The sender name has at most {MAX_SENDER_NAME} characters on one line."}
        )
    return text


def check_sender_address(address: object) -> str:
    """The address mails come from; "" uses the deployment's (SMTP_FROM)."""
    text = str(address or "").strip().lower()
    if not text:
        return ""
    if not isinstance(address, str) or len(text) > 254 or not _EMAIL.fullmatch(text):
        raise FieldErrors({"mail_from_address": f"{text!r} is not an email address."})
    return text


def check_flag(field: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise FieldErrors({field: "Choose yes or no."})
    return value


def checked_all(checks: Mapping[str, tuple[Any, Any]]) -> dict[str, Any]:
    """Each field's checked value (`checks`: field -> (rule, value)); the messages of every field
    that breaks its rule at once, so a form shows them all."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field, (rule, value) in checks.items():
        try:
            values[field] = rule(value)
        except FieldErrors as exc:
            errors[field] = " ".join(exc.fields.values())
        except ValidationFailed as exc:
            errors[field] = str(exc)
    if errors:
        raise FieldErrors(errors)
    return values


def stored_section(settings: Mapping[str, Any] | None, key: str) -> dict[str, Any]:
    """One section of a tenant's settings JSON, {} when unset (or not an object)."""
    section = (settings or {}).get(key)
    return dict(section) if isinstance(section, Mapping) else {}


def sender_of(settings: Mapping[str, Any] | None) -> tuple[str, str]:
    """The tenant's mail sender (name, address); "" where the deployment's applies. A stored value
    edited by hand into breaking its rule counts as unset."""
    stored = stored_section(settings, MAIL_KEY)
    try:
        name = check_sender_name(stored.get("from_name", ""))
        address = check_sender_address(stored.get("from_address", ""))
    except FieldErrors:
        return "", ""
    return name, address
