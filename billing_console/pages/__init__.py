"""One module per page; `ROUTES` is the table `billing_console.py` registers in one loop."""

from billing_console.pages import admin, dashboard, index, login
from billing_console.routes import Route

ROUTES: tuple[Route, ...] = (index.route, login.route, dashboard.route, admin.route)
