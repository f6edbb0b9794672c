"""Billing engine: period anchors, promotion consumption, dunning state, refund part of credit notes.

New NOT NULL columns get a server default of 0 so existing rows migrate.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 12:17:05.290454

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes


revision: str = '0002'
down_revision: Union[str, None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('credit_note_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('period_start', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('period_end', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('credit_notes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refund_amount', sa.BigInteger(), nullable=False, server_default='0'))

    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('buyer_country', sa.String(length=2), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('overdue_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('dunning_level', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('last_reminder_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('promotion_redemptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('periods_used', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('amount_used', sa.BigInteger(), nullable=False, server_default='0'))

    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anchor_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('period_index', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('suspended_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('suspended_at')
        batch_op.drop_column('period_index')
        batch_op.drop_column('anchor_at')

    with op.batch_alter_table('promotion_redemptions', schema=None) as batch_op:
        batch_op.drop_column('amount_used')
        batch_op.drop_column('periods_used')

    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_column('last_reminder_at')
        batch_op.drop_column('dunning_level')
        batch_op.drop_column('overdue_at')
        batch_op.drop_column('buyer_country')

    with op.batch_alter_table('credit_notes', schema=None) as batch_op:
        batch_op.drop_column('refund_amount')

    with op.batch_alter_table('credit_note_lines', schema=None) as batch_op:
        batch_op.drop_column('period_end')
        batch_op.drop_column('period_start')

