"""Subtitles end to end on each database, with really packaged episodes: upload (WebVTT, SRT),
rejection of bad files, HLS subtitle renditions in the static and the rewritten master, ffmpeg
reading them, survival across re-packaging, and organisation isolation."""

from __future__ import annotations

import re
import subprocess
from urllib.parse import urljoin

import httpx
import m3u8
import pytest
from fastapi.testclient import TestClient
from tests.helpers import LiveServer, make_master, make_org, new_viewer, org_headers, publish_series

from cliffhanger.app import create_app
from cliffhanger.catalog.models import Episode, EpisodeStatus
from cliffhanger.ingest import service as media
from cliffhanger.media.ffmpeg import ffmpeg_exe

VTT = b"""WEBVTT

1
00:00:01.000 --> 00:00:03.000
Where were you last night?

00:00:04.000 --> 00:00:06.500
<i>I can explain.</i>
"""

SRT = (
    "1\r\n00:00:01,000 --> 00:00:03,000\r\n\xbfD\xf3nde estabas anoche?\r\n\r\n"
    "2\r\n00:00:04,000 --> 00:00:06,500\r\n<font color=\"yellow\">Te lo explico</font> & m\xe1s\r\n"
).encode()


@pytest.fixture
def world(make_runtime, tmp_path_factory):
    """Two packaged episodes: 1 free (unencrypted), 2 locked (encrypted, 60 coins)."""
    rt = make_runtime(welcome_coins=100)
    _org, key = make_org(rt)
    _other, other_key = make_org(rt, "Other")
    master = make_master(tmp_path_factory.getbasetemp() / "masters")
    sid, eps = publish_series(rt, key, master, episodes=2, free_episodes=1, price_coins=60)
    with TestClient(create_app(runtime=rt, embedded_workers=False)) as client:
        yield rt, client, key, other_key, sid, eps


def _upload(client: TestClient, key: str, episode_id: str, lang: str, data: bytes,
            filename: str = "subs.vtt", label: str | None = None) -> httpx.Response:
    fields = {"lang": lang, **({"label": label} if label is not None else {})}
    return client.post(f"/api/v1/studio/episodes/{episode_id}/subtitles",
                       headers=org_headers(key), data=fields,
                       files={"file": (filename, data, "application/octet-stream")})


def _prefix(rt, episode_id: str) -> str:
    with rt.db.session() as session:
        ep = session.get(Episode, episode_id)
        assert ep is not None and ep.hls_prefix
        return ep.hls_prefix


def _subs_files(rt, episode_id: str) -> list[str]:
    prefix = _prefix(rt, episode_id)
    return [k for k in rt.store.list_prefix(prefix)
            if "/subs/" in k or re.search(r"/master-[^/]+\.m3u8$", k)]


def _subtitle_media(text: str) -> list[m3u8.Media]:
    return [m for m in m3u8.loads(text).media if m.type == "SUBTITLES"]


