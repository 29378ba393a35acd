"""`POST /api/v1/watch`: a deep link's first call gives what the three calls it replaces give
(viewer, series, playback or its 402), on each database, and writes nothing for a bad link."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.helpers import make_master, make_org, new_viewer, publish_series

from cliffhanger.accounts.models import Viewer
from cliffhanger.app import create_app


@pytest.fixture
def world(make_runtime, tmp_path_factory):
    """Two packaged episodes: 1 free, 2 locked (60 coins); new viewers get 100 coins."""
    rt = make_runtime(welcome_coins=100)
    _org, key = make_org(rt)
    master = make_master(tmp_path_factory.getbasetemp() / "masters")
    sid, eps = publish_series(rt, key, master, episodes=2, free_episodes=1, price_coins=60)
    with TestClient(create_app(runtime=rt, embedded_workers=False)) as client:
        yield rt, client, sid, eps


def _viewers(rt) -> int:
    with rt.db.session() as session:
        return int(session.scalar(select(func.count(Viewer.id))) or 0)


def _comparable(playback: dict) -> dict:
    # Tokens (and the URLs carrying them) differ per grant; everything else must match.
    return {k: v for k, v in playback.items()
            if k not in ("manifest_url", "expires_at", "playlists")}


def test_a_new_viewer_gets_its_token_the_series_and_the_playback(world):
    rt, client, sid, eps = world
    before = _viewers(rt)
    r = client.post("/api/v1/watch?lang=en", json={"series_id": sid, "episode_number": 1})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert _viewers(rt) == before + 1
    token = answer["viewer"]["token"]
    me = {"Authorization": f"Bearer {token}"}
    assert answer["episode_id"] == eps[0] and answer["locked"] is None
    # The same as the separate endpoints answer this viewer.
    assert answer["series"] == client.get(f"/api/v1/series/{sid}?lang=en", headers=me).json()
    own = client.post(f"/api/v1/episodes/{eps[0]}/playback?lang=en", headers=me).json()
    assert _comparable(answer["playback"]) == _comparable(own)
    assert answer["playback"]["playlists"][answer["playback"]["manifest_url"]].startswith(
        "#EXTM3U")
    # The welcome coins came with the viewer, as with POST /viewers.
    assert client.get("/api/v1/wallet", headers=me).json()["balance_coins"] == 100


def test_a_locked_episode_answers_its_402_problem(world):
    rt, client, sid, eps = world
    me = new_viewer(client)
    before = _viewers(rt)
    r = client.post("/api/v1/watch", headers=me, json={"series_id": sid, "episode_number": 2})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["viewer"] is None and _viewers(rt) == before  # an existing viewer
    assert answer["episode_id"] == eps[1] and answer["playback"] is None
    direct = client.post(f"/api/v1/episodes/{eps[1]}/playback", headers=me)
    assert direct.status_code == 402
    assert answer["locked"] == direct.json()
    assert answer["locked"]["code"] == "payment_required" and answer["locked"]["status"] == 402
    assert answer["locked"]["unlock_options"] == [{"method": "coins", "price_coins": 60}]


def test_an_unknown_episode_number_starts_the_first_episode(world):
    _rt, client, sid, eps = world
    answer = client.post("/api/v1/watch", headers=new_viewer(client),
                         json={"series_id": sid, "episode_number": 9}).json()
    assert answer["episode_id"] == eps[0] and answer["playback"] is not None


def test_bad_links_and_tokens_write_nothing(world):
    rt, client, sid, _eps = world
    before = _viewers(rt)
    missing = client.post("/api/v1/watch", json={"series_id": "nope", "episode_number": 1})
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    bad = client.post("/api/v1/watch", json={"series_id": sid, "episode_number": 0})
    assert bad.status_code == 422
    forged = client.post("/api/v1/watch", headers={"Authorization": "Bearer forged"},
                         json={"series_id": sid, "episode_number": 1})
    assert forged.status_code == 401
    assert _viewers(rt) == before
