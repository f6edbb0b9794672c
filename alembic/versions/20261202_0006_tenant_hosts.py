"""Tenant hosts: the host names (lower case, with or without port) whose requests belong to a tenant.

TENANT_HOSTS still overrides them; a host known to neither gets DEFAULT_TENANT_SLUG.

Revision ID: 0006_tenant_hosts
Revises: 0005_exchange_rates
Create Date: 2026-12-02 10:42:37.643354

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes


revision: str = '0006_tenant_hosts'
down_revision: Union[str, None] = '0005_exchange_rates'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('tenant_hosts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('host', sa.String(length=260), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("host <> ''", name=op.f('ck_tenant_hosts_host_not_empty')),
    sa.CheckConstraint('host = lower(host)', name=op.f('ck_tenant_hosts_host_lowercase')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tenant_hosts_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant_hosts')),
    sa.UniqueConstraint('host', name=op.f('uq_tenant_hosts_host'))
    )
    with op.batch_alter_table('tenant_hosts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_hosts_tenant_id'), ['tenant_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('tenant_hosts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenant_hosts_tenant_id'))

    op.drop_table('tenant_hosts')
