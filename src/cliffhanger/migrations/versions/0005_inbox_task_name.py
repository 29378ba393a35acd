"""the generic inbox: each external event names the queue task that applies it

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_event") as batch:
        batch.add_column(
            sa.Column("task_name", sa.String(64), nullable=False,
                      server_default="commerce.handle_webhook")
        )
    # Ad network rewards were applied by the payment task before; they have their own now.
    op.execute(
        "UPDATE webhook_event SET task_name = 'access.apply_ad_reward' "
        "WHERE event_type = 'ad.reward'"
    )


def downgrade() -> None:
    with op.batch_alter_table("webhook_event") as batch:
        batch.drop_column("task_name")
