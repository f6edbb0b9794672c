"""Customer notes: admins' notes on a customer account, newest first, with their author.


Revision ID: 0010_customer_notes
Revises: 0009_customer_invitations
Create Date: 2026-12-07 02:20:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes


revision: str = '0010_customer_notes'
down_revision: Union[str, None] = '0009_customer_invitations'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('customer_notes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('customer_account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('author_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(body) BETWEEN 1 AND 5000', name=op.f('ck_customer_notes_body_length')),
    sa.ForeignKeyConstraint(['author_user_id'], ['users.id'], name=op.f('fk_customer_notes_author_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_account_id'], ['customer_accounts.id'], name=op.f('fk_customer_notes_customer_account_id_customer_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_customer_notes_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_notes'))
    )
    with op.batch_alter_table('customer_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_notes_tenant_id_customer_account_id_created_at'), ['tenant_id', 'customer_account_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('customer_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_notes_tenant_id_customer_account_id_created_at'))

    op.drop_table('customer_notes')
