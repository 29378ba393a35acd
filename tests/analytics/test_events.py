"""Watch-event ingestion on each database: a valid batch is stored, a replay stores nothing
new, a bad batch is rejected whole with the index and field named, viewers are separate."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.helpers import make_org, new_viewer, viewer_id
from tests.world import db_series, event

from cliffhanger.analytics import service as analytics
from cliffhanger.analytics.models import WatchEvent
from cliffhanger.app import create_app
from cliffhanger.kit.db import utcnow


@pytest.fixture
def world(rt):
    _org_id, key = make_org(rt)
    sid, eps = db_series(rt, key, episodes=2, duration_s=100.0)
    with TestClient(create_app(runtime=rt, embedded_workers=False)) as client:
        yield rt, client, sid, eps


def _count(rt) -> int:
    with rt.db.session() as session:
        return int(session.scalar(select(func.count(WatchEvent.id))) or 0)


def _batch(eps: list[str], sid: str) -> list[dict]:
    return [
        event("play", eps[0], series_id=sid, position_s=0),
        event("progress", eps[0], quartile=25, position_s=25.0),
        event("progress", eps[0], quartile=50, position_s=50.0),
        event("swipe_away", eps[0], position_s=51.2, props={"direction": "up"}),
        event("unlock_sheet_shown", eps[1], props={"price_coins": 60, "balance": 10}),
        event("product_click", eps[1], position_s=12.0, props={"placement_id": "abc"}),
        event("complete", eps[0], position_s=100.0),
    ]


def test_valid_batch_is_stored_and_a_replay_is_deduplicated(world):
    rt, client, sid, eps = world
    me = new_viewer(client)
    batch = _batch(eps, sid)
    r = client.post("/api/v1/events", headers=me, json={"events": batch})
    assert r.status_code == 200, r.text
    assert r.json() == {"accepted": 7, "duplicates": 0}
    with rt.db.session() as session:
        rows = {row.event_id: row for row in session.scalars(select(WatchEvent))}
    assert len(rows) == 7
    swipe = rows[batch[3]["event_id"]]
    assert swipe.type == "swipe_away" and swipe.series_id == sid and swipe.position_s == 51.2
    assert json.loads(swipe.props or "{}") == {"direction": "up"}
    assert swipe.viewer_id == viewer_id(client, me)
    assert rows[batch[1]["event_id"]].quartile == 25
    # The app retries until acknowledged: a replay stores nothing new.
    again = client.post("/api/v1/events", headers=me, json={"events": batch})
    assert again.status_code == 200 and again.json() == {"accepted": 0, "duplicates": 7}
    partly = client.post("/api/v1/events", headers=me,
                         json={"events": [*batch[:2], event("pause", eps[0], position_s=3)]})
    assert partly.json() == {"accepted": 1, "duplicates": 2}
    twice = event("seek", eps[0], position_s=9)
    assert client.post("/api/v1/events", headers=me, json={"events": [twice, twice]}).json() == {
        "accepted": 1, "duplicates": 1}
    assert _count(rt) == 9
    # Event ids belong to their viewer: another viewer's identical id is a different event.
    other = new_viewer(client)
    assert client.post("/api/v1/events", headers=other, json={"events": batch[:1]}).json() == {
        "accepted": 1, "duplicates": 0}


@pytest.mark.parametrize(("index", "field", "change"), [
    (2, "type", {"type": "teleport"}),
    (1, "episode_id", {"episode_id": "0" * 32}),
    (2, "quartile", {"quartile": 33}),
    (1, "quartile", {"quartile": None}),
    (0, "quartile", {"quartile": 50}),                           # play carries no quartile
    (3, "occurred_at", {"occurred_at": (utcnow() + timedelta(hours=1)).isoformat()}),
    (3, "occurred_at", {"occurred_at": (utcnow() - timedelta(days=60)).isoformat()}),
    (3, "occurred_at", {"occurred_at": "2026-01-01T10:00:00"}),
    (4, "props", {"props": {"blob": "x" * 3000}}),
    (4, "props", {"props": {"nested": {"a": 1}}}),
    (5, "position_s", {"position_s": 500.0}),
    (0, "series_id", {"series_id": "1" * 32}),
    (6, "event_id", {"event_id": "short"}),
])
def test_a_bad_event_rejects_the_whole_batch(world, index, field, change):
    rt, client, sid, eps = world
    me = new_viewer(client)
    batch = _batch(eps, sid)
    batch[index] = {**batch[index], **change}
    r = client.post("/api/v1/events", headers=me, json={"events": batch})
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "invalid_event"
    assert problem["index"] == index and problem["field"] == field
    assert problem["detail"].startswith(f"events[{index}].{field}:")
    assert problem["errors"][0]["loc"] == ["body", "events", index, field]
    assert _count(rt) == 0


def test_batch_shape_errors(world):
    rt, client, _sid, eps = world
    me = new_viewer(client)
    too_many = [event("play", eps[0]) for _ in range(analytics.MAX_BATCH + 1)]
    r = client.post("/api/v1/events", headers=me, json={"events": too_many})
    assert r.status_code == 422 and r.json()["code"] == "batch_too_large"
    assert client.post("/api/v1/events", headers=me, json={"events": []}).status_code == 422
    bad_type = [event("play", eps[0]), {**event("play", eps[0]), "position_s": "soon"}]
    r = client.post("/api/v1/events", headers=me, json={"events": bad_type})
    assert r.status_code == 422 and "events.1.position_s" in r.json()["detail"]
    missing = [{"event_id": str(uuid.uuid4()), "type": "play"}]
    assert client.post("/api/v1/events", headers=me, json={"events": missing}).status_code == 422
    anonymous = client.post("/api/v1/events", json={"events": [event("play", eps[0])]})
    assert anonymous.status_code == 401
    assert _count(rt) == 0


def test_an_oversized_body_is_refused_before_it_is_parsed(world):
    rt, client, _sid, eps = world
    me = new_viewer(client)
    limit = rt.settings.max_body_bytes
    # A full batch of legitimate events with 2 KB props each fits under the limit.
    full = [event("play", eps[0], props={"note": "x" * 1900})
            for _ in range(analytics.MAX_BATCH)]
    body = json.dumps({"events": full}).encode()
    assert len(body) < limit
    assert client.post("/api/v1/events", headers=me, json={"events": full}).status_code == 200
    stored = _count(rt)
    # Declared too large: refused on the header, as a problem document.
    padding = " " * (limit + 1)
    big = json.dumps({"events": [event("play", eps[0])]}).encode() + padding.encode()
    r = client.post("/api/v1/events", headers={**me, "Content-Type": "application/json"},
                    content=big)
    assert r.status_code == 413, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "too_large" and str(limit) in r.json()["detail"]
    # Streamed without a length (chunked): refused once the count passes the limit.
    def chunks():
        yield json.dumps({"events": [event("play", eps[0])]}).encode()
        for _ in range(limit // 65536 + 2):
            yield b" " * 65536

    r = client.post("/api/v1/events", headers={**me, "Content-Type": "application/json"},
                    content=chunks())
    assert r.status_code == 413 and r.json()["code"] == "too_large"
    assert _count(rt) == stored


def test_concurrent_replays_store_each_event_once(world):
    rt, client, sid, eps = world
    me = new_viewer(client)
    batch = _batch(eps, sid)
    results: list[dict] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            r = client.post("/api/v1/events", headers=me, json={"events": batch})
            assert r.status_code == 200, r.text
            results.append(r.json())
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sum(r["accepted"] for r in results) == 7
    assert _count(rt) == 7


def test_aggregates_from_events(world):
    rt, client, sid, eps = world
    a, b = new_viewer(client), new_viewer(client)
    for h in (a, b):
        r = client.post("/api/v1/events", headers=h, json={"events": [
            event("play", eps[0]), event("play", eps[0]),  # two plays, one viewer-episode pair
            event("complete", eps[0], position_s=100.0)]})
        assert r.status_code == 200
    r = client.post("/api/v1/events", headers=a, json={"events": [event("play", eps[1])]})
    assert r.status_code == 200
    with rt.db.session() as session:
        counts = analytics.series_counts(session)[sid]
        per_episode = analytics.episode_completion(session, sid)
        affinity = analytics.genre_affinity(session, viewer_id(client, a))
    assert (counts.plays, counts.completes, counts.started, counts.continued) == (3, 2, 2, 1)
    assert per_episode[eps[0]] == (2, 2) and per_episode[eps[1]] == (1, 0)
    assert affinity == {}                      # the series has no genres
