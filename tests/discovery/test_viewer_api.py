"""Viewer API v1: catalogue, playback grants, unlocks and the key server, on each database."""

from __future__ import annotations

import subprocess
import time
import uuid

import m3u8
import pytest
from fastapi.testclient import TestClient
from tests.helpers import LiveServer, make_master, make_org, new_viewer, publish_series

from cliffhanger.app import create_app
from cliffhanger.kit.security import sign
from cliffhanger.media.ffmpeg import ffmpeg_exe


@pytest.fixture
def world(make_runtime, tmp_path_factory):
    """A runtime with 100 welcome coins, one org and a 4-episode series (2 free, 60 coins each)."""
    rt = make_runtime(welcome_coins=100)
    _org_id, key = make_org(rt)
    master = make_master(tmp_path_factory.getbasetemp() / "masters")
    series_id, episode_ids = publish_series(
        rt, key, master, episodes=4, free_episodes=2, price_coins=60
    )
    app = create_app(runtime=rt, embedded_workers=False)
    with TestClient(app) as client:
        yield rt, client, series_id, episode_ids


def test_healthz_and_openapi(world):
    _rt, client, *_ = world
    assert client.get("/healthz").json()["status"] == "ok"
    paths = client.get("/openapi.json").json()["paths"]
    for p in (
        "/api/v1/viewers",
        "/api/v1/series",
        "/api/v1/series/{series_id}",
        "/api/v1/episodes/{episode_id}/playback",
        "/api/v1/wallet",
        "/api/v1/unlocks",
        "/api/v1/studio/series",
        "/api/v1/studio/series/{series_id}/episodes",
    ):
        assert p in paths


def test_viewer_needs_a_valid_token(world):
    _rt, client, _series_id, _ = world
    assert client.get("/api/v1/series").status_code == 401
    r = client.get("/api/v1/series", headers={"Authorization": "Bearer nope.nope"})
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")


def test_series_listing_and_cost_to_finish(world):
    _rt, client, series_id, _episode_ids = world
    h = new_viewer(client)
    items = client.get("/api/v1/series", headers=h).json()["items"]
    assert [i["id"] for i in items] == [series_id]
    assert items[0]["episode_count"] == 4
    detail = client.get(f"/api/v1/series/{series_id}", headers=h).json()
    eps = detail["episodes"]
    assert [e["number"] for e in eps] == [1, 2, 3, 4]
    assert [e["free"] for e in eps] == [True, True, False, False]
    assert [e["unlocked"] for e in eps] == [True, True, False, False]
    assert [e["price_coins"] for e in eps] == [0, 0, 60, 60]
    assert detail["cost_to_finish_coins"] == 120
    assert all(10 <= e["duration_s"] <= 11 for e in eps)
    assert client.get(f"/api/v1/series/{uuid.uuid4().hex}", headers=h).status_code == 404


def test_wallet_starts_with_welcome_coins(world):
    _rt, client, *_ = world
    h = new_viewer(client)
    assert client.get("/api/v1/wallet", headers=h).json() == {
        "balance_coins": 100,
        "paid_coins": 0,
        "bonus_coins": 100,
    }


