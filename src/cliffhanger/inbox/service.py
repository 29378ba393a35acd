"""The generic inbox: external events land here once, and their effect happens exactly once.

1. `record` inserts an event with ON CONFLICT DO NOTHING on (source, external id) and, only when
   the row is new, enqueues the task the row names, after the commit;
2. `apply` (called by that task) locks the row, skips it when `handled_at` is set, runs the
   owner's effect and stamps `handled_at` in the same transaction.

The domains that own the effects (orders for payments, access for ad rewards, release for
publishing callbacks) call `record` with their own task name; this package imports none of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cliffhanger.inbox.models import WebhookEvent
from cliffhanger.kit.db import insert_ignore, new_id, utcnow
from cliffhanger.kit.queue import enqueue_after_commit
from cliffhanger.kit.runtime import Runtime

MAX_PAYLOAD = 64 * 1024


def record(
    session: Session, event: InboundEvent, payload: str, task_name: str,
    now: datetime | None = None,
) -> tuple[str, bool]:
    """Put one event in the inbox; returns (row id, whether it is new). A new row's task is
    enqueued after the commit."""
    row_id = new_id()
    external_id = event.external_id[:200]
    session.execute(
        insert_ignore(session)(WebhookEvent).values(
            id=row_id, provider=event.provider, external_id=external_id,
            event_type=event.event_type, task_name=task_name, payload=payload[:MAX_PAYLOAD],
            data=json.dumps(event.data, sort_keys=True), received_at=now or utcnow(), attempts=0,
        ).on_conflict_do_nothing()
    )
    stored = session.scalar(
        select(WebhookEvent.id).where(
            WebhookEvent.provider == event.provider, WebhookEvent.external_id == external_id,
        )
    )
    assert stored is not None
    new = stored == row_id
    if new:
        enqueue_after_commit(session, task_name, stored)
    return stored, new


Effect = Callable[[WebhookEvent, dict[str, Any]], str]


def apply(
    session: Session, event_id: str, effect: Effect, now: datetime | None = None
) -> str | None:
    """Apply one inbox event exactly once; returns its outcome (None: already handled)."""
    row = session.scalar(
        select(WebhookEvent).where(WebhookEvent.id == event_id).with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None or row.handled_at is not None:
        return None
    outcome = effect(row, json.loads(row.data))
    row.handled_at = now or utcnow()
    row.outcome = outcome[:200]
    row.attempts += 1
    row.last_error = None
    session.flush()
    return outcome


def record_failure(rt: Runtime, event_id: str, error: str) -> None:
    with rt.db.session() as session:
        row = session.get(WebhookEvent, event_id)
        if row is not None and row.handled_at is None:
            row.attempts += 1
            row.last_error = error[:2000]


def unhandled(session: Session, older_than: datetime, limit: int = 200) -> list[tuple[str, str]]:
    """(row id, task name) of events still unhandled after `older_than`, oldest first."""
    rows = session.execute(
        select(WebhookEvent.id, WebhookEvent.task_name)
        .where(WebhookEvent.handled_at.is_(None), WebhookEvent.received_at <= older_than,
               WebhookEvent.attempts < 20)
        .order_by(WebhookEvent.received_at).limit(limit)
    )
    return [(r[0], r[1]) for r in rows]


class EventType:
    PAID = "payment.succeeded"
    FAILED = "payment.failed"
    CANCELLED = "payment.cancelled"
    REFUND = "payment.refunded"
    RENEWED = "subscription.renewed"
    RENEWAL_FAILED = "subscription.renewal_failed"
    REVOKED = "subscription.revoked"
    AD_REWARD = "ad.reward"


@dataclass(frozen=True)
class InboundEvent:
    provider: str
    external_id: str
    """The provider's event id, or what identifies the event when it has none (TikTok: event
    name and trade order); the inbox keeps one row per (provider, external_id)."""
    event_type: str
    data: dict[str, Any] = field(default_factory=dict)
