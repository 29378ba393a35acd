"""Studio endpoints of ingest: upload an episode's master, and retry a failed packaging."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from cliffhanger.accounts.deps import OrgDep
from cliffhanger.catalog import service
from cliffhanger.catalog.schemas import (
    StudioEpisode,
)
from cliffhanger.catalog.studio_api import studio_episode
from cliffhanger.ingest import service as media
from cliffhanger.kit.errors import Invalid
from cliffhanger.kit.http import RuntimeDep
from cliffhanger.kit.uploads import read_multipart

studio_router = APIRouter(prefix="/api/v1/studio", tags=["studio"])


@studio_router.post(
    "/series/{series_id}/episodes",
    status_code=202,
    response_model=StudioEpisode,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["number", "title", "file"],
                        "properties": {
                            "number": {"type": "integer", "minimum": 1},
                            "title": {"type": "string", "maxLength": 200},
                            "file": {"type": "string", "format": "binary"},
                        },
                    }
                }
            },
        }
    },
)
async def upload_episode(
    series_id: str, request: Request, rt: RuntimeDep, org: OrgDep
) -> StudioEpisode:
    """Upload an episode master (multipart: number, title, file). Packaging runs in the queue."""
    # Refuse early, before reading a large body, when the series is not the caller's.
    def check_series() -> None:
        with rt.db.session() as session:
            service.series_for_org(session, org, series_id)

    await run_in_threadpool(check_series)
    form = await read_multipart(request, rt.settings.work_dir, rt.settings.max_upload_bytes)
    try:
        upload = form.files.get("file")
        if upload is None:
            raise Invalid("The form needs a `file` part with the master.", field="file")
        raw_number = form.fields.get("number", "").strip()
        if not raw_number.isdigit():
            raise Invalid("`number` must be a positive whole number.", field="number")
        title = form.fields.get("title", "")
        staged = await run_in_threadpool(
            media.accept_master, upload.path, upload.sha256, upload.size, upload.filename
        )
        episode = await run_in_threadpool(
            media.add_episode, rt, org, series_id, number=int(raw_number), title=title,
            staged=staged,
        )
    finally:
        form.discard()
    return studio_episode(episode)


@studio_router.post("/episodes/{episode_id}/retry", status_code=202, response_model=StudioEpisode)
def retry_episode(episode_id: str, rt: RuntimeDep, org: OrgDep) -> StudioEpisode:
    return studio_episode(media.retry_episode(rt, org, episode_id))
