"""One module per page; `ROUTES` is the table `billing_console.py` registers in one loop."""

from billing_console.pages import (
    account,
    admin,
    confirm_email,
    dashboard,
    index,
    login,
    password_reset,
    refusals,
    register,
)
from billing_console.routes import Route

ROUTES: tuple[Route, ...] = (
    index.route,
    login.route,
    register.route,
    confirm_email.route,
    password_reset.forgot_route,
    password_reset.reset_route,
    dashboard.route,
    admin.route,
    account.route,
    refusals.not_found_route,
    refusals.job_monitor_refused_route,
)
