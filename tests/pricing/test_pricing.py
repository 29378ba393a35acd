"""Per-series pricing: price lock, channel discounts, cost to finish, and what the paywall shows."""

from __future__ import annotations

import uuid

from tests.helpers import make_org, org_headers
from tests.money import add_series, assert_sound, new_viewer, set_pass, viewer_headers

from cliffhanger.accounts.models import Viewer


def _unlock(client, h, ep):
    return client.post("/api/v1/unlocks", headers=h, json={
        "episode_id": ep, "method": "coins", "idempotency_key": uuid.uuid4().hex})


def _price(client, key, series_id, **body):
    r = client.put(f"/api/v1/studio/series/{series_id}/pricing", headers=org_headers(key),
                   json=body)
    assert r.status_code == 200, r.text
    return r.json()


def test_price_lock_keeps_the_price_a_viewer_started_at(rt, client):
    org_id, key = make_org(rt)
    _org, series_id, eps = add_series(rt, org_id, episodes=6, free=2, price=60)
    early, late = new_viewer(rt, paid=1000), new_viewer(rt, paid=1000)
    he, hl = viewer_headers(rt, early), viewer_headers(rt, late)
    assert client.post(f"/api/v1/episodes/{eps[0]}/playback", headers=he).status_code == 200
    _price(client, key, series_id, price_coins=90)  # the studio raises the price mid-series
    detail = client.get(f"/api/v1/series/{series_id}", headers=he).json()
    assert [e["price_coins"] for e in detail["episodes"]] == [0, 0, 60, 60, 60, 60]
    assert detail["cost_to_finish_coins"] == 240
    assert _unlock(client, he, eps[2]).json()["charged_coins"] == 60
    late_detail = client.get(f"/api/v1/series/{series_id}", headers=hl).json()
    assert late_detail["cost_to_finish_coins"] == 360
    assert _unlock(client, hl, eps[2]).json()["charged_coins"] == 90
    _price(client, key, series_id, price_coins=40)  # a drop reaches everyone
    assert _unlock(client, he, eps[3]).json()["charged_coins"] == 40
    assert _unlock(client, hl, eps[3]).json()["charged_coins"] == 40
    _other, other_key = make_org(rt, "Other")
    r = client.put(f"/api/v1/studio/series/{series_id}/pricing", headers=org_headers(other_key),
                   json={"price_coins": 1})
    assert r.status_code == 404
    assert_sound(rt)


def test_price_lock_is_kept_when_the_first_request_is_a_locked_episode(rt, client):
    """A viewer whose first contact is the paywall has seen the price: it is locked too."""
    org_id, key = make_org(rt)
    _org, series_id, eps = add_series(rt, org_id, episodes=4, free=1, price=60)
    viewer = new_viewer(rt, paid=1000)
    h = viewer_headers(rt, viewer)
    locked = client.post(f"/api/v1/episodes/{eps[2]}/playback", headers=h)
    assert locked.status_code == 402
    assert locked.json()["paywall"]["price_coins"] == 60
    _price(client, key, series_id, price_coins=90)
    assert _unlock(client, h, eps[2]).json()["charged_coins"] == 60
    assert_sound(rt)


def test_tiktok_minis_channel_discount(rt, client):
    org_id, key = make_org(rt)
    _org, series_id, eps = add_series(rt, org_id, episodes=4, free=1, price=60)
    body = _price(client, key, series_id, channel_discounts_bps={"tiktok_minis": 1000})
    assert body["channel_discounts_bps"] == {"tiktok_minis": 1000}
    bad = client.put(f"/api/v1/studio/series/{series_id}/pricing", headers=org_headers(key),
                     json={"channel_discounts_bps": {"tiktok_minis": 9500}})
    assert bad.status_code == 422
    web, minis = new_viewer(rt, paid=500), new_viewer(rt, paid=500)
    with rt.db.session() as session:
        session.get(Viewer, minis).tiktok_open_id = "oid-" + uuid.uuid4().hex
    hw, hm = viewer_headers(rt, web), viewer_headers(rt, minis)
    minis_detail = client.get(f"/api/v1/series/{series_id}", headers=hm).json()
    assert minis_detail["cost_to_finish_coins"] == 3 * 54
    assert _unlock(client, hm, eps[1]).json()["charged_coins"] == 54
    assert _unlock(client, hw, eps[1]).json()["charged_coins"] == 60
    assert_sound(rt)


def test_paywall_shows_the_cost_to_finish_and_every_way_in(rt, client):
    _org, series_id, eps = add_series(rt, episodes=6, free=2, price=60)
    set_pass(rt, series_id, 1299)
    viewer = new_viewer(rt, paid=100)
    h = viewer_headers(rt, viewer)
    assert _unlock(client, h, eps[2]).status_code == 201
    r = client.post(f"/api/v1/episodes/{eps[3]}/playback", headers=h)
    assert r.status_code == 402
    problem = r.json()
    assert problem["unlock_options"] == [{"method": "coins", "price_coins": 60}]
    wall = problem["paywall"]
    assert (wall["price_coins"], wall["balance_coins"], wall["short_by_coins"]) == (60, 40, 20)
    assert (wall["cost_to_finish_coins"], wall["locked_episodes"]) == (180, 3)
    assert wall["price_locked"] is True and wall["ad"]["available"] is True
    assert wall["series_pass"]["id"] == f"pass-{series_id}"
    assert wall["series_pass"]["price_minor"] == 1299
    assert {s["id"] for s in wall["subscriptions"]} == {"vip-weekly", "vip-monthly"}
    assert {p["id"] for p in wall["coin_packs"]} == {"coins-100", "coins-500", "coins-1000"}
    short = _unlock(client, h, eps[3])
    assert short.status_code == 402
    assert (short.json()["cost_to_finish_coins"], short.json()["balance_coins"]) == (180, 40)
