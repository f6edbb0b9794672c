"""A recording suspension hook and a billing world whose tenant reminds at +3, +10 and +17 days."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import pytest
from sqlmodel import Session

from backend.dunning.hooks import install_suspension_hook
from backend.dunning.settings import update_dunning_settings
from backend.kit.repository import TenantScope
from tests.billing.world import World


@dataclass
class RecordingHook:
    """Provisioning's stand-in: records each call, in order."""

    calls: list[tuple[str, int, int, datetime]] = field(default_factory=list)

    def suspend(self, session: Session, scope: TenantScope, subscription_id: int, now: datetime) -> None:
        self.calls.append(("suspend", scope.tenant_id, subscription_id, now))

    def unsuspend(self, session: Session, scope: TenantScope, subscription_id: int, now: datetime) -> None:
        self.calls.append(("unsuspend", scope.tenant_id, subscription_id, now))


@pytest.fixture
def hook() -> Iterator[RecordingHook]:
    recorder = RecordingHook()
    previous = install_suspension_hook(recorder)
    try:
        yield recorder
    finally:
        install_suspension_hook(previous)


@pytest.fixture
def dunning_world(world: World) -> World:
    update_dunning_settings(
        world.session, world.scope, world.admin, reminder_offsets_days=[3, 10, 17], suspend_service=True
    )
    return world
