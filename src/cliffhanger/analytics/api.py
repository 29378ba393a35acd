"""Watch-event ingestion endpoint."""

from __future__ import annotations

from fastapi import APIRouter

from cliffhanger.accounts.deps import ViewerDep
from cliffhanger.analytics import service
from cliffhanger.analytics.schemas import EventBatch, EventResult
from cliffhanger.kit.http import RuntimeDep

router = APIRouter(prefix="/api/v1", tags=["analytics"])


@router.post(
    "/events", response_model=EventResult,
    responses={422: {"description": "The batch was rejected whole; the problem names the "
                                    "event index and field"}},
)
def post_events(body: EventBatch, rt: RuntimeDep, viewer: ViewerDep) -> EventResult:
    """Store a batch of watch events (at most 100), deduplicated by the client's `event_id`."""
    events = [
        service.EventIn(
            event_id=e.event_id, type=e.type, episode_id=e.episode_id, series_id=e.series_id,
            position_s=e.position_s, quartile=e.quartile, occurred_at=e.occurred_at,
            props=e.props,
        )
        for e in body.events
    ]
    with rt.db.session() as session:
        result = service.ingest(session, viewer.id, events)
    return EventResult(accepted=result.accepted, duplicates=result.duplicates)
