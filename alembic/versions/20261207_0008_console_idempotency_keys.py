"""Idempotency keys of console forms: a key belongs to an API token or to a signed-in user.

The order wizard makes a key when it opens and places its order under it, so a double click or a
resubmitted form creates one subscription (docs/decisions.md "One order per wizard").

Revision ID: 0008_console_idempotency_keys
Revises: 0007_idempotency_keys
Create Date: 2026-12-07 02:20:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0008_console_idempotency_keys'
down_revision: Union[str, None] = '0007_idempotency_keys'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', ID, nullable=True))
        batch_op.alter_column('api_token_id', existing_type=ID, nullable=True)
        batch_op.create_foreign_key(
            batch_op.f('fk_idempotency_keys_user_id_users'), 'users', ['user_id'], ['id'], ondelete='CASCADE'
        )
        batch_op.create_unique_constraint(
            batch_op.f('uq_idempotency_keys_tenant_id_user_id_key'), ['tenant_id', 'user_id', 'key']
        )
        batch_op.create_check_constraint(
            'one_owner', '(api_token_id IS NULL) <> (user_id IS NULL)'
        )


def downgrade() -> None:
    op.execute('DELETE FROM idempotency_keys WHERE api_token_id IS NULL')
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_constraint('one_owner', type_='check')
        batch_op.drop_constraint(batch_op.f('uq_idempotency_keys_tenant_id_user_id_key'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_idempotency_keys_user_id_users'), type_='foreignkey')
        batch_op.alter_column('api_token_id', existing_type=ID, nullable=False)
        batch_op.drop_column('user_id')
