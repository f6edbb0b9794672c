"""Payment links: mails may be of kind payment_link (the link to pay an ad-hoc invoice)

Revision ID: 0016_payment_links
Revises: 0015_saved_methods
Create Date: 2026-12-07 17:30:00

The kind column is a VARCHAR with a CHECK constraint listing the kinds (backend/models/types.py
enum_type); a new kind replaces the constraint.
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0016_payment_links'
down_revision: Union[str, None] = '0015_saved_methods'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_BEFORE = (
    'invoice_issued', 'credit_note', 'payment_reminder', 'renewal_reminder', 'subscription_created',
    'cancellation_scheduled', 'subscription_canceled', 'confirm_email', 'account_exists', 'password_reset',
    'member_invitation',
)
_AFTER = (*_BEFORE, 'payment_link')


def _kinds(kinds: tuple[str, ...]) -> str:
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def upgrade() -> None:
    with op.batch_alter_table('mail_deliveries', schema=None) as batch_op:
        batch_op.drop_constraint('mailkind', type_='check')
        batch_op.create_check_constraint('mailkind', _kinds(_AFTER))


def downgrade() -> None:
    op.execute("DELETE FROM mail_deliveries WHERE kind = 'payment_link'")
    with op.batch_alter_table('mail_deliveries', schema=None) as batch_op:
        batch_op.drop_constraint('mailkind', type_='check')
        batch_op.create_check_constraint('mailkind', _kinds(_BEFORE))
