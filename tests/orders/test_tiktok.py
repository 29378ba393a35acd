"""TikTok Minis against a local fake of TikTok's OAuth and trade-order endpoints: login and
linking, Beans orders with the viewer's own token, signed webhooks, the query fallback, sandbox
orders, refunds and token refresh."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select
from tests.fakes.tiktok import FakeTikTok
from tests.helpers import LiveServer
from tests.money import add_series, assert_sound, debt, drain

from cliffhanger.app import create_app
from cliffhanger.inbox.models import WebhookEvent
from cliffhanger.ledger import service as ledger
from cliffhanger.ledger.models import AccountKind, LedgerAccount


class World:
    def __init__(self, rt, fake: FakeTikTok, url: str) -> None:
        self.rt, self.fake, self.url = rt, fake, url
        self.http = httpx.Client(base_url=url, timeout=30)

    def anonymous(self) -> dict[str, str]:
        return {"Authorization": "Bearer " + self.http.post("/api/v1/viewers").json()["token"]}

    def login(self, headers: dict[str, str] | None = None, open_id: str | None = None):
        code, open_id = self.fake.issue_code(open_id)
        r = self.http.post("/api/v1/auth/tiktok", json={"code": code}, headers=headers or {})
        assert r.status_code == 200, r.text
        body = r.json()
        return {"Authorization": f"Bearer {body['token']}"}, body

    def order(self, h, offer_id="coins-500", key=None):
        return self.http.post("/api/v1/orders", headers=h, json={
            "offer_id": offer_id, "provider": "tiktok_minis",
            "idempotency_key": key or uuid.uuid4().hex})


@pytest.fixture
def world(make_runtime):
    fake = FakeTikTok()
    with fake.serve() as tiktok_server:
        rt = make_runtime(tiktok_api_base=tiktok_server.url, tiktok_client_key=fake.client_key,
                          tiktok_client_secret=fake.client_secret, tiktok_query_after_s=0)
        with LiveServer(create_app(runtime=rt, embedded_workers=False)) as ours:
            fake.webhook_url = f"{ours.url}/api/v1/webhooks/tiktok"
            w = World(rt, fake, ours.url)
            yield w
            w.http.close()


def _revenue(rt, kind: AccountKind) -> int:
    with rt.db.session() as session:
        accounts = session.scalars(select(LedgerAccount).where(LedgerAccount.kind == kind)).all()
        return sum(ledger.account_balance(session, a.id) for a in accounts)


def test_login_links_the_viewer_and_a_second_device_logs_into_it(world):
    anon = world.anonymous()
    anon_id = world.http.get("/api/v1/wallet/history", headers=anon).status_code
    assert anon_id == 200
    h, body = world.login(anon)
    assert body["created"] is False  # the calling anonymous viewer was linked
    assert world.http.get("/api/v1/offers", headers=h).json()["channel"] == "tiktok_minis"
    packs = [o for o in world.http.get("/api/v1/offers", headers=h).json()["items"]
             if o["kind"] == "coin_pack"]
    assert all("tiktok_minis" in o["providers"] and o["tiktok_beans"] for o in packs)
    # Same TikTok user on a new device: logged into the same viewer.
    _h2, again = world.login(open_id=body["open_id"])
    assert again["viewer_id"] == body["viewer_id"] and again["created"] is False
    # A brand-new TikTok user without a device identity gets a new viewer.
    _h3, fresh = world.login()
    assert fresh["created"] is True and fresh["viewer_id"] != body["viewer_id"]
    bad = world.http.post("/api/v1/auth/tiktok", json={"code": "not-a-code"})
    assert bad.status_code == 401 and bad.json()["code"] == "tiktok_login_failed"


def test_beans_order_paid_by_webhook_exactly_once(world):
    h, _ = world.login()
    r = world.order(h)
    assert r.status_code == 201, r.text
    order = r.json()
    assert (order["status"], order["amount_minor"], order["currency"]) == ("pending", 450, "BEANS")
    trade = world.fake.orders[order["trade_order_id"]]
    assert trade.token_amount == 450 and trade.order_id == order["id"]
    hook = world.fake.pay(order["trade_order_id"])
    drain(world.rt)
    got = world.http.get(f"/api/v1/orders/{order['id']}", headers=h).json()
    assert got["status"] == "paid" and got["is_sandbox"] is False
    assert world.http.get("/api/v1/wallet", headers=h).json()["balance_coins"] == 550
    assert world.fake.send(*hook).json() == {"received": 1, "new": 0}  # TikTok retries
    drain(world.rt)
    assert world.http.get("/api/v1/wallet", headers=h).json()["balance_coins"] == 550
    assert _revenue(world.rt, AccountKind.sales) == 450
    assert_sound(world.rt)


def test_a_late_webhook_is_covered_by_the_query_api_under_the_same_key(world):
    h, _ = world.login()
    order = world.order(h, "coins-100").json()
    hook = world.fake.pay(order["trade_order_id"], deliver=False)  # the webhook is late
    got = world.http.get(f"/api/v1/orders/{order['id']}", headers=h).json()
    assert got["status"] == "paid"  # found through trade_order/query
    assert "trade_order/query" in world.fake.calls
    assert world.fake.send(*hook).json() == {"received": 1, "new": 0}
    drain(world.rt)
    assert world.http.get("/api/v1/wallet", headers=h).json()["balance_coins"] == 100
    with world.rt.db.session() as session:
        assert len(session.scalars(select(WebhookEvent)).all()) == 1
    assert_sound(world.rt)


def test_sandbox_orders_never_count_as_revenue(world):
    world.fake.sandbox = True
    h, _ = world.login()
    order = world.order(h, "coins-100").json()
    world.fake.pay(order["trade_order_id"])
    drain(world.rt)
    got = world.http.get(f"/api/v1/orders/{order['id']}", headers=h).json()
    assert got["status"] == "paid" and got["is_sandbox"] is True
    assert _revenue(world.rt, AccountKind.sales) == 0
    assert _revenue(world.rt, AccountKind.sandbox_sales) == 90
    assert_sound(world.rt)


def test_refund_traceback_claws_back_coins_and_leaves_debt(world):
    _org, _series, eps = add_series(world.rt, episodes=10, free=0, price=100)
    h, body = world.login()
    order = world.order(h, "coins-500").json()
    world.fake.pay(order["trade_order_id"])
    drain(world.rt)
    for ep in eps[:4]:
        assert world.http.post("/api/v1/unlocks", headers=h, json={
            "episode_id": ep, "method": "coins", "idempotency_key": uuid.uuid4().hex,
        }).status_code == 201
    world.fake.refund(order["trade_order_id"], 450)
    drain(world.rt)
    assert world.http.get(f"/api/v1/orders/{order['id']}", headers=h).json()["status"] == "refunded"
    assert world.http.get("/api/v1/wallet", headers=h).json()["balance_coins"] == 0
    assert debt(world.rt, body["viewer_id"]) == 350
    history = world.http.get("/api/v1/wallet/history", headers=h).json()
    assert history["debt_coins"] == 350
    second = world.order(h, "coins-1000").json()
    world.fake.pay(second["trade_order_id"])
    drain(world.rt)
    assert debt(world.rt, body["viewer_id"]) == 0
    assert world.http.get("/api/v1/wallet", headers=h).json()["paid_coins"] == 650
    assert_sound(world.rt)


def test_expired_access_token_is_refreshed_before_creating_the_order(world):
    h, _ = world.login()
    world.fake.expire_tokens()
    r = world.order(h, "coins-100")
    assert r.status_code == 201, r.text
    assert "token:refresh_token" in world.fake.calls


def test_orders_need_a_tiktok_login_and_a_beans_price(world):
    anon = world.anonymous()
    r = world.order(anon)
    assert r.status_code == 409 and r.json()["code"] == "tiktok_login_required"
    h, _ = world.login()
    r = world.order(h, "vip-weekly")
    assert r.status_code == 422 and r.json()["code"] == "offer_unavailable"


def test_a_webhook_for_another_tiktok_user_has_no_effect(world):
    h, _ = world.login()
    order = world.order(h, "coins-100").json()
    trade = world.fake.orders[order["trade_order_id"]]
    body, headers = world.fake.webhook("minis.trade_order.redeem.success", {
        "trade_order_id": trade.trade_order_id, "order_id": trade.order_id}, "someone-else")
    assert world.fake.send(body, headers).status_code == 200
    drain(world.rt)
    assert world.http.get(f"/api/v1/orders/{order['id']}", headers=h).json()["status"] == "pending"
