"""The suspension hook: what else happens when dunning suspends or unsuspends a subscription.

Dunning decides *when* a subscription is suspended (after the last payment reminder, if the
tenant suspends service) and when it is released (its invoice was settled); provisioning (#12,
#15) decides *what* that means for the servers (stop them, never delete them; start them again).
Provisioning installs its hook with `install_suspension_hook`; until then the default does nothing.
The hook is called inside the unit of work that changed the subscription, so it should only record
or queue its work (e.g. enqueue a job), never call a provider directly: a rollback must undo it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlmodel import Session

from backend.kit.repository import TenantScope


class SuspensionHook(Protocol):
    def suspend(self, session: Session, scope: TenantScope, subscription_id: int, now: datetime) -> None:
        """The subscription went past due after its last reminder: stop its service."""
        ...

    def unsuspend(self, session: Session, scope: TenantScope, subscription_id: int, now: datetime) -> None:
        """The invoice that suspended it was settled: start its service again."""
        ...


class NoSuspension:
    """The default: billing only, nothing to stop."""

    def suspend(self, session: Session, scope: TenantScope, subscription_id: int, now: datetime) -> None:
        return None

    def unsuspend(self, session: Session, scope: TenantScope, subscription_id: int, now: datetime) -> None:
        return None


_hook: SuspensionHook = NoSuspension()


def install_suspension_hook(hook: SuspensionHook) -> SuspensionHook:
    """Install `hook` (provisioning, or a test's recorder); returns the one it replaced."""
    global _hook
    previous, _hook = _hook, hook
    return previous


def suspension_hook() -> SuspensionHook:
    return _hook
