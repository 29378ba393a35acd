"""Discovery on each database: the For You ranking signals, Continue Watching, rankings, genres,
search and new releases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from tests.helpers import make_org, new_viewer, org_headers
from tests.world import db_series, event, feed_ids, post_events

from cliffhanger.app import create_app
from cliffhanger.discovery import feeds as discovery
from cliffhanger.kit.db import utcnow


@pytest.fixture
def world(rt):
    _org_id, key = make_org(rt)
    with TestClient(create_app(runtime=rt, embedded_workers=False)) as client:
        yield rt, client, key


def _days_ago(days: float):
    return utcnow() - timedelta(days=days)


def _order(ids: list[str], a: str, b: str) -> bool:
    """True when a ranks above b."""
    return ids.index(a) < ids.index(b)


def test_completion_rate_moves_the_ranking(world):
    rt, client, key = world
    a, a_eps = db_series(rt, key, published_at=_days_ago(2))
    b, b_eps = db_series(rt, key, published_at=_days_ago(1))
    me = new_viewer(client)
    assert _order(feed_ids(client, me), b, a)  # newer first while nothing is known
    for _ in range(5):
        h = new_viewer(client)
        post_events(client, h, [event("play", a_eps[0]), event("play", b_eps[0]),
                                event("complete", a_eps[0], position_s=60.0)])
    assert _order(feed_ids(client, me), a, b)


def test_continuation_rate_moves_the_ranking(world):
    rt, client, key = world
    a, a_eps = db_series(rt, key, published_at=_days_ago(2))
    b, b_eps = db_series(rt, key, published_at=_days_ago(1))
    me = new_viewer(client)
    assert _order(feed_ids(client, me), b, a)
    for _ in range(5):
        # Same number of plays per episode in both series; only A's viewers go on to episode 2.
        binge = new_viewer(client)
        post_events(client, binge, [event("play", a_eps[0]), event("play", a_eps[1])])
        quit_ = new_viewer(client)
        post_events(client, quit_, [event("play", b_eps[0])])
        other = new_viewer(client)
        post_events(client, other, [event("play", b_eps[1])])
    assert _order(feed_ids(client, me), a, b)


def test_recency_moves_the_ranking(world):
    rt, client, key = world
    a, a_eps = db_series(rt, key, published_at=_days_ago(60))
    b, b_eps = db_series(rt, key, published_at=_days_ago(59))
    for _ in range(5):
        post_events(client, new_viewer(client), [event("play", a_eps[0]), event("play", b_eps[0])])
    post_events(client, new_viewer(client), [event("play", a_eps[0]),
                                             event("complete", a_eps[0], position_s=60.0)])
    me = new_viewer(client)
    assert _order(feed_ids(client, me), a, b)   # a slightly better completion, both old
    r = client.patch(f"/api/v1/studio/series/{b}", headers=org_headers(key),
                     json={"published_at": utcnow().isoformat()})
    assert r.status_code == 200, r.text
    assert _order(feed_ids(client, me), b, a)   # a fresh release outweighs it


def test_genre_affinity_moves_the_ranking_for_that_viewer_only(world):
    rt, client, key = world
    romance, _ = db_series(rt, key, genres=["romance"], published_at=_days_ago(2))
    thriller, _ = db_series(rt, key, genres=["thriller"], published_at=_days_ago(1))
    _seen, seen_eps = db_series(rt, key, genres=["romance"], published_at=_days_ago(60))
    fan = new_viewer(client)
    stranger = new_viewer(client)
    assert _order(feed_ids(client, fan), thriller, romance)
    post_events(client, fan, [event("play", seen_eps[0])])
    assert _order(feed_ids(client, fan), romance, thriller)
    assert _order(feed_ids(client, stranger), thriller, romance)


def test_score_formula_weights(world):
    signals = discovery.Signals(completion=1.0, continuation=0.5, recency=0.25, affinity=0.0)
    assert signals.score == pytest.approx(0.30 * 1 + 0.30 * 0.5 + 0.20 * 0.25)
    now = utcnow()
    assert discovery.recency(now - timedelta(days=14), now) == pytest.approx(0.5)


def test_continue_watching_comes_first_and_resumes(world):
    rt, client, key = world
    old, old_eps = db_series(rt, key, published_at=_days_ago(90), free_episodes=3)
    done_ep1, done_eps = db_series(rt, key, published_at=_days_ago(80), free_episodes=3)
    finished, fin_eps = db_series(rt, key, published_at=_days_ago(70), episodes=1, free_episodes=1)
    fresh, _ = db_series(rt, key, published_at=_days_ago(0.1))
    me = new_viewer(client)
    assert client.put(f"/api/v1/progress/{old_eps[1]}", headers=me,
                      json={"position_s": 12.5}).status_code == 200
    assert client.put(f"/api/v1/progress/{done_eps[0]}", headers=me,
                      json={"position_s": 59.5}).status_code == 200   # watched to the end
    assert client.put(f"/api/v1/progress/{fin_eps[0]}", headers=me,
                      json={"position_s": 60.0}).status_code == 200   # the whole series
    page = client.get("/api/v1/feed", headers=me, params={"limit": 50}).json()
    items = page["items"]
    assert [i["kind"] for i in items[:2]] == ["continue", "continue"]
    # Most recently watched first; a finished episode resumes at the next one from the start.
    assert items[0]["series"]["id"] == done_ep1
    assert items[0]["episode"]["id"] == done_eps[1] and items[0]["position_s"] == 0
    assert items[1]["series"]["id"] == old
    assert items[1]["episode"]["id"] == old_eps[1] and items[1]["position_s"] == 12.5
    ids = [i["series"]["id"] for i in items]
    assert ids[2] == fresh                        # then the ranking
    assert ids[-1] == finished                    # a finished series goes last
    assert all(i["kind"] == "for_you" for i in items[2:])
    assert all(i["episode"]["number"] == 1 for i in items[2:])
    cw = client.get("/api/v1/continue-watching", headers=me).json()["items"]
    assert [c["series"]["id"] for c in cw] == [done_ep1, old]
    # Another viewer sees none of it.
    other = new_viewer(client)
    assert client.get("/api/v1/continue-watching", headers=other).json()["items"] == []
    assert all(i["kind"] == "for_you"
               for i in client.get("/api/v1/feed", headers=other).json()["items"])


def test_feed_pages_and_carries_episode_and_poster(world):
    rt, client, key = world
    made = [db_series(rt, key, published_at=_days_ago(i))[0] for i in range(5)]
    me = new_viewer(client)
    first = client.get("/api/v1/feed", headers=me, params={"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"] == "2"
    item = first["items"][0]
    assert item["episode"]["poster_url"].endswith("/poster.jpg")
    assert item["episode"]["free"] is True and item["episode"]["unlocked"] is True
    assert item["score"] is not None
    seen = [i["series"]["id"] for i in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = client.get("/api/v1/feed", headers=me, params={"limit": 2, "cursor": cursor}).json()
        seen += [i["series"]["id"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert sorted(seen) == sorted(made)
    assert client.get("/api/v1/feed", headers=me, params={"cursor": "x"}).status_code == 422
    assert client.get("/api/v1/feed").status_code == 401


def test_rankings_genres_and_new(world):
    rt, client, key = world
    a, a_eps = db_series(rt, key, genres=["romance", "billionaire"], published_at=_days_ago(40))
    b, b_eps = db_series(rt, key, genres=["romance"], published_at=_days_ago(10))
    c, _ = db_series(rt, key, genres=["thriller"], published_at=_days_ago(1))
    for _ in range(3):
        post_events(client, new_viewer(client), [event("play", a_eps[0])])
    post_events(client, new_viewer(client), [event(
        "play", b_eps[0], occurred_at=(utcnow() - timedelta(days=20)).isoformat())])
    me = new_viewer(client)
    popular = client.get("/api/v1/rankings", headers=me, params={"by": "popular"}).json()
    assert [i["series"]["id"] for i in popular["items"]][:2] == [a, b]
    assert popular["items"][0]["rank"] == 1 and popular["items"][0]["value"] == 3
    trending = client.get("/api/v1/rankings", headers=me, params={"by": "trending"}).json()
    # b's only viewer was 20 days ago: outside the trending week, so the newer c beats it.
    assert [i["series"]["id"] for i in trending["items"]] == [a, c, b]
    new = client.get("/api/v1/rankings", headers=me, params={"by": "new"}).json()
    assert [i["series"]["id"] for i in new["items"]] == [c, b, a]
    assert [i["id"] for i in client.get("/api/v1/new", headers=me).json()["items"]] == [c, b, a]
    assert client.get("/api/v1/rankings", headers=me, params={"by": "best"}).status_code == 422

    genres = client.get("/api/v1/genres", headers=me).json()["items"]
    assert genres[0] == {"slug": "romance", "name": "Romance", "series_count": 2}
    assert {g["slug"] for g in genres} == {"romance", "billionaire", "thriller"}
    romance = client.get("/api/v1/genres/romance/series", headers=me,
                         params={"sort": "new"}).json()
    assert romance["genre"]["slug"] == "romance"
    assert [s["id"] for s in romance["items"]] == [b, a]
    assert client.get("/api/v1/genres/nope/series", headers=me).status_code == 404


def test_search_titles_tags_cast_and_localized_titles(world):
    rt, client, key = world
    h = org_headers(key)
    bride, _ = db_series(rt, key, title="The Billionaire's Secret Bride",
                         tags=["CEO", "contract marriage"], genres=["billionaire"])
    cafe, _ = db_series(rt, key, title="Café Confessions", tags=["slice of life"])
    wolf, _ = db_series(rt, key, title="Moonlit Alpha", tags=["werewolf"])
    assert client.put(f"/api/v1/studio/series/{bride}/cast", headers=h, json={"cast": [
        {"name": "Mia Chen", "role": "Lena", "lead": True}, {"name": "Leo Park", "role": "CEO"},
    ]}).status_code == 200
    assert client.put(f"/api/v1/studio/series/{wolf}/localizations/es", headers=h, json={
        "title": "Alfa bajo la luna", "synopsis": "Una loba y su destino."}).status_code == 201
    me = new_viewer(client)

    def found(q: str, **params: object) -> list[tuple[str, list[str]]]:
        r = client.get("/api/v1/search", headers=me, params={"q": q, **params})
        assert r.status_code == 200, r.text
        return [(i["series"]["id"], i["matched"]) for i in r.json()["items"]]

    assert found("billionaire") == [(bride, ["title"])]
    assert found("SECRET bride") == [(bride, ["title"])]          # case-insensitive, every word
    assert found("contract") == [(bride, ["tag"])]
    assert found("mia chen") == [(bride, ["cast"])]
    assert found("cafe") == [(cafe, ["title"])]                    # accent-insensitive
    assert found("CAFÉ") == [(cafe, ["title"])]
    assert found("luna") == [(wolf, ["title"])]                    # a localized title
    assert found("ceo") == [(bride, ["tag"])]                     # cast roles are not searched
    assert found("zebra") == []
    assert found("100%") == []                                     # LIKE wildcards are escaped
    assert found("_") == []
    assert client.get("/api/v1/search", headers=me, params={"q": " "}).status_code == 422
    # The Spanish viewer sees the Spanish title of the localized hit.
    es = client.get("/api/v1/search", headers=me, params={"q": "luna", "lang": "es"}).json()
    assert es["items"][0]["series"]["title"] == "Alfa bajo la luna"
    assert es["items"][0]["series"]["lang"] == "es"


def test_unpublished_series_are_not_discoverable(world):
    _rt, client, key = world
    r = client.post("/api/v1/studio/series", headers=org_headers(key),
                    json={"title": "Hidden Gem"})
    assert r.status_code == 201
    hidden = r.json()["id"]
    me = new_viewer(client)
    assert hidden not in feed_ids(client, me)
    assert client.get("/api/v1/search", headers=me, params={"q": "hidden"}).json()["items"] == []
    assert client.put(f"/api/v1/my-list/{hidden}", headers=me).status_code == 404
