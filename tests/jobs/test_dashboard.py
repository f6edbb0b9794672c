"""Job monitoring: /admin/queues/ only for admins of the operating tenant; the admin page's figures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from rq import Queue
from rq.job import JobStatus
from rq.registry import FailedJobRegistry

from backend import clock, ports
from backend.db import make_engine, unit_of_work
from backend.demo.service import ADMIN_LOGIN, CUSTOMER_LOGIN
from backend.gateway import admin as admin_gateway
from backend.gateway import identity as identity_gateway
from backend.identity.users import create_user
from backend.kit.errors import NotFoundError
from backend.kit.principals import RequestContext
from backend.models import UserRole
from backend.settings import get_settings, load_settings
from backend.tenancy.service import create_tenant, scope_for_slug
from jobs import dispatch, monitoring
from tests.conftest import seed_demo_as_of

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

OTHER_HOST = "other-tenant.test"
OTHER_ADMIN = ("admin@jobs-other.example", "Other-tenant-admin-7")


@pytest.fixture
def web(monkeypatch: pytest.MonkeyPatch, pg_url: str, redis_url: str) -> Iterator[TestClient]:
    """The web role's API as `billing-console web` builds it, on the test database and its own Redis db."""
    base = redis_url.split("?")[0]
    jobs_redis = f"{base}?db=7" if base.startswith("unix://") else f"{base.rsplit('/', 1)[0]}/7"
    Redis.from_url(jobs_redis).flushdb()
    monkeypatch.setenv("DATABASE_URL", pg_url)
    monkeypatch.setenv("REDIS_URL", jobs_redis)
    monkeypatch.setenv("TENANT_HOSTS", f"{OTHER_HOST}=jobs-other")
    get_settings.cache_clear()
    engine = make_engine(pg_url)
    with unit_of_work(engine) as session:
        seed_demo_as_of(session)
        try:
            scope_for_slug(session, "jobs-other")
        except NotFoundError:
            tenant = create_tenant(session, slug="jobs-other", name="Other Tenant", settings=load_settings())
            assert tenant.id is not None
            create_user(
                session,
                scope_for_slug(session, "jobs-other"),
                email=OTHER_ADMIN[0],
                password=OTHER_ADMIN[1],
                role=UserRole.ADMIN,
            )
    engine.dispose()
    previous = ports.job_queue(), ports.job_monitor()
    from billing_console.billing_console import create_web_api

    with TestClient(create_web_api()) as client:
        yield client
    ports.bind_jobs(*previous)
    Redis.from_url(jobs_redis).flushdb()
    get_settings.cache_clear()


def _sign_in(client: TestClient, email: str, password: str, host: str = "testserver") -> None:
    ticket = identity_gateway.sign_in(RequestContext(host=host), email, password)
    response = client.post("/api/auth/session", json={"ticket": ticket.ticket}, headers={"host": host})
    assert response.status_code == 204


def test_the_dashboard_answers_an_admin(web: TestClient) -> None:
    _sign_in(web, *ADMIN_LOGIN)
    Queue("billing", connection=Redis.from_url(get_settings().redis_url)).enqueue("operator.add", 1, 2)
    response = web.get("/admin/queues/queues")
    assert response.status_code == 200
    assert "RQ-Dashboard" in response.text
    queues = web.get("/admin/queues/queues/json").json()
    assert {"billing"} <= {queue["queue_name"] for queue in queues}
    assert web.get("/admin/queues/", follow_redirects=False).status_code == 302  # to its queue list


@pytest.mark.parametrize("path", ["/admin/queues/", "/admin/queues/queues", "/admin/queues/jobs/json"])
def test_the_dashboard_refuses_anonymous_users(web: TestClient, path: str) -> None:
    response = web.get(path, follow_redirects=False)
    assert response.status_code == 403
    assert "/login" in response.text


def test_the_dashboard_refuses_a_customer(web: TestClient) -> None:
    _sign_in(web, *CUSTOMER_LOGIN)
    assert web.get("/admin/queues/queues").status_code == 403


