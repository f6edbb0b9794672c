"""Document alarms: an issued invoice or credit note whose lost file did not rebuild to its hash.


Revision ID: 0012_document_alarms
Revises: 0011_mail_deliveries
Create Date: 2026-12-07 14:10:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes


revision: str = '0012_document_alarms'
down_revision: Union[str, None] = '0011_mail_deliveries'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('document_alarms',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('document_kind', sa.Enum('invoice', 'credit_note', 'subscription', name='documentkind', native_enum=False, length=32, create_constraint=True), nullable=False),
    sa.Column('document_number', sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
    sa.Column('expected_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('actual_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_document_alarms_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_alarms')),
    sa.UniqueConstraint('tenant_id', 'document_kind', 'document_number', name=op.f('uq_document_alarms_tenant_id_document_kind_document_number'))
    )
    with op.batch_alter_table('document_alarms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_alarms_tenant_id_resolved_at'), ['tenant_id', 'resolved_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('document_alarms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_alarms_tenant_id_resolved_at'))

    op.drop_table('document_alarms')
