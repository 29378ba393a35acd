"""Spend caps per viewer per day and month: the operator's and the viewer's own."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from tests.money import add_series, assert_sound, new_viewer, viewer_headers

from cliffhanger.access import unlock as service
from cliffhanger.kit.db import utcnow
from cliffhanger.kit.errors import Forbidden
from cliffhanger.orders import limits
from cliffhanger.orders import service as orders


def _unlock(rt, viewer, ep, now):
    with rt.db.session() as session:
        return service.unlock_with_coins(session, viewer, ep, uuid.uuid4().hex, now=now,
                                         settings=rt.settings)


def test_operator_daily_coin_cap(make_runtime, clock):
    rt = make_runtime(spend_cap_coins_day=100)
    _org, _series, eps = add_series(rt, episodes=6, free=0, price=60)
    viewer = new_viewer(rt, paid=1000)
    _unlock(rt, viewer, eps[0], clock.now)
    with pytest.raises(Forbidden) as refused:
        _unlock(rt, viewer, eps[1], clock.now)
    err = refused.value
    assert err.code == "spend_cap_reached"
    assert (err.extra["cap"], err.extra["spent"], err.extra["period"]) == (100, 60, "day")
    assert "100 coins on unlocks per day" in err.detail and "resets at" in err.detail
    tomorrow = clock.now.replace(hour=0, minute=0) + timedelta(days=1)
    _unlock(rt, viewer, eps[1], tomorrow)
    assert_sound(rt)


def test_viewer_limit_lowers_at_once_and_raises_after_a_day(rt, client, clock):
    _org, _series, eps = add_series(rt, episodes=6, free=0, price=60)
    viewer = new_viewer(rt, paid=1000)
    h = viewer_headers(rt, viewer)
    r = client.put("/api/v1/wallet/limits", headers=h,
                   json={"unit": "coin", "period": "day", "amount": 60})
    assert r.status_code == 200
    day = next(v for v in r.json()["limits"] if v["unit"] == "coin" and v["period"] == "day")
    assert (day["cap"], day["viewer_limit"], day["spent"]) == (60, 60, 0)
    ok = client.post("/api/v1/unlocks", headers=h, json={
        "episode_id": eps[0], "method": "coins", "idempotency_key": uuid.uuid4().hex})
    assert ok.status_code == 201
    refused = client.post("/api/v1/unlocks", headers=h, json={
        "episode_id": eps[1], "method": "coins", "idempotency_key": uuid.uuid4().hex})
    assert refused.status_code == 403 and refused.json()["code"] == "spend_cap_reached"
    raised = client.put("/api/v1/wallet/limits", headers=h,
                        json={"unit": "coin", "period": "day", "amount": 600}).json()
    day = next(v for v in raised["limits"] if v["unit"] == "coin" and v["period"] == "day")
    assert (day["cap"], day["pending_limit"]) == (60, 600) and day["pending_from"]
    with rt.db.session() as session:
        later = utcnow() + timedelta(hours=25)
        assert limits.effective_cap(session, rt.settings, viewer, "coin", "day", later) == 600
        assert limits.effective_cap(session, rt.settings, viewer, "coin", "day", utcnow()) == 60
    removed = client.put("/api/v1/wallet/limits", headers=h,
                         json={"unit": "coin", "period": "day", "amount": None}).json()
    day = next(v for v in removed["limits"] if v["unit"] == "coin" and v["period"] == "day")
    assert day["cap"] == 60  # removing is a raise too: it waits
    assert_sound(rt)


def test_purchase_cap_counts_open_and_paid_orders(make_runtime, clock):
    rt = make_runtime(purchase_cap_day={"USD": 600})
    viewer = new_viewer(rt)

    def order(offer):
        with rt.db.session() as session:
            o, _ = orders.create_order(session, rt.settings, viewer, offer_id=offer,
                                       provider="sandbox", idempotency_key=uuid.uuid4().hex,
                                       now=clock.now)
            return o.id

    first = order("coins-500")
    order("coins-100")
    with pytest.raises(Forbidden) as refused:
        order("coins-100")
    assert refused.value.extra["unit"] == "USD" and refused.value.extra["spent"] == 598
    with rt.db.session() as session:  # a cancelled order frees its share of the cap
        o = orders.lock_order(session, first)
        orders.mark_unpaid(o, orders.OrderStatus.cancelled, "test", clock.now)
    order("coins-100")
