"""Subtitles of episodes: upload (checked WebVTT, or SRT converted), listing, deletion, and
publication into the episode's published HLS version.

The WebVTT text is kept in the database (`episode_subtitle`), so it outlives any one packaged
version. Publication writes, under the current version prefix:

- `subs/<lang>-<sha12>.vtt`: the WebVTT with an X-TIMESTAMP-MAP header (also what `<track>` uses),
- `subs/<lang>-<sha12>.m3u8`: a one-segment subtitle playlist,
- `master-<digest>-<lang>.m3u8`: the packaged master plus one SUBTITLES rendition per language,
  `<lang>` being the one marked DEFAULT=YES. Static viewers get the one for their language.

Every name carries a content digest, so files stay immutable and CDN-cacheable; the packaged
`master.m3u8` is never modified. `Episode.subtitles_published` records which set was published
into which version; when it does not match (a re-packaged episode, a changed track), the next
playback publishes again (`ensure_published`), so subtitles survive re-packaging without the
media pipeline knowing about them.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from dataclasses import dataclass

import m3u8
from sqlalchemy import select
from sqlalchemy.orm import Session

from cliffhanger.accounts.models import Organisation
from cliffhanger.catalog import localization, webvtt
from cliffhanger.catalog.models import Episode, EpisodeStatus, EpisodeSubtitle
from cliffhanger.catalog.service import episode_for_org
from cliffhanger.kit.config import Settings
from cliffhanger.kit.errors import Invalid, NotFound
from cliffhanger.kit.storage import BlobStore, StorageError

log = logging.getLogger(__name__)

MAX_TRACKS = 20
MAX_LABEL_CHARS = 64
_LABEL_BAD = re.compile(r'["\x00-\x1f\x7f]')
VTT_TYPE = "text/vtt; charset=utf-8"
M3U8_TYPE = "application/vnd.apple.mpegurl"


# ----- studio side ---------------------------------------------------------------------------


def check_label(label: str | None, lang: str) -> str:
    label = (label or "").strip()
    if not label:
        return localization.language_name(lang)
    if len(label) > MAX_LABEL_CHARS:
        raise Invalid(f"label must be at most {MAX_LABEL_CHARS} characters.", field="label")
    if _LABEL_BAD.search(label):
        raise Invalid("label must not contain quotes or control characters.", field="label")
    return label


def put_subtitle(
    session: Session, org: Organisation, episode_id: str, *, lang: str, label: str | None,
    data: bytes, filename: str | None,
) -> tuple[EpisodeSubtitle, bool]:
    """Check and store one language's subtitles (replacing that language's earlier file).

    Nothing is written unless the file passed every check. Returns (row, created).
    """
    episode = episode_for_org(session, org, episode_id)
    code = localization.canonical_tag(lang)
    label = check_label(label, code)
    checked, source_format = webvtt.convert_upload(data, filename, episode.duration_s)
    row = session.scalar(
        select(EpisodeSubtitle).where(
            EpisodeSubtitle.episode_id == episode.id, EpisodeSubtitle.lang == code
        )
    )
    created = row is None
    if row is None:
        count = len(tracks_of(session, episode.id))
        if count >= MAX_TRACKS:
            raise Invalid(f"An episode has at most {MAX_TRACKS} subtitle languages.",
                          field="lang")
        row = EpisodeSubtitle(episode_id=episode.id, lang=code)
        session.add(row)
    row.label = label
    row.vtt = checked.text
    row.sha256 = hashlib.sha256(checked.text.encode()).hexdigest()
    row.cue_count = len(checked.cues)
    row.source_format = source_format
    session.flush()
    return row, created


def delete_subtitle(session: Session, org: Organisation, episode_id: str, lang: str) -> None:
    episode = episode_for_org(session, org, episode_id)
    code = localization.canonical_tag(lang)
    row = session.scalar(
        select(EpisodeSubtitle).where(
            EpisodeSubtitle.episode_id == episode.id, EpisodeSubtitle.lang == code
        )
    )
    if row is None:
        raise NotFound(f"The episode has no {code} subtitles.")
    session.delete(row)
    session.flush()


def tracks_of(session: Session, episode_id: str) -> list[EpisodeSubtitle]:
    return list(
        session.scalars(
            select(EpisodeSubtitle)
            .where(EpisodeSubtitle.episode_id == episode_id)
            .order_by(EpisodeSubtitle.lang)
        )
    )


def tracks_for_episodes(
    session: Session, episode_ids: list[str]
) -> dict[str, list[EpisodeSubtitle]]:
    out: dict[str, list[EpisodeSubtitle]] = {eid: [] for eid in episode_ids}
    if not episode_ids:
        return out
    for row in session.scalars(
        select(EpisodeSubtitle)
        .where(EpisodeSubtitle.episode_id.in_(episode_ids))
        .order_by(EpisodeSubtitle.episode_id, EpisodeSubtitle.lang)
    ):
        out[row.episode_id].append(row)
    return out


# ----- publication ---------------------------------------------------------------------------


def _stem(row: EpisodeSubtitle) -> str:
    return f"subs/{row.lang}-{row.sha256[:12]}"


def _digest(rows: list[EpisodeSubtitle]) -> str:
    canon = "|".join(f"{r.lang}:{r.label}:{r.sha256}" for r in sorted(rows, key=lambda r: r.lang))
    return hashlib.sha256(canon.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class PublishedTrack:
    lang: str
    label: str
    vtt_key: str
    playlist_key: str


@dataclass(frozen=True)
class Published:
    """The subtitle files of an episode's current version."""

    prefix: str
    digest: str
    tracks: tuple[PublishedTrack, ...]

    def master_key(self, default_lang: str) -> str:
        return f"{self.prefix}/master-{self.digest}-{default_lang}.m3u8"

    @property
    def langs(self) -> list[str]:
        return [t.lang for t in self.tracks]


