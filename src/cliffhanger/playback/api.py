"""Playback grants, per-viewer playlists and the key server."""

from __future__ import annotations

from fastapi import APIRouter, Response

from cliffhanger.accounts.deps import ViewerDep
from cliffhanger.catalog import urls
from cliffhanger.catalog.schemas import SubtitleTrack
from cliffhanger.discovery import library
from cliffhanger.discovery.presenters import LangDep
from cliffhanger.kit.errors import PaymentRequired
from cliffhanger.kit.http import RuntimeDep
from cliffhanger.playback import service
from cliffhanger.playback.schemas import PlaybackResponse

router = APIRouter(prefix="/api/v1", tags=["playback"])

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@router.post(
    "/episodes/{episode_id}/playback", response_model=PlaybackResponse,
    responses={402: {"description": "Locked: the problem lists the unlock options"}},
)
def playback(episode_id: str, rt: RuntimeDep, viewer: ViewerDep,
             lang: LangDep) -> PlaybackResponse:
    """Manifest URL and token for an episode this viewer may watch, with its subtitles (the
    viewer's language first choice) and the saved resume position; 402 when locked."""
    locked: PaymentRequired | None = None
    with rt.db.session() as session:
        try:
            grant = service.request_playback(session, rt.settings, viewer.id, episode_id,
                                             store=rt.store, lang=lang)
        except PaymentRequired as exc:
            # Commit what the request recorded (the price lock of a viewer starting the series
            # on a locked episode) before answering 402.
            locked = exc
        else:
            poster = urls.poster_url(rt.settings, grant.episode)
            resume = library.resume_position(session, viewer.id, grant.episode)
            playlists = service.inline_playlists(session, rt.settings, rt.store, grant)
    if locked is not None:
        raise locked
    return PlaybackResponse(
        episode_id=episode_id, manifest_url=grant.manifest_url, expires_at=grant.expires_at,
        poster_url=poster, subtitles=[SubtitleTrack(**vars(t)) for t in grant.subtitles],
        resume_position_s=resume, playlists=playlists,
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