def test_webvtt_in_the_static_master_and_readable_by_ffmpeg(world):
    _rt, client, key, _other, _sid, eps = world
    r = _upload(client, key, eps[0], "en", VTT)
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["lang"], body["label"], body["cue_count"], body["source_format"]) == (
        "en", "English", 2, "vtt")
    assert body["url"].endswith(".vtt")

    me = new_viewer(client)
    grant = client.post(f"/api/v1/episodes/{eps[0]}/playback", headers=me).json()
    manifest_url = grant["manifest_url"]
    assert re.search(r"/master-[0-9a-f]{12}-en\.m3u8$", manifest_url), manifest_url
    assert grant["subtitles"] == [
        {"lang": "en", "label": "English", "url": body["url"], "default": True}]
    master = client.get(manifest_url)
    assert master.status_code == 200 and "immutable" in master.headers["cache-control"]
    parsed = m3u8.loads(master.text)
    (subs,) = _subtitle_media(master.text)
    assert (subs.language, subs.name, subs.default, subs.autoselect, subs.group_id) == (
        "en", "English", "YES", "YES", "subs")
    assert parsed.playlists and all(p.stream_info.subtitles == "subs" for p in parsed.playlists)
    # The variants still play: the same rung playlists as the packaged master.
    assert all(client.get(urljoin(manifest_url, p.uri)).status_code == 200
               for p in parsed.playlists)
    sub_url = urljoin(manifest_url, subs.uri)
    sub_playlist = m3u8.loads(client.get(sub_url).text)
    assert sub_playlist.is_endlist and len(sub_playlist.segments) == 1
    assert sub_playlist.segments[0].duration == pytest.approx(10.5, abs=0.2)
    vtt = client.get(urljoin(sub_url, sub_playlist.segments[0].uri))
    assert vtt.status_code == 200 and vtt.headers["content-type"].startswith("text/vtt")
    assert vtt.text == client.get(body["url"]).text          # the <track> URL is the same file
    header = vtt.text.splitlines()[:2]
    assert header[0] == "WEBVTT"
    mpegts = int(re.fullmatch(r"X-TIMESTAMP-MAP=MPEGTS:(\d+),LOCAL:00:00:00\.000", header[1])[1])
    assert 90_000 <= mpegts <= 200_000     # ffmpeg's MPEG-TS starts near 1.4 s
    assert "Where were you last night?" in vtt.text

    with LiveServer(client.app) as live:
        out = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", live.url + sub_url,
                              "-f", "webvtt", "-"], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert "Where were you last night?" in out.stdout
        assert "00:01.000 --> 00:03.000" in out.stdout
        probe = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", live.url + manifest_url],
                               capture_output=True, text=True, timeout=60)
        assert re.search(r"Stream #\d+:\d+.*\(en\): Subtitle: webvtt", probe.stderr), probe.stderr


def test_srt_is_converted_and_the_viewer_language_is_the_default(world):
    _rt, client, key, _other, sid, eps = world
    assert _upload(client, key, eps[0], "en", VTT).status_code == 201
    r = _upload(client, key, eps[0], "es", SRT, filename="ep1.es.srt", label="Español (LatAm)")
    assert r.status_code == 201, r.text
    assert r.json()["source_format"] == "srt" and r.json()["cue_count"] == 2
    stored = client.get(f"/api/v1/studio/episodes/{eps[0]}/subtitles/es.vtt",
                        headers=org_headers(key))
    assert stored.text == (
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n¿Dónde estabas anoche?\n\n"
        "00:00:04.000 --> 00:00:06.500\nTe lo explico &amp; más\n"
    )
    # Replacing a language answers 200 and keeps one track per language.
    again = _upload(client, key, eps[0], "ES", SRT, filename="x.srt", label="Español")
    assert again.status_code == 200
    listed = client.get(f"/api/v1/studio/episodes/{eps[0]}/subtitles",
                        headers=org_headers(key)).json()["items"]
    assert [(s["lang"], s["label"]) for s in listed] == [("en", "English"), ("es", "Español")]

    me = new_viewer(client)
    es = client.post(f"/api/v1/episodes/{eps[0]}/playback", headers=me,
                     params={"lang": "es"}).json()
    assert es["manifest_url"].endswith("-es.m3u8")
    defaults = {m.language: m.default for m in _subtitle_media(client.get(es["manifest_url"]).text)}
    assert defaults == {"en": "NO", "es": "YES"}
    assert [(t["lang"], t["default"]) for t in es["subtitles"]] == [("en", False), ("es", True)]
    ko = client.post(f"/api/v1/episodes/{eps[0]}/playback", headers=me,
                     params={"lang": "ko"}).json()
    assert ko["manifest_url"].endswith("-en.m3u8")   # no Korean: the series' own language
    detail = client.get(f"/api/v1/series/{sid}", headers={**me, "Accept-Language": "es"}).json()
    tracks = detail["episodes"][0]["subtitles"]
    assert [(t["lang"], t["default"], t["url"] is not None) for t in tracks] == [
        ("en", False, True), ("es", True, True)]
    assert detail["episodes"][1]["subtitles"] == []


BAD_FILES = [
    (b"WEBVTT\n\n00:00:03.000 --> 00:00:02.000\nbackwards\n", "a.vtt", "Line 3"),
    (b"WEBVTT\n\n00:00:05.000 --> 00:00:06.000\nb\n\n00:00:01.000 --> 00:00:02.000\na\n",
     "a.vtt", "time order"),
    (b"WEBVTT\n\n00:00:01.000 --> 00:00:30.000\ntoo long\n", "a.vtt", "after the end"),
    (b"00:00:01.000 --> 00:00:02.000\nno header\n", "a.vtt", "must start with the line WEBVTT"),
    ("WEBVTT\n\n00:01.000 --> 00:02.000\ncaf\xe9\n".encode("latin-1"), "a.vtt", "UTF-8"),
    (b"1\n00:00:01,000 --> 00:00:02\nx\n", "a.srt", "malformed SRT timing"),
    (b"hello", "a.txt", "neither WebVTT"),
]