def ensure_published(session: Session, store: BlobStore, episode: Episode) -> Published | None:
    """Make sure the episode's current version carries its current subtitles; None when the
    episode has none (or is not published). Cheap when nothing changed: one query, no I/O."""
    if episode.status is not EpisodeStatus.ready or not episode.hls_prefix:
        return None
    rows = tracks_of(session, episode.id)
    prefix = episode.hls_prefix
    if not rows:
        if episode.subtitles_published:  # the last track was deleted: tidy the version up
            _remove_stale(store, Published(prefix, "", ()))
            episode.subtitles_published = None
            session.flush()
        return None
    digest = _digest(rows)
    published = Published(
        prefix, digest,
        tuple(
            PublishedTrack(r.lang, r.label, f"{prefix}/{_stem(r)}.vtt",
                           f"{prefix}/{_stem(r)}.m3u8")
            for r in rows
        ),
    )
    state = f"{prefix}#{digest}"
    if episode.subtitles_published == state:
        return published
    mpegts = first_media_timestamp(store, episode)
    for row in rows:
        stem = _stem(row)
        store.put_bytes(f"{prefix}/{stem}.vtt", webvtt.segment_text(row.vtt, mpegts).encode(),
                        VTT_TYPE)
        store.put_bytes(
            f"{prefix}/{stem}.m3u8",
            webvtt.subtitle_playlist(stem.split("/", 1)[1] + ".vtt", episode.duration_s).encode(),
            M3U8_TYPE,
        )
    base = store.get_bytes(f"{prefix}/master.m3u8").decode("utf-8")
    renditions = [webvtt.Rendition(r.lang, r.label, f"{_stem(r)}.m3u8") for r in rows]
    for row in rows:
        text = webvtt.with_subtitles(base, renditions, row.lang)
        store.put_bytes(published.master_key(row.lang), text.encode(), M3U8_TYPE)
    _remove_stale(store, published)
    episode.subtitles_published = state
    session.flush()
    return published


