"""The viewer's library on each database: watch progress, history, My List, and that one viewer
never sees or changes another's."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.helpers import make_org, new_viewer
from tests.world import db_series

from cliffhanger.app import create_app


@pytest.fixture
def world(rt):
    _org_id, key = make_org(rt)
    with TestClient(create_app(runtime=rt, embedded_workers=False)) as client:
        yield rt, client, key


def test_progress_is_validated_and_saved(world):
    rt, client, key = world
    _sid, eps = db_series(rt, key, episodes=3, free_episodes=2, duration_s=80.0)
    me = new_viewer(client)
    url = f"/api/v1/progress/{eps[0]}"
    r = client.put(url, headers=me, json={"position_s": 10.25})
    assert r.status_code == 200, r.text
    assert r.json()["position_s"] == 10.25 and r.json()["completed"] is False
    assert client.put(url, headers=me, json={"position_s": 80.2}).json()["position_s"] == 80.0
    assert client.put(url, headers=me, json={"position_s": 80.2}).json()["completed"] is True
    # Completion is sticky across a rewatch; the position follows the player.
    again = client.put(url, headers=me, json={"position_s": 5}).json()
    assert again["completed"] is True and again["position_s"] == 5
    for body in ({"position_s": -1}, {"position_s": 81}, {"position_s": "x"}, {}):
        assert client.put(url, headers=me, json=body).status_code == 422, body
    locked = client.put(f"/api/v1/progress/{eps[2]}", headers=me, json={"position_s": 1})
    assert locked.status_code == 403 and locked.json()["code"] == "not_entitled"
    assert client.put("/api/v1/progress/" + "0" * 32, headers=me,
                      json={"position_s": 1}).status_code == 404
    assert client.put(url, json={"position_s": 1}).status_code == 401


def test_history_and_isolation(world):
    rt, client, key = world
    a, a_eps = db_series(rt, key, title="Alpha")
    b, b_eps = db_series(rt, key, title="Beta")
    me = new_viewer(client)
    other = new_viewer(client)
    for ep, pos in ((a_eps[0], 60.0), (a_eps[1], 20.0), (b_eps[0], 3.0)):
        assert client.put(f"/api/v1/progress/{ep}", headers=me,
                          json={"position_s": pos}).status_code == 200
    items = client.get("/api/v1/history", headers=me).json()["items"]
    assert [(i["series"]["id"], i["episode"]["id"], i["position_s"], i["completed"])
            for i in items] == [
        (b, b_eps[0], 3.0, False), (a, a_eps[1], 20.0, False), (a, a_eps[0], 60.0, True)]
    assert client.get("/api/v1/history", headers=other).json()["items"] == []
    # The other viewer's progress on the same episode is theirs alone.
    assert client.put(f"/api/v1/progress/{b_eps[0]}", headers=other,
                      json={"position_s": 44.0}).status_code == 200
    mine = client.get(f"/api/v1/series/{b}", headers=me).json()
    assert mine["resume"]["position_s"] == 3.0
    assert client.get(f"/api/v1/series/{b}", headers=other).json()["resume"]["position_s"] == 44.0
    grant = client.post(f"/api/v1/episodes/{b_eps[0]}/playback", headers=me)
    assert grant.status_code == 200 and grant.json()["resume_position_s"] == 3.0
    assert client.delete("/api/v1/history", headers=me).status_code == 204
    assert client.get("/api/v1/history", headers=me).json()["items"] == []
    assert len(client.get("/api/v1/history", headers=other).json()["items"]) == 1


def test_my_list(world):
    rt, client, key = world
    a, _ = db_series(rt, key, title="Alpha")
    b, _ = db_series(rt, key, title="Beta")
    me = new_viewer(client)
    other = new_viewer(client)
    assert client.get(f"/api/v1/my-list/{a}", headers=me).json() == {
        "series_id": a, "in_my_list": False, "added_at": None}
    first = client.put(f"/api/v1/my-list/{a}", headers=me)
    assert first.status_code == 201 and first.json()["in_my_list"] is True
    again = client.put(f"/api/v1/my-list/{a}", headers=me)
    assert again.status_code == 200 and again.json()["added_at"] == first.json()["added_at"]
    assert client.put(f"/api/v1/my-list/{b}", headers=me).status_code == 201
    items = client.get("/api/v1/my-list", headers=me).json()["items"]
    assert [i["series"]["id"] for i in items] == [b, a]          # newest first
    assert all(i["series"]["in_my_list"] for i in items)
    assert client.get("/api/v1/my-list", headers=other).json()["items"] == []
    assert client.get(f"/api/v1/my-list/{a}", headers=other).json()["in_my_list"] is False
    # Deleting from another viewer's list is impossible: it only ever touches one's own.
    assert client.delete(f"/api/v1/my-list/{a}", headers=other).status_code == 204
    assert client.get(f"/api/v1/my-list/{a}", headers=me).json()["in_my_list"] is True
    assert client.delete(f"/api/v1/my-list/{a}", headers=me).status_code == 204
    assert client.delete(f"/api/v1/my-list/{a}", headers=me).status_code == 204
    assert [i["series"]["id"] for i in client.get("/api/v1/my-list", headers=me).json()[
        "items"]] == [b]
    assert client.put("/api/v1/my-list/" + "0" * 32, headers=me).status_code == 404
    summary = client.get("/api/v1/series", headers=me).json()["items"]
    assert {s["id"]: s["in_my_list"] for s in summary} == {a: False, b: True}