def test_bad_files_are_rejected_and_nothing_is_stored(world):
    rt, client, key, _other, _sid, eps = world
    for data, name, words in BAD_FILES:
        r = _upload(client, key, eps[0], "en", data, filename=name)
        assert r.status_code == 422, (name, r.text)
        assert r.json()["code"] == "bad_subtitles" and words in r.json()["detail"], r.json()
    big = b"WEBVTT\n\n" + b"x" * (600 * 1024)
    assert _upload(client, key, eps[0], "en", big).status_code == 413
    assert _upload(client, key, eps[0], "e n", VTT).json()["code"] == "bad_language_tag"
    assert _upload(client, key, eps[0], "en", VTT, label='say "hi"').status_code == 422
    r = client.post(f"/api/v1/studio/episodes/{eps[0]}/subtitles", headers=org_headers(key),
                    files={"file": ("a.vtt", VTT, "text/vtt")})
    assert r.status_code == 422 and r.json()["field"] == "lang"
    assert client.get(f"/api/v1/studio/episodes/{eps[0]}/subtitles",
                      headers=org_headers(key)).json()["items"] == []
    assert _subs_files(rt, eps[0]) == []
    me = new_viewer(client)
    grant = client.post(f"/api/v1/episodes/{eps[0]}/playback", headers=me).json()
    assert grant["manifest_url"].endswith("/master.m3u8") and grant["subtitles"] == []


def test_encrypted_episode_gets_subtitles_in_the_rewritten_master(world):
    _rt, client, key, _other, sid, eps = world
    assert _upload(client, key, eps[1], "en", VTT).status_code == 201
    assert _upload(client, key, eps[1], "pt-BR", VTT, label="Português").status_code == 201
    stranger = new_viewer(client)
    locked = client.get(f"/api/v1/series/{sid}", headers=stranger).json()["episodes"][1]
    assert [(t["lang"], t["url"]) for t in locked["subtitles"]] == [("en", None), ("pt-BR", None)]

    me = new_viewer(client)
    r = client.post("/api/v1/unlocks", headers=me, json={
        "episode_id": eps[1], "method": "coins", "idempotency_key": "unlock-subs-0001"})
    assert r.status_code == 201, r.text
    grant = client.post(f"/api/v1/episodes/{eps[1]}/playback", headers=me,
                        params={"lang": "pt-BR"}).json()
    assert grant["manifest_url"].startswith(f"/api/v1/playback/{eps[1]}/master.m3u8?token=")
    master = client.get(grant["manifest_url"])
    assert master.status_code == 200 and master.headers["cache-control"] == "no-store"
    subs = _subtitle_media(master.text)
    assert [(m.language, m.default) for m in subs] == [("en", "NO"), ("pt-BR", "YES")]
    assert all(m.uri.startswith("/media/hls/") for m in subs)
    parsed = m3u8.loads(master.text)
    assert all(p.stream_info.subtitles == "subs" and "token=" in p.uri for p in parsed.playlists)
    sub_playlist = m3u8.loads(client.get(subs[1].uri).text)
    vtt = client.get(urljoin(subs[1].uri, sub_playlist.segments[0].uri)).text
    # The first timestamp was read from the decrypted first segment.
    assert vtt.splitlines()[1].startswith("X-TIMESTAMP-MAP=MPEGTS:")
    with LiveServer(client.app) as live:
        out = subprocess.run(
            [ffmpeg_exe(), "-v", "error", "-allowed_extensions", "ALL",
             "-i", live.url + grant["manifest_url"], "-map", "0:v:0", "-f", "null", "-"],
            capture_output=True, text=True, timeout=120,
        )
        assert out.returncode == 0, out.stderr


