"""Who may watch what, and the playlists and keys that let them.

Published playlists are stored as packaged, with a placeholder key URI and relative segment names.
For an encrypted episode the viewer gets a manifest URL on our API carrying a short-lived signed
playback token; the playlists are rewritten on delivery so that variant URIs carry the token,
segment URIs point at the static (CDN-cacheable) files, and the key URI points at the key server
with the token. The key server checks the token *and* the entitlement again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from sqlalchemy.orm import Session

from cliffhanger.catalog import service as catalog
from cliffhanger.catalog.models import Episode, Series
from cliffhanger.commerce import ledger
from cliffhanger.config import Settings
from cliffhanger.errors import Forbidden, NotFound, PaymentRequired, Unauthorized
from cliffhanger.media.aes import KEY_URI_PLACEHOLDER
from cliffhanger.security import BadToken, sign, verify
from cliffhanger.storage import BlobStore, StorageError

PLAYBACK_PURPOSE = "playback"
_PLAYLIST_NAME_RE = re.compile(r"^(master|[A-Za-z0-9_]+/index)\.m3u8$")


def media_url(settings: Settings, key: str) -> str:
    return f"{settings.media_base_url.rstrip('/')}/{key}"


def poster_url(settings: Settings, episode: Episode) -> str | None:
    if not episode.hls_prefix:
        return None
    return media_url(settings, f"{episode.hls_prefix}/poster.jpg")


@dataclass(frozen=True)
class PlaybackGrant:
    episode: Episode
    manifest_url: str
    expires_at: datetime
    token: str


def request_playback(
    session: Session, settings: Settings, viewer_id: str, episode_id: str
) -> PlaybackGrant:
    series, episode = catalog.viewable_episode(session, episode_id)
    if not catalog.may_watch(session, viewer_id, series, episode):
        access = catalog.series_access(session, viewer_id, series)
        balance = ledger.spendable_balance(session, viewer_id)
        raise PaymentRequired(
            f"Episode {episode.number} is locked. Unlock it for {series.price_coins} coins.",
            episode_id=episode.id,
            unlock_options=[{"method": "coins", "price_coins": series.price_coins}],
            balance_coins=balance.total,
            cost_to_finish_coins=catalog.cost_to_finish(access),
        )
    token = sign(
        settings.signing_key, PLAYBACK_PURPOSE, {"v": viewer_id, "e": episode.id},
        ttl_s=settings.playback_token_ttl_s,
    )
    payload = verify(settings.signing_key, PLAYBACK_PURPOSE, token)
    expires_at = datetime.fromtimestamp(payload["exp"], tz=UTC)
    assert episode.hls_prefix is not None
    if episode.encrypted:
        manifest = f"/api/v1/playback/{episode.id}/master.m3u8?token={quote(token)}"
    else:
        manifest = media_url(settings, f"{episode.hls_prefix}/master.m3u8")
    return PlaybackGrant(episode, manifest, expires_at, token)


def check_token(settings: Settings, token: str | None, episode_id: str) -> str:
    """The viewer id of a valid playback token for this episode; `Unauthorized` otherwise."""
    if not token:
        raise Unauthorized("A playback token is required.", code="token_missing")
    try:
        payload = verify(settings.signing_key, PLAYBACK_PURPOSE, token)
    except BadToken as exc:
        raise Unauthorized(f"The playback token is not valid ({exc}).", code="token_invalid") from exc
    if payload.get("e") != episode_id:
        raise Unauthorized("The playback token is for another episode.", code="token_invalid")
    return str(payload["v"])


def _published(session: Session, episode_id: str) -> tuple[Series, Episode]:
    try:
        series, episode = catalog.viewable_episode(session, episode_id)
    except NotFound:
        raise
    if not episode.hls_prefix:
        raise NotFound("No such episode.")
    return series, episode


def deliver_playlist(
    session: Session, settings: Settings, store: BlobStore, episode_id: str, name: str,
    token: str | None,
) -> str:
    viewer_id = check_token(settings, token, episode_id)
    if not _PLAYLIST_NAME_RE.match(name):
        raise NotFound("No such playlist.")
    _series, episode = _published(session, episode_id)
    assert episode.hls_prefix is not None
    try:
        text = store.get_bytes(f"{episode.hls_prefix}/{name}").decode("utf-8")
    except StorageError as exc:
        raise NotFound("No such playlist.") from exc
    del viewer_id  # the token's viewer is checked again by the key server, with the entitlement
    q = f"token={quote(token or '')}"
    if name == "master.m3u8":
        return _rewrite_uris(text, lambda uri: f"/api/v1/playback/{episode.id}/{uri}?{q}")
    rung = name.split("/", 1)[0]
    base = media_url(settings, f"{episode.hls_prefix}/{rung}")
    text = text.replace(KEY_URI_PLACEHOLDER, f"/api/v1/keys/{episode.id}?{q}")
    return _rewrite_uris(text, lambda uri: f"{base}/{uri}")


def _rewrite_uris(text: str, rewrite: object) -> str:
    assert callable(rewrite)
    out = []
    for line in text.splitlines():
        if line and not line.startswith("#") and "://" not in line and not line.startswith("/"):
            out.append(rewrite(line.strip()))
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def content_key(session: Session, settings: Settings, episode_id: str, token: str | None) -> bytes:
    viewer_id = check_token(settings, token, episode_id)
    series, episode = _published(session, episode_id)
    if not catalog.may_watch(session, viewer_id, series, episode):
        raise Forbidden("This viewer has not unlocked this episode.", code="not_entitled")
    if not episode.content_key:
        raise NotFound("This episode has no key.")
    return episode.content_key
