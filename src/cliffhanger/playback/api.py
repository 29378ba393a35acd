"""Playback grants, per-viewer playlists and the key server."""

from __future__ import annotations

from fastapi import APIRouter, Response

from cliffhanger.deps import RuntimeDep, ViewerDep
from cliffhanger.playback import service
from cliffhanger.playback.schemas import PlaybackResponse

router = APIRouter(prefix="/api/v1", tags=["playback"])

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@router.post(
    "/episodes/{episode_id}/playback", response_model=PlaybackResponse,
    responses={402: {"description": "Locked: the problem lists the unlock options"}},
)
def playback(episode_id: str, rt: RuntimeDep, viewer: ViewerDep) -> PlaybackResponse:
    with rt.db.session() as session:
        grant = service.request_playback(session, rt.settings, viewer.id, episode_id)
        poster = service.poster_url(rt.settings, grant.episode)
    return PlaybackResponse(
        episode_id=episode_id, manifest_url=grant.manifest_url, expires_at=grant.expires_at,
        poster_url=poster,
    )


@router.get("/playback/{episode_id}/{playlist:path}", include_in_schema=False)
def playlist(episode_id: str, playlist: str, rt: RuntimeDep, token: str | None = None) -> Response:
    with rt.db.session() as session:
        text = service.deliver_playlist(session, rt.settings, rt.store, episode_id, playlist, token)
    return Response(text, media_type="application/vnd.apple.mpegurl", headers=NO_STORE)


@router.get("/keys/{episode_id}", responses={200: {"content": {"application/octet-stream": {}}}})
def key(episode_id: str, rt: RuntimeDep, token: str | None = None) -> Response:
    """The episode's AES-128 key: only with a valid playback token of an entitled viewer."""
    with rt.db.session() as session:
        data = service.content_key(session, rt.settings, episode_id, token)
    return Response(data, media_type="application/octet-stream", headers=NO_STORE)