def _remove_stale(store: BlobStore, published: Published) -> None:
    """Drop subtitle files and subtitle masters of earlier sets from this version (best effort;
    a player still holding an old master loses only its subtitles)."""
    keep = {t.vtt_key for t in published.tracks} | {t.playlist_key for t in published.tracks}
    keep |= {published.master_key(lang) for lang in published.langs}
    try:
        for key in list(store.list_prefix(published.prefix)):
            name = key[len(published.prefix) + 1:]
            is_ours = name.startswith("subs/") or (
                name.startswith("master-") and name.endswith(".m3u8")
            )
            if is_ours and key not in keep:
                store.delete_prefix(key)
    except (StorageError, OSError):
        log.warning("could not clean old subtitle files under %s", published.prefix,
                    exc_info=True)


def first_media_timestamp(store: BlobStore, episode: Episode) -> int | None:
    """The first MPEG-TS timestamp (90 kHz) of the episode's segments, read from the first
    segment of the smallest rung (decrypted when encrypted); None if it cannot be read."""
    try:
        import av

        assert episode.hls_prefix and episode.renditions
        rung = episode.renditions.split(",")[-1]
        base = f"{episode.hls_prefix}/{rung}"
        playlist = m3u8.loads(store.get_bytes(f"{base}/index.m3u8").decode("utf-8"))
        segment = playlist.segments[0]
        data = store.get_bytes(f"{base}/{segment.uri}")
        key = segment.key
        if key is not None and (key.method or "NONE") == "AES-128":
            if not episode.content_key or not key.iv:
                return None
            data = _aes_decrypt(episode.content_key, bytes.fromhex(key.iv[2:]), data)
        with av.open(io.BytesIO(data), format="mpegts") as container:
            starts = [
                float(s.start_time * s.time_base)
                for s in container.streams
                if s.start_time is not None and s.time_base is not None
            ]
        return round(min(starts) * 90_000) if starts else None
    except Exception:
        log.warning("could not read the first timestamp of episode %s", episode.id, exc_info=True)
        return None


def _aes_decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    plain = decryptor.update(data) + decryptor.finalize()
    pad = plain[-1] if plain else 0
    return plain[:-pad] if 0 < pad <= 16 else plain


# ----- viewer side ---------------------------------------------------------------------------


def default_lang(langs: list[str], viewer_lang: str | None, series_lang: str) -> str | None:
    """The track shown by default: the viewer's language, else the series' own language,
    else English, else the first."""
    if not langs:
        return None
    if viewer_lang:
        if viewer_lang in langs:
            return viewer_lang
        primary = viewer_lang.split("-", 1)[0]
        for lang in langs:
            if lang.split("-", 1)[0] == primary:
                return lang
    for preferred in (series_lang, "en"):
        if preferred in langs:
            return preferred
    return langs[0]


@dataclass(frozen=True)
class TrackView:
    lang: str
    label: str
    url: str | None
    default: bool


def media_url(settings: Settings, key: str) -> str:
    return f"{settings.media_base_url.rstrip('/')}/{key}"


def viewer_tracks(
    session: Session, settings: Settings, store: BlobStore, episode: Episode, *,
    viewer_lang: str | None, series_lang: str, unlocked: bool,
    rows: list[EpisodeSubtitle] | None = None,
) -> list[TrackView]:
    """The subtitle tracks the player lists; URLs only for an episode the viewer may watch."""
    rows = tracks_of(session, episode.id) if rows is None else rows
    if not rows:
        return []
    chosen = default_lang([r.lang for r in rows], viewer_lang, series_lang)
    urls: dict[str, str] = {}
    if unlocked:
        published = ensure_published(session, store, episode)
        if published is not None:
            urls = {t.lang: media_url(settings, t.vtt_key) for t in published.tracks}
    return [TrackView(r.lang, r.label, urls.get(r.lang), r.lang == chosen) for r in rows]
