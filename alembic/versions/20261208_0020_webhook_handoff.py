"""Webhook events are stored on receipt and handled by a worker: which door an event came through,
and an index for finding a tenant's events still waiting to be handled

Revision ID: 0020_webhook_handoff
Revises: 0019_audit_action_index
Create Date: 2026-12-08 00:50:00

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "0020_webhook_handoff"
down_revision: Union[str, None] = "0019_audit_action_index"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_webhook_events") as batch:
        batch.add_column(
            sa.Column("via_tenant_endpoint", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.create_index(
            batch.f("ix_inbound_webhook_events_tenant_id_result_id"),
            ["tenant_id", "result", "id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("inbound_webhook_events") as batch:
        batch.drop_index(batch.f("ix_inbound_webhook_events_tenant_id_result_id"))
        batch.drop_column("via_tenant_endpoint")
