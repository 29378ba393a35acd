"""Offers and orders through the HTTP API with the sandbox provider: hosted checkout, signed
webhooks back to us, passes, subscriptions and refunds."""

from __future__ import annotations

import re
import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
from tests.helpers import LiveServer, make_org, org_headers
from tests.money import (
    add_series,
    assert_sound,
    drain,
    new_viewer,
    set_pass,
    viewer_headers,
)

from cliffhanger.orders import sandbox_gateway


def _order(client, h, offer_id, key=None, **extra):
    body = {"offer_id": offer_id, "provider": "sandbox",
            "idempotency_key": key or uuid.uuid4().hex, **extra}
    return client.post("/api/v1/orders", headers=h, json=body)


def _checkout(client, url, action, card=None):
    """Open the hosted checkout page and press a button, like the viewer would."""
    page = client.get(url)
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    found = re.search(r'name="token" value="([^"]+)"', page.text)
    # A closed order's page has no form; post what a stale tab would have posted.
    token = found.group(1) if found else parse_qs(urlsplit(url).query)["token"][0]
    form = {"token": token, "action": action}
    if card:
        form["card"] = card
    r = client.post(urlsplit(url).path, data=form, follow_redirects=False)
    return page, r


def test_offers_list_coin_packs_subscriptions_and_a_series_pass(rt, client):
    _org, series_id, _eps = add_series(rt)
    h = viewer_headers(rt, new_viewer(rt))
    items = client.get("/api/v1/offers", headers=h).json()["items"]
    assert {o["id"] for o in items} >= {"coins-100", "coins-500", "coins-1000", "vip-weekly",
                                        "vip-monthly"}
    pack = next(o for o in items if o["id"] == "coins-500")
    assert (pack["kind"], pack["price_minor"], pack["currency"], pack["coins"],
            pack["bonus_coins"]) == ("coin_pack", 499, "USD", 500, 50)
    assert pack["providers"] == ["sandbox"]
    assert not any(o["kind"] == "series_pass" for o in items)
    set_pass(rt, series_id, 1299)
    with_pass = client.get(f"/api/v1/offers?series_id={series_id}", headers=h).json()
    series_pass = next(o for o in with_pass["items"] if o["kind"] == "series_pass")
    assert (series_pass["price_minor"], series_pass["series_id"]) == (1299, series_id)
    assert with_pass["channel"] == "web"


def test_buy_coins_through_the_sandbox_checkout(rt, client):
    viewer = new_viewer(rt)
    h = viewer_headers(rt, viewer)
    key = uuid.uuid4().hex
    r = _order(client, h, "coins-500", key, return_url="/wallet?from=shop")
    assert r.status_code == 201, r.text
    order = r.json()
    assert (order["status"], order["amount_minor"], order["currency"]) == ("pending", 499, "USD")
    assert order["is_sandbox"] and order["checkout_url"]
    again = _order(client, h, "coins-500", key)
    assert again.status_code == 200 and again.json()["id"] == order["id"]
    assert _order(client, h, "coins-100", key).status_code == 409  # key reused for another offer

    page, r = _checkout(client, order["checkout_url"], "pay")
    assert "4.99 USD" in page.text
    assert r.status_code == 303
    target = urlsplit(r.headers["location"])
    assert target.path == "/wallet" and parse_qs(target.query)["order_id"] == [order["id"]]
    # Nothing happens until the provider's webhook arrives (through the queue).
    assert client.get(f"/api/v1/orders/{order['id']}", headers=h).json()["status"] == "pending"
    drain(rt)
    paid = client.get(f"/api/v1/orders/{order['id']}", headers=h).json()
    assert paid["status"] == "paid" and paid["paid_at"] and paid["checkout_url"] is None
    assert client.get("/api/v1/wallet", headers=h).json() == {
        "balance_coins": 550, "paid_coins": 500, "bonus_coins": 50}
    history = client.get("/api/v1/wallet/history", headers=h).json()
    assert {(e["kind"], e["coins"]) for e in history["entries"]} == {
        ("purchase", 500), ("purchase_bonus", 50)}
    assert history["expiring"][0]["coins"] == 50
    # Pressing Pay again on a paid order changes nothing.
    _page, again = _checkout(client, order["checkout_url"], "pay")
    assert again.status_code == 409
    drain(rt)
    assert client.get("/api/v1/wallet", headers=h).json()["balance_coins"] == 550
    assert_sound(rt)


def test_decline_cancel_and_pay_after_decline(rt, client):
    h = viewer_headers(rt, new_viewer(rt))
    first = _order(client, h, "coins-100").json()
    _checkout(client, first["checkout_url"], "decline")
    drain(rt)
    failed = client.get(f"/api/v1/orders/{first['id']}", headers=h).json()
    assert failed["status"] == "failed" and "declined" in failed["failure_reason"]
    _checkout(client, failed["checkout_url"], "pay")  # try again with another card
    drain(rt)
    assert client.get(f"/api/v1/orders/{first['id']}", headers=h).json()["status"] == "paid"
    second = _order(client, h, "coins-100").json()
    _checkout(client, second["checkout_url"], "cancel")
    drain(rt)
    assert client.get(f"/api/v1/orders/{second['id']}", headers=h).json()["status"] == "cancelled"
    assert client.get("/api/v1/wallet", headers=h).json()["paid_coins"] == 100
    listed = client.get("/api/v1/orders", headers=h).json()["items"]
    assert [o["status"] for o in listed] == ["cancelled", "paid"]
    assert_sound(rt)


