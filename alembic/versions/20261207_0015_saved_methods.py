"""Saved payment methods: what the profile shows of the card, and when it last changed

Revision ID: 0015_saved_methods
Revises: 0014_payments
Create Date: 2026-12-07 17:30:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0015_saved_methods'
down_revision: Union[str, None] = '0014_payments'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('customer_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_method_brand', sa.String(length=20), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('payment_method_last4', sa.String(length=4), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('payment_method_changed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('customer_profiles', schema=None) as batch_op:
        batch_op.drop_column('payment_method_changed_at')
        batch_op.drop_column('payment_method_last4')
        batch_op.drop_column('payment_method_brand')
