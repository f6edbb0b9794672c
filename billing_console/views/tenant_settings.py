"""`/admin/settings`'s sections: who issues the invoices, how they look, when they are due, what
happens when they are not paid, the One-Stop-Shop rule and who the emails come from."""

from __future__ import annotations

import reflex as rx

from billing_console.components.cards import section_card
from billing_console.components.feedback import problem_callout, skeleton_cards
from billing_console.routes import ADMIN_DUNNING, ADMIN_PAYMENT_SETTINGS
from billing_console.state.tenant_settings import LOGO_UPLOAD
from billing_console.state.tenant_settings import TenantSettingsState as S


def _control_id(name: str) -> str:
    return f"settings-{name.replace('_', '-')}"


def field(
    name: str, label: str | rx.Var[str], hint: str = "", *, multiline: bool = False, **props: object
) -> rx.Component:
    """A labelled text field showing the saved value, its rule's message under it when refused."""
    control_id = _control_id(name)
    error = S.errors.get(name, "")
    invalid = rx.cond(error != "", "true", "false")
    common: dict[str, object] = {
        "name": name,
        "id": control_id,
        "default_value": S.values.get(name, ""),
        "key": S.form_key,
        "width": "100%",
        "aria_invalid": invalid,
        "aria_describedby": f"{control_id}-error",
        **props,
    }
    control = (
        rx.text_area(rows="3", **common)
        if multiline
        else rx.input(size="3", color_scheme=rx.cond(error != "", "red", "gray"), **common)
    )
    return rx.vstack(
        rx.el.label(label, html_for=control_id, font_size="var(--font-size-2)", font_weight="500"),
        control,
        rx.cond(
            error != "",
            rx.text(error, size="1", color="var(--red-11)", role="alert", id=f"{control_id}-error"),
        ),
        rx.text(hint, size="1", color="var(--gray-11)") if hint else rx.fragment(),
        spacing="1",
        width="100%",
    )


def _grid(*children: rx.Component) -> rx.Component:
    return rx.grid(*children, columns=rx.breakpoints(initial="1", sm="2"), spacing="4", width="100%")


def _switch(label: str, control_id: str, checked: rx.Var[bool], on_change: object, hint: str) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.switch(checked=checked, on_change=on_change, id=control_id),  # type: ignore[arg-type]
            rx.el.label(label, html_for=control_id, font_size="var(--font-size-2)", font_weight="500"),
            spacing="2",
            align="center",
        ),
        rx.text(hint, size="1", color="var(--gray-11)"),
        spacing="1",
        width="100%",
    )


def identity_section() -> rx.Component:
    return section_card(
        "Issuer",
        "Who your invoices come from; printed on every new invoice.",
        rx.vstack(
            _grid(
                field("legal_name", "Legal name"),
                field("email", "Contact email", "Printed on invoices for questions."),
            ),
            field("address", "Address", "One line per line on the invoice.", multiline=True),
            _grid(
                field("country", "Country", "Two-letter EU country code, e.g. DE.", max_length=2),
                field("vat_id", "VAT ID", "Of the country above, e.g. DE123456789."),
                field("iban", "IBAN", "Customers paying by bank transfer pay to this account."),
                field("bic", "BIC"),
            ),
            spacing="4",
            width="100%",
        ),
        "settings-issuer",
    )


def logo_box() -> rx.Component:
    error = S.errors.get("logo", "")
    return rx.vstack(
        rx.hstack(
            rx.box(
                rx.cond(
                    S.logo != "",
                    rx.image(
                        src=S.logo, alt="Your logo", max_height="64px", max_width="200px", id="settings-logo"
                    ),
                    rx.text("No logo: invoices show your name.", size="2", color="var(--gray-11)"),
                ),
                padding="12px",
                border="1px dashed var(--gray-7)",
                border_radius="var(--radius-3)",
                min_width="160px",
            ),
            rx.vstack(
                rx.upload.root(
                    rx.button(
                        rx.icon("image-up", size=16),
                        "Choose image…",
                        type="button",
                        variant="soft",
                        loading=S.uploading,
                        id="settings-logo-choose",
                    ),
                    id=LOGO_UPLOAD,
                    accept={"image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"]},
                    max_files=1,
                    multiple=False,
                    no_drag=True,
                    on_drop=S.upload_logo(rx.upload_files(upload_id=LOGO_UPLOAD)),  # type: ignore[call-arg]
                ),
                rx.cond(
                    S.logo != "",
                    rx.button(
                        "Remove logo",
                        type="button",
                        variant="ghost",
                        color_scheme="red",
                        on_click=S.remove_logo,
                        id="settings-logo-remove",
                    ),
                ),
                spacing="2",
            ),
            spacing="4",
            align="center",
            wrap="wrap",
        ),
        rx.cond(
            error != "",
            rx.text(error, size="1", color="var(--red-11)", role="alert", id="settings-logo-error"),
        ),
        rx.text(
            "PNG or JPEG, at most 64 KB. Saved as soon as you choose it.", size="1", color="var(--gray-11)"
        ),
        spacing="2",
        width="100%",
    )


