"""The tenant's settings (backend/tenancy/settings_service.py) and the mail sender read from them,
run by tenant B.

The settings live on the tenant row, picked by the scope's id rather than by a repository filter
(`filtered=False`): B reads and changes its own (reminders 3 and 50 days, no suspension; the
deployment's sender), and A's row (suspension on, its own sender) stays as it was.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from backend.mail import service as mail_service
from backend.tenancy import settings_service
from tests.isolation.probes import Probe, equals
from tests.isolation.service_probes import S
from tests.isolation.world import Side


def b_settings(payment_terms_days: int) -> Any:
    """B's own settings: its reminder steps, the default terms (or what B just saved), no sender."""

    def check(result: Any, b: Side, session: Session) -> None:
        seen = (
            result.reminder_offsets_days,
            result.suspend_service,
            result.payment_terms_days,
            result.mail_from_name,
            result.mail_from_address,
        )
        assert seen == ([3, 50], False, payment_terms_days, "", ""), f"tenant B got {seen!r}"

    return check


TENANT_SETTINGS_PROBES: list[Probe] = [
    S(
        settings_service.tenant_settings,
        lambda s, me, a: settings_service.tenant_settings(s, me.scope, me.actor),
        b_settings(14),
        filtered=False,
    ),
    S(
        settings_service.update_tenant_settings,
        lambda s, me, a: settings_service.update_tenant_settings(
            s, me.scope, me.actor, {"payment_terms_days": 21}
        ),
        b_settings(21),
        filtered=False,
    ),
    S(
        mail_service.mail_sender,
        lambda s, me, a: mail_service.mail_sender(s, me.scope),
        equals(lambda b: ("", "")),
        filtered=False,
    ),
]
