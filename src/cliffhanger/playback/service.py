"""Who may watch what, and the playlists and keys that let them.

Published playlists are stored as packaged, with a placeholder key URI and relative segment names.
For an encrypted episode the viewer gets a manifest URL on our API carrying a short-lived signed
playback token; the playlists are rewritten on delivery so that variant URIs carry the token,
segment URIs point at the static (CDN-cacheable) files, and the key URI points at the key server
with the token. The key server checks the token *and* the entitlement again.

Subtitles (see `catalog.subtitles`): an unencrypted episode with subtitles is served from a static
`master-<digest>-<lang>.m3u8` that lists them, `<lang>` being the viewer's default track; for an
encrypted one the rewritten master gets the same SUBTITLES renditions, pointing at the static
subtitle playlists, with the default chosen from the language carried in the playback token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs, quote, urljoin, urlsplit

from sqlalchemy.orm import Session

from cliffhanger.access import rules
from cliffhanger.access.paywall import paywall
from cliffhanger.catalog import service as catalog
from cliffhanger.catalog import subtitles, webvtt
from cliffhanger.catalog.models import Episode, Series
from cliffhanger.catalog.urls import media_url
from cliffhanger.kit.config import Settings
from cliffhanger.kit.errors import Forbidden, NotFound, PaymentRequired, Unauthorized
from cliffhanger.kit.security import BadToken, sign, verify
from cliffhanger.kit.storage import BlobStore, StorageError
from cliffhanger.media.aes import KEY_URI_PLACEHOLDER
from cliffhanger.pricing import service as pricing

PLAYBACK_PURPOSE = "playback"
_PLAYLIST_NAME_RE = re.compile(r"^(master|[A-Za-z0-9_]+/index)\.m3u8$")


@dataclass(frozen=True)
class PlaybackGrant:
    episode: Episode
    manifest_url: str
    expires_at: datetime
    token: str
    subtitles: tuple[subtitles.TrackView, ...] = ()


def request_playback(
    session: Session, settings: Settings, viewer_id: str, episode_id: str, *,
    store: BlobStore | None = None, lang: str | None = None,
) -> PlaybackGrant:
    """A playback grant, or `PaymentRequired` with the unlock options. With `store`, subtitles
    are published if needed and listed; `lang` (the viewer's language) picks the default one."""
    series, episode = catalog.viewable_episode(session, episode_id)
    # Starting a series locks the per-episode price this viewer sees for it (commerce.pricing).
    pricing.lock_price(session, viewer_id, series)
    if not rules.may_watch(session, viewer_id, series, episode):
        wall = paywall(session, settings, viewer_id, series, episode)
        raise PaymentRequired(
            f"Episode {episode.number} is locked. Unlock it for {wall['price_coins']} coins.",
            episode_id=episode.id,
            unlock_options=[{"method": "coins", "price_coins": wall["price_coins"]}],
            balance_coins=wall["balance_coins"],
            cost_to_finish_coins=wall["cost_to_finish_coins"],
            paywall=wall,
        )
    claims: dict[str, str] = {"v": viewer_id, "e": episode.id}
    if lang:
        claims["l"] = lang
    token = sign(settings.signing_key, PLAYBACK_PURPOSE, claims,
                 ttl_s=settings.playback_token_ttl_s)
    payload = verify(settings.signing_key, PLAYBACK_PURPOSE, token)
    expires_at = datetime.fromtimestamp(payload["exp"], tz=UTC)
    assert episode.hls_prefix is not None
    published = subtitles.ensure_published(session, store, episode) if store else None
    tracks: tuple[subtitles.TrackView, ...] = ()
    default = None
    if published is not None:
        default = subtitles.default_lang(published.langs, lang, series.language)
        tracks = tuple(
            subtitles.TrackView(t.lang, t.label, media_url(settings, t.vtt_key), t.lang == default)
            for t in published.tracks
        )
    if episode.encrypted:
        manifest = f"/api/v1/playback/{episode.id}/master.m3u8?token={quote(token)}"
    elif published is not None and default is not None:
        manifest = media_url(settings, published.master_key(default))
    else:
        manifest = media_url(settings, f"{episode.hls_prefix}/master.m3u8")
    return PlaybackGrant(episode, manifest, expires_at, token, tracks)


def check_token(settings: Settings, token: str | None, episode_id: str) -> str:
    """The viewer id of a valid playback token for this episode; `Unauthorized` otherwise."""
    return str(token_claims(settings, token, episode_id)["v"])


def token_claims(settings: Settings, token: str | None, episode_id: str) -> dict[str, object]:
    """The claims of a valid playback token for this episode; `Unauthorized` otherwise."""
    if not token:
        raise Unauthorized("A playback token is required.", code="token_missing")
    try:
        payload = verify(settings.signing_key, PLAYBACK_PURPOSE, token)
    except BadToken as exc:
        raise Unauthorized(
            f"The playback token is not valid ({exc}).", code="token_invalid"
        ) from exc
    if payload.get("e") != episode_id:
        raise Unauthorized("The playback token is for another episode.", code="token_invalid")
    return payload


def _published(session: Session, episode_id: str) -> tuple[Series, Episode]:
    series, episode = catalog.viewable_episode(session, episode_id)
    if not episode.hls_prefix:
        raise NotFound("No such episode.")
    return series, episode


def deliver_playlist(
    session: Session, settings: Settings, store: BlobStore, episode_id: str, name: str,
    token: str | None,
) -> str:
    claims = token_claims(settings, token, episode_id)
    if not _PLAYLIST_NAME_RE.match(name):
        raise NotFound("No such playlist.")
    series, episode = _published(session, episode_id)
    assert episode.hls_prefix is not None
    try:
        text = store.get_bytes(f"{episode.hls_prefix}/{name}").decode("utf-8")
    except StorageError as exc:
        raise NotFound("No such playlist.") from exc
    # The token's viewer is checked again by the key server, with the entitlement.
    q = f"token={quote(token or '')}"
    if name == "master.m3u8":
        published = subtitles.ensure_published(session, store, episode)
        if published is not None:
            lang = claims.get("l")
            default = subtitles.default_lang(
                published.langs, lang if isinstance(lang, str) else None, series.language
            )
            text = webvtt.with_subtitles(text, [
                webvtt.Rendition(t.lang, t.label, media_url(settings, t.playlist_key))
                for t in published.tracks
            ], default)
        return _rewrite_uris(text, lambda uri: f"/api/v1/playback/{episode.id}/{uri}?{q}")
    rung = name.split("/", 1)[0]
    base = media_url(settings, f"{episode.hls_prefix}/{rung}")
    text = text.replace(KEY_URI_PLACEHOLDER, f"/api/v1/keys/{episode.id}?{q}")
    return _rewrite_uris(text, lambda uri: f"{base}/{uri}")


def inline_playlists(
    session: Session, settings: Settings, store: BlobStore, grant: PlaybackGrant
) -> dict[str, str]:
    """The grant's master playlist and every variant playlist it lists, by the URL a player
    would fetch each from (relative URIs resolved against the master's URL), with exactly the
    text those URLs answer. A player that uses them starts on the first fragment without two
    round trips for playlists. Whatever cannot be read is left out (the player fetches it)."""
    out: dict[str, str] = {}
    master = _playlist_at(session, settings, store, grant, grant.manifest_url)
    if master is None:
        return out
    out[grant.manifest_url] = master
    expect_variant = False
    for line in master.splitlines():
        line = line.strip()
        if line.startswith("#EXT-X-STREAM-INF"):
            expect_variant = True
        elif line and not line.startswith("#") and expect_variant:
            expect_variant = False
            url = urljoin(grant.manifest_url, line)
            text = _playlist_at(session, settings, store, grant, url)
            if text is not None:
                out[url] = text
    return out


def _playlist_at(
    session: Session, settings: Settings, store: BlobStore, grant: PlaybackGrant, url: str
) -> str | None:
    episode_id = grant.episode.id
    api_prefix = f"/api/v1/playback/{episode_id}/"
    media_prefix = f"{settings.media_base_url.rstrip('/')}/"
    parts = urlsplit(url)
    try:
        if url.startswith(api_prefix):
            token = parse_qs(parts.query).get("token", [None])[0]
            name = parts.path.removeprefix(api_prefix)
            return deliver_playlist(session, settings, store, episode_id, name, token)
        if url.startswith(media_prefix) and not parts.query:
            key = url.removeprefix(media_prefix)
            if ".." in key.split("/") or not key.endswith(".m3u8"):
                return None
            return store.get_bytes(key).decode("utf-8")
    except (StorageError, NotFound, Unauthorized, UnicodeDecodeError):
        return None
    return None


def _rewrite_uris(text: str, rewrite: object) -> str:
    assert callable(rewrite)
    out = []
    for line in text.splitlines():
        if line and not line.startswith("#") and "://" not in line and not line.startswith("/"):
            out.append(rewrite(line.strip()))
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def content_key(
    session: Session, settings: Settings, episode_id: str, token: str | None
) -> bytes:
    viewer_id = check_token(settings, token, episode_id)
    series, episode = _published(session, episode_id)
    if not rules.may_watch(session, viewer_id, series, episode):
        raise Forbidden("This viewer has not unlocked this episode.", code="not_entitled")
    if not episode.content_key:
        raise NotFound("This episode has no key.")
    return episode.content_key
