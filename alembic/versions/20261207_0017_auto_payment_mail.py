"""Auto-payment mail: mails may be of kind auto_payment_failed (a declined automatic charge)

Revision ID: 0017_auto_payment_mail
Revises: 0016_payment_links
Create Date: 2026-12-07 18:40:00

The kind column is a VARCHAR with a CHECK constraint listing the kinds (backend/models/types.py
enum_type); a new kind replaces the constraint.
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0017_auto_payment_mail'
down_revision: Union[str, None] = '0016_payment_links'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_BEFORE = (
    'invoice_issued', 'credit_note', 'payment_reminder', 'renewal_reminder', 'subscription_created',
    'cancellation_scheduled', 'subscription_canceled', 'confirm_email', 'account_exists', 'password_reset',
    'member_invitation', 'payment_link',
)
_AFTER = (*_BEFORE, 'auto_payment_failed')


def _kinds(kinds: tuple[str, ...]) -> str:
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def upgrade() -> None:
    with op.batch_alter_table('mail_deliveries', schema=None) as batch_op:
        batch_op.drop_constraint('mailkind', type_='check')
        batch_op.create_check_constraint('mailkind', _kinds(_AFTER))


def downgrade() -> None:
    op.execute("DELETE FROM mail_deliveries WHERE kind = 'auto_payment_failed'")
    with op.batch_alter_table('mail_deliveries', schema=None) as batch_op:
        batch_op.drop_constraint('mailkind', type_='check')
        batch_op.create_check_constraint('mailkind', _kinds(_BEFORE))
