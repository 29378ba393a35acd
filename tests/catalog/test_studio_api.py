"""Studio API: organisations own series; uploads are validated, stored once, then packaged."""

from __future__ import annotations

import uuid
from pathlib import Path

import m3u8
import pytest
from fastapi.testclient import TestClient
from tests.helpers import make_master, make_org, new_viewer, org_headers, wait_for_status

from cliffhanger.app import create_app
from cliffhanger.catalog.models import EpisodeStatus
from cliffhanger.media.commands import build_synthetic_master_command
from cliffhanger.media.runner import run_ffmpeg


@pytest.fixture
def studio(rt):
    app = create_app(runtime=rt, embedded_workers=True)
    with TestClient(app) as client:
        _a, key_a = make_org(rt, "Alpha")
        _b, key_b = make_org(rt, "Beta")
        yield rt, client, org_headers(key_a), org_headers(key_b)


def _series(client: TestClient, headers: dict[str, str], **body: object) -> str:
    r = client.post(
        "/api/v1/studio/series",
        headers=headers,
        json={"title": "Heiress Undercover", "free_episodes": 1, "price_coins": 90, **body},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _upload(
    client: TestClient,
    headers,
    series_id: str,
    path: Path,
    number: int = 1,
    title: str = "Pilot",
    filename: str = "master.mp4",
):
    with path.open("rb") as f:
        return client.post(
            f"/api/v1/studio/series/{series_id}/episodes",
            headers=headers,
            data={"number": str(number), "title": title},
            files={"file": (filename, f, "video/mp4")},
        )


def _stored_files(rt) -> list[Path]:
    root = rt.settings.media_dir
    return sorted(p for p in root.rglob("*") if p.is_file())


def _scratch_files(rt) -> list[Path]:
    return sorted(p for p in rt.settings.work_dir.rglob("*") if p.is_file())


def test_studio_requires_a_valid_api_key(studio):
    _rt, client, *_ = studio
    assert client.post("/api/v1/studio/series", json={"title": "x"}).status_code == 401
    bad = {"Authorization": "Bearer chk_abcdef123456_notthesecret"}
    assert client.post("/api/v1/studio/series", headers=bad, json={"title": "x"}).status_code == 401
    assert client.get("/api/v1/studio/series", headers={"X-Api-Key": "garbage"}).status_code == 401


def test_one_organisation_never_sees_or_changes_anothers_series(studio, tmp_path_factory):
    rt, client, alpha, beta = studio
    sid = _series(client, alpha)
    assert client.get(f"/api/v1/studio/series/{sid}", headers=alpha).status_code == 200
    assert client.get(f"/api/v1/studio/series/{sid}", headers=beta).status_code == 404
    assert [s["id"] for s in client.get("/api/v1/studio/series", headers=beta).json()] == []
    master = make_master(tmp_path_factory.getbasetemp() / "masters")
    r = _upload(client, beta, sid, master)
    assert r.status_code == 404
    assert _stored_files(rt) == [] and _scratch_files(rt) == []
    ok = _upload(client, alpha, sid, master)
    assert ok.status_code == 202, ok.text
    ep_id = ok.json()["id"]
    assert client.get(f"/api/v1/studio/episodes/{ep_id}", headers=beta).status_code == 404
    assert client.post(f"/api/v1/studio/episodes/{ep_id}/retry", headers=beta).status_code == 404
    wait_for_status(rt, ep_id, {EpisodeStatus.ready})


def test_upload_is_packaged_by_the_queue_and_becomes_watchable(studio, tmp_path_factory):
    rt, client, alpha, _beta = studio
    sid = _series(client, alpha)
    master = make_master(tmp_path_factory.getbasetemp() / "masters")
    r = _upload(client, alpha, sid, master, number=1)
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "uploaded"
    r2 = _upload(client, alpha, sid, master, number=2, title="The Ring")
    assert r2.status_code == 202
    for ep in (r.json(), r2.json()):
        done = wait_for_status(rt, ep["id"], {EpisodeStatus.ready, EpisodeStatus.failed})
        assert done.status is EpisodeStatus.ready, done.error
    studio_view = client.get(f"/api/v1/studio/series/{sid}", headers=alpha).json()
    assert [e["status"] for e in studio_view["episodes"]] == ["ready", "ready"]
    assert [e["encrypted"] for e in studio_view["episodes"]] == [False, True]
    assert studio_view["episodes"][0]["renditions"] == ["360p"]
    # Content-addressed: the same master uploaded twice is stored once.
    assert len(list((rt.settings.media_dir / "masters").rglob("*.mp4"))) == 1
    viewer = new_viewer(client)
    grant = client.post(f"/api/v1/episodes/{r.json()['id']}/playback", headers=viewer).json()
    master_pl = m3u8.loads(client.get(grant["manifest_url"]).text)
    assert master_pl.playlists[0].stream_info.resolution == (360, 640)
    assert _scratch_files(rt) == []


def test_duplicate_episode_number_is_refused_and_leaves_nothing(studio, tmp_path_factory):
    rt, client, alpha, _ = studio
    sid = _series(client, alpha)
    master = make_master(tmp_path_factory.getbasetemp() / "masters")
    first = _upload(client, alpha, sid, master, number=3)
    assert first.status_code == 202
    other = make_master(tmp_path_factory.getbasetemp() / "masters", seconds=11.0)
    before = _stored_files(rt)
    dup = _upload(client, alpha, sid, other, number=3)
    assert dup.status_code == 409 and dup.json()["code"] == "episode_exists"
    wait_for_status(rt, first.json()["id"], {EpisodeStatus.ready})
    masters = list((rt.settings.media_dir / "masters").rglob("*.mp4"))
    assert len(masters) == 1, "the refused upload's master was kept"
    assert len(before) >= 1


def _ffmpeg_clip(path: Path, args: list[str]) -> Path:
    from cliffhanger.media.ffmpeg import ffmpeg_exe

    run_ffmpeg([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args, str(path)])
    return path


@pytest.fixture(scope="module")
def bad_masters(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bad")
    text = d / "notes.mp4"
    text.write_text("this is not a video\n" * 100)
    audio = _ffmpeg_clip(
        d / "audio.mp4", ["-f", "lavfi", "-i", "sine=frequency=440:duration=12", "-c:a", "aac"]
    )
    square = d / "square.mp4"
    run_ffmpeg(
        build_synthetic_master_command(
            square, title="sq", duration_s=11, width=480, height=480, tone_hz=440
        )
    )
    short = d / "short.mp4"
    run_ffmpeg(
        build_synthetic_master_command(
            short, title="short", duration_s=5, width=360, height=640, tone_hz=440
        )
    )
    good = make_master(tmp_path_factory.getbasetemp() / "masters")
    corrupt = d / "corrupt.mp4"
    data = bytearray(good.read_bytes())
    # Scramble the middle of the media data; headers (moov at the front: faststart) stay intact.
    start, end = len(data) // 3, 2 * len(data) // 3
    data[start:end] = bytes((b * 7 + 13) % 256 for b in data[start:end])
    corrupt.write_bytes(bytes(data))
    return {
        "not_media": text,
        "no_video": audio,
        "not_portrait_9x16": square,
        "too_short": short,
        "undecodable": corrupt,
    }


@pytest.mark.parametrize(
    "kind", ["not_media", "no_video", "not_portrait_9x16", "too_short", "undecodable"]
)
def test_each_rejected_upload_kind_gets_a_clear_error_and_stores_nothing(studio, bad_masters, kind):
    rt, client, alpha, _ = studio
    sid = _series(client, alpha)
    r = _upload(client, alpha, sid, bad_masters[kind], filename="../../etc/passwd.mp4")
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == kind
    assert len(problem["detail"]) > 20
    assert _stored_files(rt) == []
    assert _scratch_files(rt) == []
    assert client.get(f"/api/v1/studio/series/{sid}", headers=alpha).json()["episodes"] == []


def test_upload_form_errors_and_size_limit(make_runtime, tmp_path_factory):
    rt = make_runtime(max_upload_bytes=200_000)
    _a, key = make_org(rt)
    with TestClient(create_app(runtime=rt, embedded_workers=False)) as client:
        h = org_headers(key)
        sid = _series(client, h)
        master = make_master(tmp_path_factory.getbasetemp() / "masters")
        assert master.stat().st_size > 200_000
        big = _upload(client, h, sid, master)
        assert big.status_code == 413
        no_file = client.post(
            f"/api/v1/studio/series/{sid}/episodes",
            headers=h,
            data={"number": "1", "title": "x"},
            files={"other": ("a", b"abc")},
        )
        assert no_file.status_code == 422
        bad_number = client.post(
            f"/api/v1/studio/series/{sid}/episodes",
            headers=h,
            data={"number": "one", "title": "x"},
            files={"file": ("a.mp4", b"abc")},
        )
        assert bad_number.status_code == 422
        not_multipart = client.post(
            f"/api/v1/studio/series/{sid}/episodes", headers=h, json={"a": 1}
        )
        assert not_multipart.status_code == 422
        assert _stored_files(rt) == [] and _scratch_files(rt) == []


def test_series_input_is_validated(studio):
    _rt, client, alpha, _ = studio
    for body in (
        {"title": ""},
        {"title": "x", "price_coins": -1},
        {"title": "x", "free_episodes": -2},
        {"title": "x" * 300},
    ):
        r = client.post("/api/v1/studio/series", headers=alpha, json=body)
        assert r.status_code == 422, body
    assert client.get("/api/v1/studio/series", headers=alpha).json() == []


def test_failed_packaging_is_kept_with_its_error_and_can_be_retried(
    studio, tmp_path_factory, monkeypatch
):
    rt, client, alpha, _ = studio
    sid = _series(client, alpha)
    master = make_master(tmp_path_factory.getbasetemp() / "masters")
    # Point the pipeline at an ffmpeg that cannot run: a real failure of the external tool.
    monkeypatch.setenv("CLIFFHANGER_FFMPEG", "/bin/false")
    r = _upload(client, alpha, sid, master)
    assert r.status_code == 202, r.text
    failed = wait_for_status(rt, r.json()["id"], {EpisodeStatus.failed, EpisodeStatus.ready})
    assert failed.status is EpisodeStatus.failed and failed.error
    assert not (rt.settings.media_dir / "hls").exists() or not any(
        (rt.settings.media_dir / "hls").rglob("*.ts")
    )
    monkeypatch.delenv("CLIFFHANGER_FFMPEG")
    retry = client.post(f"/api/v1/studio/episodes/{r.json()['id']}/retry", headers=alpha)
    assert retry.status_code == 202
    done = wait_for_status(rt, r.json()["id"], {EpisodeStatus.ready, EpisodeStatus.failed})
    assert done.status is EpisodeStatus.ready and done.attempts == 2
    assert (
        client.post(f"/api/v1/studio/episodes/{r.json()['id']}/retry", headers=alpha).status_code
        == 409
    )
    assert uuid.UUID(hex=r.json()["id"])
