"""Turning a kind and its context into subject, text and HTML, in English or German, branded.

Templates live in backend/mail/templates/<language>/<kind>.{subject,txt,html}.j2; the HTML ones
extend layout.html.j2, which carries the tenant's name, logo and brand colour. Undefined context
keys are errors, never blanks in a customer's inbox.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context

from backend.models.mail import MailKind

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGES = ("en", "de")
# Buyers in these countries read German (as their invoices are); everyone else the tenant's language.
GERMAN_SPEAKING = frozenset({"DE", "AT", "CH", "LI"})
DEFAULT_BRAND_COLOR = "#1d4ed8"
_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True, slots=True)
class MailBrand:
    name: str
    base_url: str
    color: str = DEFAULT_BRAND_COLOR
    logo_url: str = ""


@dataclass(frozen=True, slots=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def choose_language(requested: str | None, country: str | None, tenant_language: str | None) -> str:
    """The caller's language when it names one we have; else German for German-speaking
    countries; else the tenant's setting; else English."""
    if requested in LANGUAGES:
        return str(requested)
    if country and country.upper() in GERMAN_SPEAKING:
        return "de"
    if tenant_language in LANGUAGES:
        return str(tenant_language)
    return "en"


def brand_from_settings(name: str, base_url: str, settings: Mapping[str, Any]) -> MailBrand:
    """The tenant's brand colour (`brand_color`, #rrggbb) and logo (`logo_url`, absolute https URL)
    from its settings; anything else falls back to the default colour and the name alone."""
    color = str(settings.get("brand_color") or "")
    logo = str(settings.get("logo_url") or "")
    return MailBrand(
        name=name,
        base_url=base_url,
        color=color if _HEX_COLOR.match(color) else DEFAULT_BRAND_COLOR,
        logo_url=logo if logo.startswith("https://") else "",
    )


@pass_context
def _money(context: Context, amount: Any, currency: str) -> str:
    try:
        value = Decimal(str(amount))
    except InvalidOperation as error:
        raise ValueError(f"not an amount: {amount!r}") from error
    return format_currency(value, currency, locale=context["language"])


@pass_context
def _date(context: Context, value: Any) -> str:
    day = value if isinstance(value, date) else date.fromisoformat(str(value))
    return format_date(day, format="long", locale=context["language"])


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["money"] = _money
    env.filters["date"] = _date
    return env


_ENV = _environment()


def _variables(context: Mapping[str, Any], language: str, brand: MailBrand) -> dict[str, Any]:
    """The template's variables; a link given as a path ("/invoices/INV-1") points into the
    tenant's console."""
    variables = {**context, "language": language, "brand": brand}
    link = variables.get("link")
    if isinstance(link, str) and link.startswith("/"):
        variables["link"] = brand.base_url + link
    return variables


def render_subject(kind: MailKind, language: str, context: Mapping[str, Any], brand: MailBrand) -> str:
    variables = _variables(context, language, brand)
    subject = _ENV.get_template(f"{language}/{kind.value}.subject.j2").render(variables)
    return " ".join(subject.split())[:300]


def render_mail(kind: MailKind, language: str, context: Mapping[str, Any], brand: MailBrand) -> RenderedMail:
    """Subject, plain text and HTML of one mail; raises on a missing context key."""
    variables = _variables(context, language, brand)
    subject = render_subject(kind, language, context, brand)
    text = _ENV.get_template(f"{language}/{kind.value}.txt.j2").render(variables)
    html = _ENV.get_template(f"{language}/{kind.value}.html.j2").render({**variables, "subject": subject})
    return RenderedMail(subject=subject, text=text.strip() + "\n", html=html)
