"""Shared metadata, naming convention and column helpers for every table."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Column, ForeignKey, MetaData
from sqlmodel import Field, SQLModel

from backend.clock import now
from backend.models.types import Id, UtcDateTime
from backend.money import MoneyAmount

# Deterministic constraint names so Alembic migrations are stable on PostgreSQL and SQLite.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


def id_field() -> Any:
    return Field(default=None, sa_column=Column(Id, primary_key=True, autoincrement=True))


def fk(target: str, *, nullable: bool = False, ondelete: str | None = None, index: bool = False) -> Any:
    return Field(
        default=None,
        sa_column=Column(Id, ForeignKey(target, ondelete=ondelete), nullable=nullable, index=index),
    )


def tenant_fk() -> Any:
    """Every tenant-owned row carries its tenant; repositories filter on it (backend/kit/repository.py)."""
    return Field(sa_column=Column(Id, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False))


def money(*, nullable: bool = False, default: Decimal | None = Decimal(0)) -> Any:
    return Field(default=default, sa_column=Column(MoneyAmount(), nullable=nullable))


def timestamp(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UtcDateTime(), nullable=nullable, index=index))


def created_at() -> Any:
    return Field(default_factory=now, sa_column=Column(UtcDateTime(), nullable=False))
