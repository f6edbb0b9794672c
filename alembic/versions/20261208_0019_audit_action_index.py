"""The audit log page filters by action (newest first) and lists the actions a tenant's log holds

Revision ID: 0019_audit_action_index
Revises: 0018_provisioning
Create Date: 2026-12-08 01:00:00

"""
from typing import Sequence, Union

from alembic import op


revision: str = '0019_audit_action_index'
down_revision: Union[str, None] = '0018_provisioning'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_tenant_id_action_id'), ['tenant_id', 'action', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_tenant_id_action_id'))
