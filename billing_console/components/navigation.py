"""Sidebar navigation: the customer area for customers, the admin area for admins."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from billing_console.components.brand import brand
from billing_console.routes import (
    ACCOUNT,
    ADMIN,
    ADMIN_AUDIT,
    ADMIN_BACKORDERS,
    ADMIN_CATALOG,
    ADMIN_CUSTOMERS,
    ADMIN_DUNNING,
    ADMIN_EXPORTS,
    ADMIN_INVOICES,
    ADMIN_PAYMENT_LINKS,
    ADMIN_PAYMENT_SETTINGS,
    ADMIN_PROVIDERS,
    ADMIN_REVENUE,
    ADMIN_SETTINGS,
    ADMIN_SUBSCRIPTIONS,
    DASHBOARD,
    INVOICES,
    PLANS,
    PROFILE,
    SUBSCRIPTIONS,
)

SIDEBAR_WIDTH = "240px"


@dataclass(frozen=True, slots=True)
class NavLink:
    label: str
    href: str
    icon: str
    document: bool = False  # served by the web app, not a Reflex page: load it as a new document


# rq-dashboard-fast, mounted beside the API (admins only, checked by the web app on every request).
JOB_MONITOR = "/admin/queues/"

CUSTOMER_AREA = (
    NavLink("Dashboard", DASHBOARD, "layout-dashboard"),
    NavLink("Subscriptions", SUBSCRIPTIONS, "repeat"),
    NavLink("Invoices", INVOICES, "receipt-text"),
    NavLink("Plans", PLANS, "tags"),
    NavLink("Profile", PROFILE, "building-2"),
)
ADMIN_AREA = (
    NavLink("Overview", ADMIN, "chart-no-axes-column"),
    NavLink("Revenue", ADMIN_REVENUE, "chart-line"),
    NavLink("Customers", ADMIN_CUSTOMERS, "users"),
    NavLink("Subscriptions", ADMIN_SUBSCRIPTIONS, "repeat"),
    NavLink("Invoices", ADMIN_INVOICES, "receipt"),
    NavLink("Exports", ADMIN_EXPORTS, "file-spreadsheet"),
    NavLink("Catalog", ADMIN_CATALOG, "package"),
    NavLink("Server backorders", ADMIN_BACKORDERS, "hourglass"),
    NavLink("Cloud providers", ADMIN_PROVIDERS, "cloud"),
    NavLink("Payment links", ADMIN_PAYMENT_LINKS, "link"),
    NavLink("Payment reminders", ADMIN_DUNNING, "bell-ring"),
    NavLink("Payment settings", ADMIN_PAYMENT_SETTINGS, "credit-card"),
    NavLink("Settings", ADMIN_SETTINGS, "settings"),
    NavLink("Audit log", ADMIN_AUDIT, "scroll-text"),
    NavLink("Job queues", JOB_MONITOR, "list-checks", document=True),
)
ACCOUNT_AREA = (NavLink("Account settings", ACCOUNT, "user-cog"),)


def nav_link(link: NavLink, current: str) -> rx.Component:
    """One entry; the current page is highlighted (known when the page is compiled)."""
    active = link.href == current
    return rx.link(
        rx.hstack(
            rx.icon(link.icon, size=18),
            rx.text(link.label, size="2", weight="medium"),
            align="center",
            spacing="3",
            padding_x="12px",
            padding_y="8px",
            border_radius="var(--radius-3)",
            width="100%",
            background="var(--accent-3)" if active else "transparent",
            color="var(--accent-11)" if active else "var(--gray-11)",
            _hover={
                "background": "var(--accent-3)" if active else "var(--gray-3)",
                "color": "var(--gray-12)",
            },
        ),
        href=link.href,
        reload_document=link.document,
        underline="none",
        width="100%",
        aria_current="page" if active else None,
    )


def nav_section(title: str, links: tuple[NavLink, ...], current: str) -> rx.Component:
    return rx.vstack(
        rx.text(title, size="1", weight="bold", color="var(--gray-10)", padding_x="12px"),
        *[nav_link(link, current) for link in links],
        spacing="1",
        width="100%",
    )


def navigation(current: str, is_admin: rx.Var[bool]) -> rx.Component:
    """Admins see the admin area, customers their own (admins act for no customer account)."""
    return rx.el.nav(
        rx.cond(
            is_admin,
            nav_section("Administration", ADMIN_AREA, current),
            nav_section("Billing", CUSTOMER_AREA, current),
        ),
        rx.box(nav_section("Account", ACCOUNT_AREA, current), margin_top="24px"),
        aria_label="Main",
        width="100%",
    )


def sidebar(current: str, is_admin: rx.Var[bool]) -> rx.Component:
    """Fixed column on wide screens: the coloured column runs the page's whole height, the
    navigation inside it stays in view while the page scrolls."""
    return rx.box(
        rx.box(
            rx.vstack(
                rx.box(brand(), padding_x="12px", padding_y="4px"),
                navigation(current, is_admin),
                spacing="6",
                width="100%",
            ),
            height="100vh",
            position="sticky",
            top="0",
            padding="16px 12px",
        ),
        display=["none", "none", "block"],
        width=SIDEBAR_WIDTH,
        flex_shrink="0",
        border_right="1px solid var(--gray-a5)",
        background="var(--gray-a2)",
    )


def mobile_menu(current: str, is_admin: rx.Var[bool]) -> rx.Component:
    """The same navigation in a drawer, opened from the header on small screens."""
    return rx.box(
        rx.drawer.root(
            rx.drawer.trigger(
                rx.icon_button(
                    rx.icon("menu", size=20), variant="ghost", color_scheme="gray", aria_label="Menu"
                ),
            ),
            rx.drawer.overlay(z_index="5"),
            rx.drawer.portal(
                rx.drawer.content(
                    rx.vstack(
                        rx.hstack(
                            brand(),
                            rx.drawer.close(
                                rx.icon_button(
                                    rx.icon("x", size=18),
                                    variant="ghost",
                                    color_scheme="gray",
                                    aria_label="Close",
                                ),
                            ),
                            justify="between",
                            align="center",
                            width="100%",
                        ),
                        navigation(current, is_admin),
                        spacing="6",
                        width="100%",
                    ),
                    top="0",
                    left="0",
                    height="100%",
                    width="280px",
                    padding="16px",
                    background="var(--color-panel-solid)",
                ),
            ),
            direction="left",
        ),
        display=["block", "block", "none"],
    )