def test_the_dashboard_refuses_admins_of_other_tenants(web: TestClient) -> None:
    """The queues hold every tenant's jobs: a tenant admin who does not run the deployment sees none."""
    _sign_in(web, *OTHER_ADMIN, host=OTHER_HOST)
    assert web.get("/admin/queues/queues", headers={"host": OTHER_HOST}).status_code == 403


def test_dashboard_actions_are_refused_cross_site(web: TestClient) -> None:
    _sign_in(web, *ADMIN_LOGIN)
    assert web.delete("/admin/queues/queues/mail").status_code == 403  # no Origin: refused
    cross_site = web.delete("/admin/queues/queues/mail", headers={"origin": "https://evil.example"})
    assert cross_site.status_code == 403
    same_site = web.delete("/admin/queues/queues/mail", headers={"origin": "http://testserver"})
    assert same_site.status_code == 200


def test_the_dashboard_carries_the_consoles_bar_and_the_way_back(web: TestClient) -> None:
    _sign_in(web, *ADMIN_LOGIN)
    page = web.get("/admin/queues/queues")
    assert page.status_code == 200
    bar = page.text.index('id="console-bar"')
    assert "Billing Console" in page.text[bar:] and 'href="/admin" id="console-back"' in page.text
    assert bar < page.text.index('href="/admin/queues/jobs"')  # above the dashboard's own header
    without_slash = web.get("/admin/queues", follow_redirects=False)
    assert without_slash.status_code == 307 and without_slash.headers["location"] == "/admin/queues/"


def test_another_site_cannot_read_the_dashboards_json_with_the_admins_cookie(web: TestClient) -> None:
    _sign_in(web, *ADMIN_LOGIN)
    for headers in (
        {"origin": "https://evil.example"},
        {"sec-fetch-site": "cross-site", "sec-fetch-mode": "cors"},
    ):
        response = web.get("/admin/queues/jobs/json", headers=headers)
        assert response.status_code == 403
        assert not [name for name in response.headers if name.startswith("access-control-")]
    assert web.get("/admin/queues/jobs/json", headers={"sec-fetch-site": "same-origin"}).status_code == 200


def test_the_admin_page_shows_failed_jobs_and_coordinator_runs(web: TestClient) -> None:
    admin = identity_gateway.sign_in(RequestContext(host="testserver"), *ADMIN_LOGIN).user
    connection = Redis.from_url(get_settings().redis_url)
    failed = Queue("billing", connection=connection).enqueue_call(
        "jobs.tasks.run_unit",
        args=("subscription_billing", admin.tenant_id, "ids:0-499"),
        job_id=dispatch.unit_job_id("subscription_billing", admin.tenant_id, "ids:0-499"),
    )
    failed.set_status(JobStatus.FAILED)
    FailedJobRegistry("billing", connection=connection).add(failed, ttl=60)
    monitoring.record_failure(connection, "subscription_billing")
    monitoring.record_coordinator_success(connection, "invoice_run", clock.now())

    overview = admin_gateway.jobs_overview(admin)

    assert overview.available
    assert overview.failed_jobs == 1
    runs = {run.name: run for run in overview.coordinators}
    assert runs["subscription_billing"].failed_attempts == 1
    assert runs["subscription_billing"].schedule == "every minute"
    assert runs["subscription_billing"].last_success == "never"
    assert (runs["subscription_billing"].title, runs["invoice_run"].title) == ("Billing run", "Invoice run")
    assert runs["invoice_run"].last_success.endswith("UTC")
    assert runs["invoice_run"].schedule.startswith("every ")


def test_the_admin_page_says_when_job_figures_are_unavailable(web: TestClient) -> None:
    admin = identity_gateway.sign_in(RequestContext(host="testserver"), *ADMIN_LOGIN).user
    nowhere = "redis://127.0.0.1:1/0"
    ports.bind_jobs(monitoring.RqJobQueue(nowhere), monitoring.RqJobMonitor(nowhere))
    overview = admin_gateway.jobs_overview(admin)
    assert not overview.available
    assert "unavailable" in overview.notice
