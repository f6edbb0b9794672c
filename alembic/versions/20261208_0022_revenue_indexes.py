"""Revenue analytics: covering indexes for turnover (invoices) and card volume (payments) by
currency and day

Revision ID: 0022_revenue_indexes
Revises: 0021_exports
Create Date: 2026-12-08 01:05:00

"""
from typing import Sequence, Union

from alembic import op


revision: str = '0022_revenue_indexes'
down_revision: Union[str, None] = '0021_exports'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index(
        'ix_invoices_revenue', 'invoices', ['tenant_id', 'currency', 'issued_at'],
        postgresql_include=['status', 'net', 'gross', 'buyer_country', 'tax_mode'],
    )
    op.create_index(
        'ix_payments_revenue', 'payments', ['tenant_id', 'currency', 'succeeded_at'],
        postgresql_include=['amount', 'status'],
    )


def downgrade() -> None:
    op.drop_index('ix_payments_revenue', table_name='payments')
    op.drop_index('ix_invoices_revenue', table_name='invoices')
