"""Tenant-scoped reads and writes of the payments tables (the one place their tenant filter lives)."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from backend.kit.repository import TenantRepository, TenantScope
from backend.models import PaymentProcessor, ProcessorAccount


class ProcessorAccountRepository(TenantRepository[ProcessorAccount]):
    model = ProcessorAccount

    def __init__(self, session: Session, scope: TenantScope) -> None:
        super().__init__(session, scope)

    def of(self, processor: PaymentProcessor) -> ProcessorAccount | None:
        statement = self.scoped(select(ProcessorAccount).where(ProcessorAccount.processor == processor))
        return self.session.scalars(statement).first()

    def save(self, account: ProcessorAccount) -> ProcessorAccount:
        account.tenant_id = self.scope.tenant_id
        self.session.add(account)
        self.session.flush()
        return account
