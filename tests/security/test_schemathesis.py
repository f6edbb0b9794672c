"""Schemathesis over the API's own OpenAPI document (`/api/openapi.json`), on PostgreSQL.

Every operation gets generated requests, valid and invalid, sent as tenant A's admin and as nobody:
- no answer may be a server error (`not_a_server_error`);
- the answers must match the document: documented status codes, content types, headers and bodies.

Bounded for CI: the coverage cases plus a few fuzzed examples per operation, derandomized, no
example database. Fuzzing is a search, not a proof: with ten examples it may or may not hit, say, an
offset of 2^63 (it did on today's code when run alone). The boundaries that matter are pinned in
test_route_matrix.py; raise `SCHEMATHESIS_MAX_EXAMPLES` locally to search harder.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.hypothesis.builder import HypothesisTestConfig, HypothesisTestMode, create_test
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from backend.api.app import create_api
from tests.security.api_world import ADMIN, ANONYMOUS, ApiWorld

pytestmark = pytest.mark.redis

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10"))
BOUNDED = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failing request is reported
    report_multiple_bugs=False,
    suppress_health_check=list(HealthCheck),
)
CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _sender(api_world: ApiWorld, app: Any, caller: str, checks: list[Any]) -> Callable[[Any], None]:
    def send(case: Any) -> None:
        case.call_and_validate(
            base_url=f"http://{api_world.host_a}", headers=api_world.headers(caller), checks=checks, app=app
        )

    return send


def fuzz(api_world: ApiWorld, callers: dict[str, list[HypothesisTestMode]], checks: list[Any]) -> list[str]:
    """Send every operation its generated requests as each caller; the failed checks, if any.

    Schemathesis' own test builder, in the modes given per caller: the document's examples, the
    coverage cases (boundaries and invalid values of every parameter, deterministic) and
    `MAX_EXAMPLES` fuzzed requests, valid and invalid.
    """
    app, failures = create_api(), []
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    for result in schema.get_all_operations():
        operation = result.ok()
        for caller, modes in callers.items():
            config = HypothesisTestConfig(project=schema.config, modes=modes, settings=BOUNDED)
            send = _sender(api_world, app, caller, checks)
            try:
                create_test(operation=operation, test_func=send, config=config)()
            except (Exception, BaseExceptionGroup) as exc:  # a failed check: go on, report every operation
                failures.append(f"{operation.label} as {caller}:\n{exc}")
    return failures


# The admin reaches every operation's code; nobody is refused before it, so fuzzing suffices there.
CALLERS = {ADMIN: list(HypothesisTestMode), ANONYMOUS: [HypothesisTestMode.FUZZING]}


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)  # the stricter database; SQLite: matrix
def test_no_request_gets_a_server_error(api_world: ApiWorld) -> None:
    failures = fuzz(api_world, CALLERS, [not_a_server_error])
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_answers_match_the_openapi_document(api_world: ApiWorld) -> None:
    """Every status, content type, header and body an operation answers is the one documented."""
    failures = fuzz(api_world, CALLERS, CONFORMANCE)
    assert not failures, "\n\n".join(failures)