def test_orders_and_checkouts_are_private(rt, client):
    owner, other = new_viewer(rt), new_viewer(rt)
    order = _order(client, viewer_headers(rt, owner), "coins-100").json()
    assert client.get(f"/api/v1/orders/{order['id']}",
                      headers=viewer_headers(rt, other)).status_code == 404
    second = _order(client, viewer_headers(rt, other), "coins-100").json()
    # The checkout token of one order does not open another.
    token = parse_qs(urlsplit(order["checkout_url"]).query)["token"][0]
    assert client.get(f"/api/v1/sandbox/checkout/{second['id']}?token={token}").status_code == 401
    bad = _order(client, viewer_headers(rt, owner), "coins-100", return_url="https://evil.example/")
    assert bad.status_code == 422
    assert _order(client, viewer_headers(rt, owner), "nope").status_code == 404
    r = client.post("/api/v1/orders", headers=viewer_headers(rt, owner), json={
        "offer_id": "coins-100", "provider": "tiktok_minis", "idempotency_key": "k" * 16})
    assert r.status_code == 422 and r.json()["code"] == "provider_unavailable"


def test_series_pass_opens_every_episode_until_refunded(rt, client):
    org_id, key = make_org(rt)
    _org, series_id, eps = add_series(rt, org_id, episodes=5, free=1, price=80)
    r = client.put(f"/api/v1/studio/series/{series_id}/pricing", headers=org_headers(key),
                   json={"series_pass": {"price_minor": 1499, "currency": "USD"}})
    assert r.status_code == 200 and r.json()["series_pass"]["price_minor"] == 1499
    _other_org, other_key = make_org(rt, "Other")
    assert client.get(f"/api/v1/studio/series/{series_id}/pricing",
                      headers=org_headers(other_key)).status_code == 404
    viewer = new_viewer(rt)
    h = viewer_headers(rt, viewer)
    assert client.post(f"/api/v1/episodes/{eps[3]}/playback", headers=h).status_code == 402
    order = _order(client, h, f"pass-{series_id}").json()
    _checkout(client, order["checkout_url"], "pay")
    drain(rt)
    detail = client.get(f"/api/v1/series/{series_id}", headers=h)
    assert detail.status_code == 200, detail.text
    body = detail.json()  # the catalogue shows the pass opening everything
    assert all(e["unlocked"] for e in body["episodes"]) and body["cost_to_finish_coins"] == 0
    wall = client.get(f"/api/v1/episodes/{eps[3]}/paywall", headers=h).json()
    assert wall["unlocked"] is True and wall["cost_to_finish_coins"] == 0
    unlock = client.post("/api/v1/unlocks", headers=h, json={
        "episode_id": eps[3], "method": "coins", "idempotency_key": uuid.uuid4().hex})
    assert unlock.status_code == 200
    assert (unlock.json()["method"], unlock.json()["charged_coins"]) == ("series_pass", 0)
    again = _order(client, h, f"pass-{series_id}")
    assert again.status_code == 409 and again.json()["code"] == "already_owned"
    sandbox_gateway.refund(rt, order["id"])
    drain(rt)
    assert client.get(f"/api/v1/orders/{order['id']}", headers=h).json()["status"] == "refunded"
    wall = client.get(f"/api/v1/episodes/{eps[3]}/paywall", headers=h).json()
    assert wall["unlocked"] is False and wall["cost_to_finish_coins"] == 4 * 80
    assert_sound(rt)


def test_subscription_opens_every_series_and_can_be_cancelled(rt, client):
    _o1, _s1, eps1 = add_series(rt)
    _o2, _s2, eps2 = add_series(rt)
    h = viewer_headers(rt, new_viewer(rt))
    order = _order(client, h, "vip-weekly").json()
    _checkout(client, order["checkout_url"], "pay")
    drain(rt)
    subs = client.get("/api/v1/subscriptions", headers=h).json()["items"]
    assert len(subs) == 1 and subs[0]["active"] and subs[0]["status"] == "active"
    for ep in (eps1[4], eps2[5]):
        assert client.post(f"/api/v1/episodes/{ep}/playback", headers=h).status_code == 200
    assert _order(client, h, "vip-monthly").json()["code"] == "already_subscribed"
    cancelled = client.post(f"/api/v1/subscriptions/{subs[0]['id']}/cancel", headers=h).json()
    assert cancelled["cancel_at_period_end"] and cancelled["active"]
    other = viewer_headers(rt, new_viewer(rt))
    assert client.post(f"/api/v1/subscriptions/{subs[0]['id']}/cancel",
                       headers=other).status_code == 404
    assert client.post(f"/api/v1/subscriptions/{subs[0]['id']}/resume",
                       headers=h).json()["cancel_at_period_end"] is False
    assert_sound(rt)


def test_sandbox_webhooks_travel_over_http_when_a_url_is_set(rt):
    from cliffhanger.app import create_app

    app = create_app(runtime=rt, embedded_workers=False)
    with LiveServer(app) as live:
        rt.settings.sandbox_webhook_url = f"{live.url}/api/v1/webhooks/sandbox"
        viewer = new_viewer(rt)
        h = viewer_headers(rt, viewer)
        order = httpx.post(f"{live.url}/api/v1/orders", headers=h, json={
            "offer_id": "coins-100", "provider": "sandbox", "idempotency_key": uuid.uuid4().hex,
        }).json()
        with httpx.Client(base_url=live.url) as c:
            page = c.get(order["checkout_url"])
            token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
            r = c.post(urlsplit(order["checkout_url"]).path,
                       data={"token": token, "action": "pay"}, follow_redirects=False)
            assert r.status_code == 303
            drain(rt)  # delivery task: an HTTP POST to our webhook endpoint ...
            drain(rt)  # ... whose inbox row is then handled
            assert c.get(f"/api/v1/orders/{order['id']}", headers=h).json()["status"] == "paid"
    assert_sound(rt)
