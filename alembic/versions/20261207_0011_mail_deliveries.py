"""Mail deliveries: every email queued, with its template context, attachments, attempts and
Message-ID; a dedupe key per tenant makes the same mail asked twice one delivery.

Revision ID: 0011_mail_deliveries
Revises: 0010_customer_notes
Create Date: 2026-12-07 14:03:57.239464

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes


revision: str = '0011_mail_deliveries'
down_revision: Union[str, None] = '0010_customer_notes'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('mail_deliveries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('customer_account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('to', sa.String(length=254), nullable=False),
    sa.Column('kind', sa.Enum('invoice_issued', 'credit_note', 'payment_reminder', 'renewal_reminder', 'subscription_created', 'cancellation_scheduled', 'subscription_canceled', 'confirm_email', 'account_exists', 'password_reset', 'member_invitation', name='mailkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('context', sa.JSON(), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('status', sa.Enum('queued', 'sending', 'sent', 'failed', name='mailstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('message_id', sa.String(length=300), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_account_id'], ['customer_accounts.id'], name=op.f('fk_mail_deliveries_customer_account_id_customer_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_mail_deliveries_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_deliveries')),
    sa.UniqueConstraint('tenant_id', 'dedupe_key', name=op.f('uq_mail_deliveries_tenant_id_dedupe_key'))
    )
    with op.batch_alter_table('mail_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_deliveries_tenant_id_status_next_attempt_at'), ['tenant_id', 'status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_deliveries_tenant_id_customer_account_id_id'), ['tenant_id', 'customer_account_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('mail_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_deliveries_tenant_id_customer_account_id_id'))
        batch_op.drop_index(batch_op.f('ix_mail_deliveries_tenant_id_status_next_attempt_at'))

    op.drop_table('mail_deliveries')