def test_free_episode_plays_and_locked_one_answers_402(world):
    _rt, client, _series_id, ids = world
    h = new_viewer(client)
    r = client.post(f"/api/v1/episodes/{ids[0]}/playback", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["manifest_url"].endswith("master.m3u8")
    master = client.get(body["manifest_url"])
    assert master.status_code == 200
    playlist = m3u8.loads(master.text)
    assert playlist.is_variant and playlist.playlists
    locked = client.post(f"/api/v1/episodes/{ids[2]}/playback", headers=h)
    assert locked.status_code == 402
    problem = locked.json()
    assert problem["code"] == "payment_required"
    assert problem["unlock_options"] == [{"method": "coins", "price_coins": 60}]
    assert problem["balance_coins"] == 100
    assert problem["cost_to_finish_coins"] == 120


def test_unlock_is_idempotent_and_never_charges_twice(world):
    rt, client, series_id, ids = world
    h = new_viewer(client)
    key = "unlock-" + uuid.uuid4().hex
    first = client.post(
        "/api/v1/unlocks",
        headers=h,
        json={"episode_id": ids[2], "method": "coins", "idempotency_key": key},
    )
    assert first.status_code == 201, first.text
    assert first.json()["balance_coins"] == 40
    again = client.post(
        "/api/v1/unlocks",
        headers=h,
        json={"episode_id": ids[2], "method": "coins", "idempotency_key": key},
    )
    assert again.status_code == 200
    assert again.json()["balance_coins"] == 40
    other_key = client.post(
        "/api/v1/unlocks",
        headers=h,
        json={
            "episode_id": ids[2],
            "method": "coins",
            "idempotency_key": "unlock-" + uuid.uuid4().hex,
        },
    )
    assert other_key.status_code == 200 and other_key.json()["already_unlocked"] is True
    assert client.get("/api/v1/wallet", headers=h).json()["balance_coins"] == 40
    reused = client.post(
        "/api/v1/unlocks",
        headers=h,
        json={"episode_id": ids[3], "method": "coins", "idempotency_key": key},
    )
    assert reused.status_code == 409
    short = client.post(
        "/api/v1/unlocks",
        headers=h,
        json={
            "episode_id": ids[3],
            "method": "coins",
            "idempotency_key": "unlock-" + uuid.uuid4().hex,
        },
    )
    assert short.status_code == 402
    assert short.json()["code"] == "insufficient_coins"
    assert short.json()["balance_coins"] == 40 and short.json()["price_coins"] == 60
    detail = client.get(f"/api/v1/series/{series_id}", headers=h).json()
    assert [e["unlocked"] for e in detail["episodes"]] == [True, True, True, False]
    assert detail["cost_to_finish_coins"] == 60
    assert client.post(f"/api/v1/episodes/{ids[2]}/playback", headers=h).status_code == 200

    from cliffhanger.finance.verify import verify_ledger

    with rt.db.session() as session:
        assert verify_ledger(session) == []


def test_unlock_rejects_bad_input(world):
    _rt, client, _series, ids = world
    h = new_viewer(client)
    bad = [
        {"episode_id": ids[2], "method": "coins", "idempotency_key": "short"},
        {"episode_id": ids[2], "method": "cash", "idempotency_key": "k" * 20},
        {"episode_id": ids[2], "method": "coins"},
        {"episode_id": ids[2], "method": "coins", "idempotency_key": "spaces are bad!!"},
    ]
    for body in bad:
        r = client.post("/api/v1/unlocks", headers=h, json=body)
        assert r.status_code == 422, (body, r.text)
    free = client.post(
        "/api/v1/unlocks",
        headers=h,
        json={"episode_id": ids[0], "method": "coins", "idempotency_key": "k" * 20},
    )
    assert free.status_code == 422 and free.json()["code"] == "episode_free"
    missing = client.post(
        "/api/v1/unlocks",
        headers=h,
        json={"episode_id": "x" * 32, "method": "coins", "idempotency_key": "k" * 20},
    )
    assert missing.status_code == 404
    assert client.get("/api/v1/wallet", headers=h).json()["balance_coins"] == 100


def _key_uri(client: TestClient, manifest_url: str) -> str:
    master = m3u8.loads(client.get(manifest_url).text)
    variant = client.get(master.playlists[0].uri)
    assert variant.status_code == 200
    assert variant.headers["cache-control"] == "no-store"
    playlist = m3u8.loads(variant.text)
    assert playlist.keys and playlist.keys[0].method == "AES-128"
    assert all(seg.uri.startswith("/media/hls/") for seg in playlist.segments)
    return playlist.keys[0].uri


def test_key_server_checks_token_and_entitlement(world):
    rt, client, _series, ids = world
    owner = new_viewer(client)
    client.post(
        "/api/v1/unlocks",
        headers=owner,
        json={"episode_id": ids[2], "method": "coins", "idempotency_key": "k" * 20},
    )
    grant = client.post(f"/api/v1/episodes/{ids[2]}/playback", headers=owner).json()
    key_uri = _key_uri(client, grant["manifest_url"])
    ok = client.get(key_uri)
    assert ok.status_code == 200
    assert len(ok.content) == 16
    assert ok.headers["cache-control"] == "no-store"

    base = key_uri.split("?")[0]
    token = key_uri.split("token=")[1]
    assert client.get(base).status_code == 401  # missing
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert client.get(f"{base}?token={tampered}").status_code == 401  # tampered
    from sqlalchemy import select

    from cliffhanger.accounts.models import Viewer

    with rt.db.session() as session:
        owner_id = [v.id for v in session.scalars(select(Viewer))][-1]
    expired = sign(
        rt.settings.signing_key,
        "playback",
        {"v": owner_id, "e": ids[2], "exp": int(time.time()) - 1},
    )
    assert client.get(f"{base}?token={expired}").status_code == 401  # expired
    other_episode = sign(
        rt.settings.signing_key, "playback", {"v": owner_id, "e": ids[3]}, ttl_s=60
    )
    assert client.get(f"{base}?token={other_episode}").status_code == 401  # wrong episode
    viewer_token = sign(rt.settings.signing_key, "viewer", {"v": owner_id})
    assert client.get(f"{base}?token={viewer_token}").status_code == 401  # wrong purpose

    # A viewer without the entitlement, holding a forged-by-us valid token, is still refused.
    stranger = new_viewer(client)
    stranger_id = client.post("/api/v1/viewers").json()["viewer_id"]
    del stranger
    token = sign(rt.settings.signing_key, "playback", {"v": stranger_id, "e": ids[2]}, ttl_s=60)
    r = client.get(f"{base}?token={token}")
    assert r.status_code == 403 and r.headers["cache-control"] == "no-store"


def test_encrypted_episode_decodes_through_the_api_only_when_entitled(world, tmp_path):
    _rt, client, _series, ids = world
    app = client.app
    with LiveServer(app) as live:
        import httpx

        h = {"Authorization": "Bearer " + httpx.post(f"{live.url}/api/v1/viewers").json()["token"]}
        r = httpx.post(
            f"{live.url}/api/v1/unlocks",
            headers=h,
            json={"episode_id": ids[3], "method": "coins", "idempotency_key": "z" * 20},
        )
        assert r.status_code == 201
        grant = httpx.post(f"{live.url}/api/v1/episodes/{ids[3]}/playback", headers=h).json()
        url = live.url + grant["manifest_url"]
        ok = subprocess.run(
            [
                ffmpeg_exe(),
                "-v",
                "error",
                "-allowed_extensions",
                "ALL",
                "-i",
                url,
                "-f",
                "null",
                "-",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert ok.returncode == 0, ok.stderr
        # A raw segment fetched without the key is not decodable video.
        first_variant = m3u8.loads(httpx.get(url).text).playlists[0].uri
        variant = m3u8.loads(httpx.get(live.url + first_variant).text)
        seg = httpx.get(live.url + variant.segments[0].uri)
        assert seg.status_code == 200 and "immutable" in seg.headers["cache-control"]
        raw = tmp_path / "seg.ts"
        raw.write_bytes(seg.content)
        bad = subprocess.run(
            [ffmpeg_exe(), "-v", "error", "-i", str(raw), "-f", "null", "-"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert bad.returncode != 0 or bad.stderr.strip(), (
            "an encrypted segment decoded without its key"
        )
