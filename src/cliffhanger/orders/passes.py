"""Series passes: whether a viewer holds a live pass for a series."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from cliffhanger.orders.models import PassStatus, SeriesPass


def active_pass_clause(viewer_id: Any, series_id: Any) -> ColumnElement[bool]:
    return and_(SeriesPass.viewer_id == viewer_id, SeriesPass.series_id == series_id,
                SeriesPass.status == PassStatus.active)


def active_pass(session: Session, viewer_id: str, series_id: str) -> SeriesPass | None:
    return session.scalar(
        select(SeriesPass).where(active_pass_clause(viewer_id, series_id)).limit(1)
    )
