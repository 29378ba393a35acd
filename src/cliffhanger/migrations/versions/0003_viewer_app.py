"""Viewer app: series metadata (genres, tags, cast, cover, release date, localized text),
subtitles, shoppable products, watch progress, My List and watch events.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-22 18:33:43.753272
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cliffhanger.kit.db

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = cliffhanger.kit.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "my_list_item",
        sa.Column("viewer_id", sa.String(length=32), nullable=False),
        sa.Column("series_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["series.id"],
            name=op.f("fk_my_list_item_series_id_series"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["viewer_id"],
            ["viewer.id"],
            name=op.f("fk_my_list_item_viewer_id_viewer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("viewer_id", "series_id", name=op.f("pk_my_list_item")),
    )

    op.create_table(
        "product",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("series_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("price_text", sa.String(length=40), nullable=False),
        sa.Column("link", sa.String(length=2000), nullable=False),
        sa.Column("image_key", sa.String(length=200), nullable=True),
        sa.Column("image_url", sa.String(length=1000), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["series.id"],
            name=op.f("fk_product_series_id_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product")),
    )

    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_series_id"), ["series_id"], unique=False)

    op.create_table(
        "series_cast",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("series_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=False),
        sa.Column("lead", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["series.id"],
            name=op.f("fk_series_cast_series_id_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series_cast")),
    )

    with op.batch_alter_table("series_cast", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_series_cast_series_id"), ["series_id"], unique=False)

    op.create_table(
        "series_genre",
        sa.Column("series_id", sa.String(length=32), nullable=False),
        sa.Column("genre", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["series.id"],
            name=op.f("fk_series_genre_series_id_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("series_id", "genre", name=op.f("pk_series_genre")),
    )

    with op.batch_alter_table("series_genre", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_series_genre_genre"), ["genre"], unique=False)

    op.create_table(
        "series_localization",
        sa.Column("series_id", sa.String(length=32), nullable=False),
        sa.Column("lang", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("synopsis", sa.Text(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["series.id"],
            name=op.f("fk_series_localization_series_id_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("series_id", "lang", name=op.f("pk_series_localization")),
    )

    op.create_table(
        "series_tag",
        sa.Column("series_id", sa.String(length=32), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["series.id"],
            name=op.f("fk_series_tag_series_id_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("series_id", "tag", name=op.f("pk_series_tag")),
    )

    op.create_table(
        "episode_subtitle",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("episode_id", sa.String(length=32), nullable=False),
        sa.Column("lang", sa.String(length=35), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("vtt", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("cue_count", sa.Integer(), nullable=False),
        sa.Column("source_format", sa.String(length=8), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episode.id"],
            name=op.f("fk_episode_subtitle_episode_id_episode"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_episode_subtitle")),
        sa.UniqueConstraint("episode_id", "lang", name=op.f("uq_episode_subtitle_episode_id_lang")),
    )

    with op.batch_alter_table("episode_subtitle", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_episode_subtitle_episode_id"), ["episode_id"], unique=False
        )

    op.create_table(
        "product_placement",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("product_id", sa.String(length=32), nullable=False),
        sa.Column("episode_id", sa.String(length=32), nullable=False),
        sa.Column("start_s", sa.Float(), nullable=False),
        sa.Column("end_s", sa.Float(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.CheckConstraint("end_s > start_s", name=op.f("ck_product_placement_end_after_start")),
        sa.CheckConstraint("start_s >= 0", name=op.f("ck_product_placement_start_non_negative")),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episode.id"],
            name=op.f("fk_product_placement_episode_id_episode"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_product_placement_product_id_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_placement")),
    )

    with op.batch_alter_table("product_placement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_placement_episode_id"), ["episode_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_product_placement_product_id"), ["product_id"], unique=False
        )

    op.create_table(
        "watch_event",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("viewer_id", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("episode_id", sa.String(length=32), nullable=False),
        sa.Column("series_id", sa.String(length=32), nullable=False),
        sa.Column("position_s", sa.Float(), nullable=True),
        sa.Column("quartile", sa.Integer(), nullable=True),
        sa.Column("occurred_at", UTC, nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.Column("props", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "position_s IS NULL OR position_s >= 0",
            name=op.f("ck_watch_event_position_non_negative"),
        ),
        sa.CheckConstraint(
            "quartile IS NULL OR quartile IN (25, 50, 75, 100)",
            name=op.f("ck_watch_event_quartile_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episode.id"],
            name=op.f("fk_watch_event_episode_id_episode"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["series.id"],
            name=op.f("fk_watch_event_series_id_series"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["viewer_id"],
            ["viewer.id"],
            name=op.f("fk_watch_event_viewer_id_viewer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_event")),
        sa.UniqueConstraint(
            "viewer_id", "event_id", name=op.f("uq_watch_event_viewer_id_event_id")
        ),
    )

    with op.batch_alter_table("watch_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_watch_event_occurred_at"), ["occurred_at"], unique=False
        )
        batch_op.create_index(
            "ix_watch_event_type_episode", ["type", "episode_id", "viewer_id"], unique=False
        )
        batch_op.create_index(
            "ix_watch_event_type_series", ["type", "series_id", "viewer_id"], unique=False
        )
        batch_op.create_index("ix_watch_event_viewer_type", ["viewer_id", "type"], unique=False)

    op.create_table(
        "watch_progress",
        sa.Column("viewer_id", sa.String(length=32), nullable=False),
        sa.Column("episode_id", sa.String(length=32), nullable=False),
        sa.Column("series_id", sa.String(length=32), nullable=False),
        sa.Column("position_s", sa.Float(), nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episode.id"],
            name=op.f("fk_watch_progress_episode_id_episode"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["series.id"],
            name=op.f("fk_watch_progress_series_id_series"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["viewer_id"],
            ["viewer.id"],
            name=op.f("fk_watch_progress_viewer_id_viewer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("viewer_id", "episode_id", name=op.f("pk_watch_progress")),
    )

    with op.batch_alter_table("watch_progress", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_watch_progress_series_id"), ["series_id"], unique=False
        )
        batch_op.create_index(
            "ix_watch_progress_viewer_updated", ["viewer_id", "updated_at"], unique=False
        )

    op.create_table(
        "product_click",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("placement_id", sa.String(length=32), nullable=False),
        sa.Column("product_id", sa.String(length=32), nullable=False),
        sa.Column("viewer_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["product_placement.id"],
            name=op.f("fk_product_click_placement_id_product_placement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_product_click_product_id_product"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["viewer_id"],
            ["viewer.id"],
            name=op.f("fk_product_click_viewer_id_viewer"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_click")),
    )

    with op.batch_alter_table("product_click", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_click_placement_id"), ["placement_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_product_click_product_id"), ["product_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_product_click_viewer_id"), ["viewer_id"], unique=False)

    with op.batch_alter_table("episode", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subtitles_published", sa.String(length=200), nullable=True))

    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=16), server_default="en", nullable=False)
        )
        batch_op.add_column(sa.Column("cover_key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("published_at", UTC, nullable=True))
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.drop_column("search_text")
        batch_op.drop_column("published_at")
        batch_op.drop_column("cover_key")
        batch_op.drop_column("language")

    with op.batch_alter_table("episode", schema=None) as batch_op:
        batch_op.drop_column("subtitles_published")

    with op.batch_alter_table("product_click", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_click_viewer_id"))
        batch_op.drop_index(batch_op.f("ix_product_click_product_id"))
        batch_op.drop_index(batch_op.f("ix_product_click_placement_id"))

    op.drop_table("product_click")

    with op.batch_alter_table("watch_progress", schema=None) as batch_op:
        batch_op.drop_index("ix_watch_progress_viewer_updated")
        batch_op.drop_index(batch_op.f("ix_watch_progress_series_id"))

    op.drop_table("watch_progress")

    with op.batch_alter_table("watch_event", schema=None) as batch_op:
        batch_op.drop_index("ix_watch_event_viewer_type")
        batch_op.drop_index("ix_watch_event_type_series")
        batch_op.drop_index("ix_watch_event_type_episode")
        batch_op.drop_index(batch_op.f("ix_watch_event_occurred_at"))

    op.drop_table("watch_event")

    with op.batch_alter_table("product_placement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_placement_product_id"))
        batch_op.drop_index(batch_op.f("ix_product_placement_episode_id"))

    op.drop_table("product_placement")

    with op.batch_alter_table("episode_subtitle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_episode_subtitle_episode_id"))

    op.drop_table("episode_subtitle")

    op.drop_table("series_tag")

    op.drop_table("series_localization")

    with op.batch_alter_table("series_genre", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_series_genre_genre"))

    op.drop_table("series_genre")

    with op.batch_alter_table("series_cast", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_series_cast_series_id"))

    op.drop_table("series_cast")

    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_series_id"))

    op.drop_table("product")

    op.drop_table("my_list_item")
