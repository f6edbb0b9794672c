"""The exports page's sections: the form (what, which days) and the export jobs with their progress."""

from __future__ import annotations

import reflex as rx

from backend.gateway import exports as gateway
from backend.gateway.exports import ExportProgress
from billing_console.components.feedback import empty_state, notice_callout, problem_callout, skeleton_rows
from billing_console.state.exports import ExportsState

E = ExportsState


def _field_message(name: str) -> rx.Component:
    return rx.cond(
        E.field_errors.contains(name),
        rx.text(E.field_errors[name], size="1", color="var(--red-11)", id=f"export-{name}-error"),
    )


def _day_field(name: str, label: str, value: rx.Var[str]) -> rx.Component:
    control_id = f"export-{name}"
    return rx.vstack(
        rx.el.label(label, html_for=control_id, font_size="var(--font-size-2)", font_weight="500"),
        rx.input(
            name=name, type="date", default_value=value, id=control_id, required=True, size="3", width="100%"
        ),
        _field_message(name),
        spacing="1",
        min_width="160px",
        flex="1",
    )


def export_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.flex(
                rx.vstack(
                    rx.el.label(
                        "What", html_for="export-kind", font_size="var(--font-size-2)", font_weight="500"
                    ),
                    rx.select.root(
                        rx.select.trigger(id="export-kind", aria_label="What to export", width="100%"),
                        rx.select.content(
                            *[rx.select.item(name, value=value) for value, name in gateway.export_kinds()]
                        ),
                        value=E.kind,
                        on_change=E.choose_kind,
                        size="3",
                    ),
                    _field_message("kind"),
                    spacing="1",
                    min_width="180px",
                    flex="1",
                ),
                _day_field("first_day", "From", E.first_day),
                _day_field("last_day", "Through", E.last_day),
                gap="16px",
                wrap="wrap",
                width="100%",
            ),
            rx.text(
                "Days are counted in UTC and both days are included. Invoices and credit notes count by"
                " their issue date; payments, customers and subscriptions by the day they were created.",
                size="1",
                color="var(--gray-11)",
            ),
            rx.cond(E.form_error != "", problem_callout(E.form_error, element_id="export-error")),
            rx.cond(E.notice != "", notice_callout(E.notice, element_id="export-notice")),
            rx.button(
                rx.icon("download", size=16),
                "Export CSV",
                type="submit",
                id="export-go",
                loading=E.starting,
                size="3",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=E.export,
        reset_on_submit=False,
        width="100%",
    )


def _status_badge(status: rx.Var[str]) -> rx.Component:
    return rx.match(
        status,
        ("queued", rx.badge("Waiting for a worker", color_scheme="gray", variant="soft")),
        ("running", rx.badge("Running", color_scheme="blue", variant="soft")),
        ("done", rx.badge("Ready", color_scheme="green", variant="soft")),
        ("failed", rx.badge("Failed", color_scheme="red", variant="soft")),
        rx.fragment(),
    )


def _job(job: rx.Var[ExportProgress]) -> rx.Component:
    percent = rx.cond(job.total > 0, job.done * 100 // job.total, rx.cond(job.status == "done", 100, 0))
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.vstack(
                    rx.text(job.kind_name, weight="medium"),
                    rx.text(job.first_day, " to ", job.last_day, size="2", color="var(--gray-11)"),
                    spacing="0",
                ),
                _status_badge(job.status),
                justify="between",
                align="start",
                gap="8px",
                width="100%",
            ),
            rx.cond(
                (job.status == "queued") | (job.status == "running"),
                rx.vstack(
                    rx.progress(value=percent, width="100%", aria_label="Export progress"),
                    rx.text(job.done, " of ", job.total, " rows written", size="2", color="var(--gray-11)"),
                    spacing="2",
                    width="100%",
                    class_name="export-progress",
                ),
            ),
            rx.cond(
                job.status == "done",
                rx.flex(
                    rx.text(job.done, " rows", size="2", color="var(--gray-11)"),
                    rx.button(
                        rx.icon("download", size=16),
                        "Download CSV",
                        on_click=rx.download(url=job.download_url, filename=job.filename),
                        variant="soft",
                        class_name="export-download",
                    ),
                    justify="between",
                    align="center",
                    width="100%",
                ),
            ),
            rx.cond(job.status == "failed", rx.text(job.last_error, size="2", color="var(--red-11)")),
            spacing="3",
            width="100%",
        ),
        width="100%",
        class_name="export-job",
    )


def export_jobs() -> rx.Component:
    return rx.cond(
        E.loading,
        skeleton_rows(3),
        rx.cond(
            E.load_error != "",
            problem_callout(E.load_error, element_id="exports-load-error"),
            rx.cond(
                E.jobs.length() > 0,
                rx.vstack(rx.foreach(E.jobs, _job), spacing="3", width="100%", id="export-jobs"),
                rx.vstack(
                    empty_state(
                        "file-spreadsheet",
                        "No large exports yet",
                        "Export above: larger exports run in the background and are kept here to download.",
                    ),
                    rx.text(
                        "Exports of more than ",
                        E.job_threshold,
                        " rows run in the background.",
                        size="1",
                        color="var(--gray-11)",
                        id="export-threshold",
                    ),
                    align="center",
                    width="100%",
                ),
            ),
        ),
    )
