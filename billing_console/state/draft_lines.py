"""The editable lines of an invoice form (the admin's manual draft, a payment link's invoice), as
pure list operations both states call: the state keeps `lines` (string dicts, as typed) and
`line_errors` (one message per line), the service checks the values when the form is sent."""

from __future__ import annotations

from backend.gateway.admin_invoice_drafts import TAX_CATEGORIES

LINE_FIELDS = ("description", "quantity", "unit_price", "tax_category")


def blank_line() -> dict[str, str]:
    return {"description": "", "quantity": "1", "unit_price": "", "tax_category": "standard"}


def edited(
    lines: list[dict[str, str]], index: object, name: str, value: object
) -> list[dict[str, str]] | None:
    """`lines` with one field of line `index` changed, or None for an edit the form cannot make (an
    unknown field or line, a tax category that does not exist)."""
    if name not in LINE_FIELDS or not isinstance(index, int) or not 0 <= index < len(lines):
        return None
    if name == "tax_category" and value not in TAX_CATEGORIES:
        return None
    changed = [dict(line) for line in lines]
    changed[index][name] = str(value)[:500]
    return changed


def added(
    lines: list[dict[str, str]], errors: list[str], max_lines: int
) -> tuple[list[dict[str, str]], list[str]]:
    """One blank line more (and its empty message), up to `max_lines`."""
    if len(lines) >= max_lines:
        return lines, errors
    return [*lines, blank_line()], [*errors, ""]


def removed(
    lines: list[dict[str, str]], errors: list[str], index: object
) -> tuple[list[dict[str, str]], list[str]]:
    """Without line `index` and its message; the last line stays (an invoice has at least one)."""
    if not isinstance(index, int) or not 0 <= index < len(lines) or len(lines) <= 1:
        return lines, errors
    keep = [i for i in range(len(lines)) if i != index]
    return [lines[i] for i in keep], [errors[i] if i < len(errors) else "" for i in keep]