def look_section() -> rx.Component:
    return section_card(
        "Logo and colour",
        "How your invoices and emails look.",
        rx.vstack(
            logo_box(),
            field(
                "brand_color", "Brand colour", "As # and six hex digits, e.g. #1f4e79; empty for the default."
            ),
            spacing="4",
            width="100%",
        ),
        "settings-look",
    )


def invoicing_section() -> rx.Component:
    return section_card(
        "Invoices",
        "Applies to invoices issued from now on; issued invoices keep their due date.",
        _grid(
            field(
                "payment_terms_days",
                "Payment terms (days)",
                "Days from the invoice date to the due date.",
                input_mode="numeric",
            ),
            field(
                "minimum_invoice_amount",
                "Minimum invoice amount (" + S.currency + ")",
                "Smaller invoices wait for more charges; 0 issues every invoice.",
                input_mode="decimal",
            ),
        ),
        "settings-invoices",
    )


def collection_section() -> rx.Component:
    return section_card(
        "Unpaid invoices",
        "Payment reminders and retries of automatic card payments.",
        rx.vstack(
            field(
                "reminder_offsets_days",
                "Reminders (days after the due date)",
                "Up to five, such as 3, 10, 17; empty sends no reminders.",
            ),
            _switch(
                "Stop servers after the last reminder",
                "settings-suspend-service",
                S.suspend_service,
                S.choose_suspension,
                "Their subscriptions go past due either way; paying starts them again.",
            ),
            field(
                "retry_schedule_hours",
                "Card payment attempts (hours after the first)",
                "Starting at 0, such as 0, 24, 72, 168 (now, after a day, three days, a week).",
            ),
            rx.hstack(
                rx.link("See the reminder timeline", href=ADMIN_DUNNING, size="2"),
                rx.link("Stripe keys and bank transfer", href=ADMIN_PAYMENT_SETTINGS, size="2"),
                spacing="4",
                wrap="wrap",
            ),
            spacing="4",
            width="100%",
        ),
        "settings-collection",
    )


def oss_section() -> rx.Component:
    return section_card(
        "EU One-Stop-Shop",
        "Sales to consumers in other EU countries: your own VAT up to the threshold, theirs above it.",
        rx.vstack(
            field(
                "oss_threshold",
                "Threshold (EUR per year)",
                "At most 10000.00; 0 taxes every such sale at destination.",
                input_mode="decimal",
            ),
            _switch(
                "A year above the threshold taxes the whole next year at destination",
                "settings-oss-prior-year",
                S.oss_prior_year_rule,
                S.choose_prior_year_rule,
                "As the directive says; switch off only on your tax adviser's word.",
            ),
            spacing="4",
            width="100%",
        ),
        "settings-oss",
    )


def sender_section() -> rx.Component:
    return section_card(
        "Emails",
        "Who your customers' emails (invoices, reminders, sign-in codes) come from.",
        rx.vstack(
            _grid(
                field("mail_from_name", "Sender name", "Empty: the default below."),
                field("mail_from_address", "Sender address", "Empty: the default below.", type="email"),
            ),
            rx.text("Default sender: ", rx.code(S.default_sender), size="1", color="var(--gray-11)"),
            spacing="3",
            width="100%",
        ),
        "settings-sender",
    )


def settings_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.cond(S.form_error != "", problem_callout(S.form_error, element_id="settings-form-error")),
            identity_section(),
            look_section(),
            invoicing_section(),
            collection_section(),
            oss_section(),
            sender_section(),
            rx.hstack(
                rx.button(
                    "Save settings",
                    type="submit",
                    id="settings-save",
                    loading=S.saving,
                    disabled=S.saving,
                    size="3",
                ),
                justify="end",
                width="100%",
            ),
            spacing="5",
            width="100%",
        ),
        on_submit=S.save,
        reset_on_submit=False,
        width="100%",
    )


def settings_skeleton() -> rx.Component:
    return rx.vstack(skeleton_cards(4, height="180px"), width="100%", max_width="880px")
