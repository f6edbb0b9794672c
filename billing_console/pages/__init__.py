"""One module per page; `ROUTES` is the table `billing_console.py` registers in one loop."""

from billing_console.pages import (
    account,
    admin,
    confirm_email,
    dashboard,
    forgot_password,
    index,
    job_monitor_refused,
    login,
    not_found,
    order,
    plans,
    register,
    reset_password,
    subscription_detail,
    subscriptions,
)
from billing_console.routes import Route

ROUTES: tuple[Route, ...] = (
    index.route,
    login.route,
    register.route,
    confirm_email.route,
    forgot_password.route,
    reset_password.route,
    dashboard.route,
    admin.route,
    account.route,
    plans.route,
    order.route,
    subscriptions.route,
    subscription_detail.route,
    not_found.route,
    job_monitor_refused.route,
)