def test_subtitles_survive_repackaging(world):
    rt, client, key, _other, _sid, eps = world
    assert _upload(client, key, eps[0], "en", VTT).status_code == 201
    me = new_viewer(client)
    before = client.post(f"/api/v1/episodes/{eps[0]}/playback", headers=me).json()["manifest_url"]
    old_prefix = _prefix(rt, eps[0])
    with rt.db.session() as session:
        ep = session.get(Episode, eps[0])
        assert ep is not None
        ep.status = EpisodeStatus.uploaded
    assert media.package_episode(rt, eps[0]) is EpisodeStatus.ready
    new_prefix = _prefix(rt, eps[0])
    assert new_prefix != old_prefix
    assert list(rt.store.list_prefix(old_prefix)) == []
    grant = client.post(f"/api/v1/episodes/{eps[0]}/playback", headers=me).json()
    after = grant["manifest_url"]
    assert after != before and new_prefix in after
    (subs,) = _subtitle_media(client.get(after).text)
    sub_url = urljoin(after, subs.uri)
    segment = m3u8.loads(client.get(sub_url).text).segments[0].uri
    assert "Where were you" in client.get(urljoin(sub_url, segment)).text
    assert client.get(grant["subtitles"][0]["url"]).status_code == 200


def test_delete_and_another_organisation(world):
    rt, client, key, other_key, _sid, eps = world
    them = org_headers(other_key)
    r = client.post(f"/api/v1/studio/episodes/{eps[0]}/subtitles", headers=them,
                    data={"lang": "en"}, files={"file": ("a.vtt", VTT, "text/vtt")})
    assert r.status_code == 404
    listed = client.get(f"/api/v1/studio/episodes/{eps[0]}/subtitles", headers=them)
    assert listed.status_code == 404
    assert _subs_files(rt, eps[0]) == []
    assert _upload(client, key, eps[0], "en", VTT).status_code == 201
    assert client.delete(f"/api/v1/studio/episodes/{eps[0]}/subtitles/en",
                         headers=them).status_code == 404
    assert client.get(f"/api/v1/studio/episodes/{eps[0]}/subtitles/en.vtt",
                      headers=them).status_code == 404
    assert _subs_files(rt, eps[0]) != []
    assert client.delete(f"/api/v1/studio/episodes/{eps[0]}/subtitles/en",
                         headers=org_headers(key)).status_code == 204
    assert client.delete(f"/api/v1/studio/episodes/{eps[0]}/subtitles/en",
                         headers=org_headers(key)).status_code == 404
    assert _subs_files(rt, eps[0]) == []
    me = new_viewer(client)
    grant = client.post(f"/api/v1/episodes/{eps[0]}/playback", headers=me).json()
    assert grant["manifest_url"].endswith("/master.m3u8") and grant["subtitles"] == []
    assert _subtitle_media(client.get(grant["manifest_url"]).text) == []


def test_playback_answers_carry_the_playlists_the_player_would_fetch(world):
    """`playlists` in a playback answer: the master at `manifest_url` and every variant it
    lists, each exactly the text its URL answers (free, encrypted, with subtitles)."""
    _rt, client, key, _other, _sid, eps = world
    assert _upload(client, key, eps[0], "en", VTT).status_code == 201
    me = new_viewer(client)
    r = client.post("/api/v1/unlocks", headers=me, json={
        "episode_id": eps[1], "method": "coins", "idempotency_key": "unlock-inline-0001"})
    assert r.status_code == 201, r.text
    for episode_id in eps:
        grant = client.post(f"/api/v1/episodes/{episode_id}/playback", headers=me,
                            params={"lang": "en"}).json()
        inline = grant["playlists"]
        master_text = client.get(grant["manifest_url"]).text
        assert inline[grant["manifest_url"]] == master_text
        variants = [urljoin(grant["manifest_url"], p.uri)
                    for p in m3u8.loads(master_text).playlists]
        assert variants  # the test masters are small: one rung or more
        assert set(inline) == {grant["manifest_url"], *variants}
        for url in variants:
            assert inline[url] == client.get(url).text
            assert "#EXTINF" in inline[url]
        if episode_id == eps[1]:  # encrypted: per-viewer URLs with the token, key URI included
            assert all("token=" in url for url in variants)
            assert all("/api/v1/keys/" in inline[url] for url in variants)
    # A locked episode answers 402 with no playlists at all.
    stranger = new_viewer(client)
    locked = client.post(f"/api/v1/episodes/{eps[1]}/playback", headers=stranger)
    assert locked.status_code == 402 and "playlists" not in locked.json()
