"""Cloud-init templates of service types: the placeholders a template may name, and rendering.

Syntax: `{{name}}` (spaces inside the braces allowed: `{{ hostname }}`). Only the names in
`PLACEHOLDERS` exist; a template naming any other is refused when the service type is saved, so a
typo never reaches a server. Values are inserted as they are (no escaping: cloud-init is YAML
written by the tenant's admin, who quotes where YAML needs it). Text without braces is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDERS: dict[str, str] = {
    "hostname": "the server's reserved hostname",
    "ssh_public_key": "the server's SSH public key (OpenSSH line)",
    "customer_number": "the customer's account number",
    "subscription_number": "the subscription's number (SUB-000001)",
    "plan_key": "the plan's key",
    "server_type": "the server type ordered",
    "location": "the location ordered",
}
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_.-]*)\s*\}\}")


def unknown_placeholders(template: str) -> list[str]:
    """The names `template` uses that are not placeholders, each once, in order of appearance."""
    unknown: list[str] = []
    for match in _PLACEHOLDER.finditer(template or ""):
        name = match.group(1)
        if name not in PLACEHOLDERS and name not in unknown:
            unknown.append(name)
    return unknown


def check_template(template: str) -> str | None:
    """The field error for a template with unknown placeholders, else None."""
    unknown = unknown_placeholders(template)
    if not unknown:
        return None
    known = ", ".join(f"{{{{{name}}}}}" for name in PLACEHOLDERS)
    names = ", ".join(f"{{{{{name}}}}}" for name in unknown)
    return f"Cloud-init template: unknown placeholder {names}; known are {known}."


def render(template: str, values: Mapping[str, str]) -> str:
    """`template` with each placeholder replaced by its value ("" when `values` lacks it)."""
    if not template:
        return ""
    unknown = unknown_placeholders(template)
    if unknown:
        raise ValueError(f"unknown placeholders {unknown}")
    return _PLACEHOLDER.sub(lambda match: str(values.get(match.group(1), "")), template)
