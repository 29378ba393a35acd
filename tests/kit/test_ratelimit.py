"""Rate limits: 429 problem JSON with Retry-After, per viewer or per address, memory or Redis."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from tests.money import add_series, new_viewer, viewer_headers

from cliffhanger.app import create_app


def _unlocks(client, h, ep, n):
    return [client.post("/api/v1/unlocks", headers=h, json={
        "episode_id": ep, "method": "coins", "idempotency_key": uuid.uuid4().hex}).status_code
        for _ in range(n)]


def test_unlock_and_ad_limits_answer_429_with_retry_after(make_runtime):
    rt = make_runtime(rate_limit_unlock="3/minute", rate_limit_ad="2/minute")
    _org, _series, eps = add_series(rt)
    h, other = viewer_headers(rt, new_viewer(rt, paid=500)), viewer_headers(rt, new_viewer(rt))
    with TestClient(create_app(runtime=rt, embedded_workers=False)) as client:
        assert _unlocks(client, h, eps[2], 3) == [201, 200, 200]
        r = client.post("/api/v1/unlocks", headers=h, json={
            "episode_id": eps[2], "method": "coins", "idempotency_key": uuid.uuid4().hex})
        assert r.status_code == 429
        assert 1 <= int(r.headers["retry-after"]) <= 60
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "rate_limited"
        assert _unlocks(client, other, eps[2], 1) == [402]  # another viewer has their own budget
        ads = [client.post("/api/v1/ad-sessions", headers=other,
                           json={"episode_id": eps[3], "provider": "sandbox"}).status_code
               for _ in range(3)]
        assert ads == [201, 201, 429]


def test_login_is_limited_per_address_and_orders_per_viewer(make_runtime):
    rt = make_runtime(rate_limit_login="2/minute", rate_limit_order="2/minute",
                      tiktok_client_key="k", tiktok_client_secret="s",
                      tiktok_api_base="http://127.0.0.1:9")
    h = viewer_headers(rt, new_viewer(rt))
    with TestClient(create_app(runtime=rt, embedded_workers=False)) as client:
        codes = [client.post("/api/v1/auth/tiktok", json={"code": "x"}).status_code
                 for _ in range(3)]
        assert codes[:2] == [502, 502] and codes[2] == 429
        orders = [client.post("/api/v1/orders", headers=h, json={
            "offer_id": "coins-100", "provider": "sandbox", "idempotency_key": uuid.uuid4().hex,
        }).status_code for _ in range(3)]
        assert orders == [201, 201, 429]


def test_limits_are_shared_through_redis(make_runtime, redis_url):
    rt = make_runtime(rate_limit_url=redis_url, rate_limit_unlock="2/minute")
    _org, _series, eps = add_series(rt)
    h = viewer_headers(rt, new_viewer(rt, paid=500))
    apps = [create_app(runtime=rt, embedded_workers=False) for _ in range(2)]
    with TestClient(apps[0]) as a, TestClient(apps[1]) as b:  # two web processes, one budget
        assert _unlocks(a, h, eps[2], 1) + _unlocks(b, h, eps[2], 1) == [201, 200]
        assert _unlocks(a, h, eps[2], 1) == [429]
        assert _unlocks(b, h, eps[2], 1) == [429]


def test_limits_can_be_switched_off(make_runtime):
    rt = make_runtime(rate_limits_enabled=False, rate_limit_unlock="1/minute")
    _org, _series, eps = add_series(rt)
    h = viewer_headers(rt, new_viewer(rt, paid=500))
    with TestClient(create_app(runtime=rt, embedded_workers=False)) as client:
        assert _unlocks(client, h, eps[2], 3) == [201, 200, 200]
