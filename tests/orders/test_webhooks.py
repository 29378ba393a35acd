"""The webhook suite, for the sandbox provider and TikTok: duplicates, concurrent duplicates,
events out of order, and every way a signature can be wrong."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from tests.helpers import LiveServer
from tests.money import assert_sound, balance, drain, new_viewer

from cliffhanger.app import create_app
from cliffhanger.inbox.models import WebhookEvent
from cliffhanger.integrations.tiktok import signature
from cliffhanger.kit.db import utcnow
from cliffhanger.orders import maintenance, sandbox_gateway, webhooks
from cliffhanger.orders import service as orders
from cliffhanger.orders.models import Order

CLIENT_KEY = "tt-client-key"
SECRET = "tt-client-secret-" + uuid.uuid4().hex


@pytest.fixture
def hooks(make_runtime):
    rt = make_runtime(tiktok_client_key=CLIENT_KEY, tiktok_client_secret=SECRET)
    from fastapi.testclient import TestClient

    with TestClient(create_app(runtime=rt, embedded_workers=False)) as client:
        yield rt, client


def _order(rt, viewer, provider="sandbox", offer="coins-100") -> Order:
    with rt.db.session() as session:
        if provider == "tiktok_minis":
            from cliffhanger.accounts.models import Viewer

            session.get(Viewer, viewer).tiktok_open_id = f"oid-{viewer}"
        order, _ = orders.create_order(session, rt.settings, viewer, offer_id=offer,
                                       provider=provider, idempotency_key=uuid.uuid4().hex)
        if provider == "tiktok_minis":
            orders.set_pending(session, order.id, "TO" + uuid.uuid4().hex[:12], utcnow())
        session.expunge(order)
        return order


def _sandbox(rt, event_type, data, event_id=None, timestamp=None):
    return sandbox_gateway.signed_event(rt, event_id or "evt_" + uuid.uuid4().hex, event_type,
                                        data, timestamp)


def _tiktok(order: Order, event="minis.trade_order.redeem.success", timestamp=None, secret=SECRET,
            client_key=CLIENT_KEY, **content):
    body = json.dumps({
        "client_key": client_key, "event": event, "create_time": int(time.time()),
        "user_openid": f"oid-{order.viewer_id}",
        "content": json.dumps({"trade_order_id": order.external_id, "order_id": order.id,
                               "is_sandbox": False, **content}),
    }).encode()
    ts = int(time.time()) if timestamp is None else timestamp
    return body, {"Tiktok-Signature": signature.header_value(secret, ts, body)}


def _paid(rt, provider, order):
    if provider == "sandbox":
        return _sandbox(rt, "payment.succeeded", {"order_id": order.id}, f"evt_pay_{order.id}")
    return _tiktok(order)


def _refund(rt, provider, order, amount):
    if provider == "sandbox":
        return _sandbox(rt, "charge.refunded", {"order_id": order.id, "amount": amount})
    return _tiktok(order, "minis.trade_order.redeem.refund_traceback", refund_amount=amount,
                   refund_id="rf-" + uuid.uuid4().hex[:8])


URL = {"sandbox": "/api/v1/webhooks/sandbox", "tiktok_minis": "/api/v1/webhooks/tiktok"}


def _status(rt, order_id) -> str:
    with rt.db.session() as session:
        return str(session.get(Order, order_id).status)


def _inbox(rt) -> int:
    with rt.db.session() as session:
        return session.scalar(select(func.count()).select_from(WebhookEvent))


@pytest.mark.parametrize("provider", ["sandbox", "tiktok_minis"])
def test_duplicates_have_one_effect(hooks, provider):
    rt, client = hooks
    viewer = new_viewer(rt)
    order = _order(rt, viewer, provider)
    body, headers = _paid(rt, provider, order)
    answers = [client.post(URL[provider], content=body, headers=headers).json() for _ in range(3)]
    assert answers == [{"received": 1, "new": 1}] + [{"received": 1, "new": 0}] * 2
    drain(rt)
    assert _status(rt, order.id) == "paid"
    assert balance(rt, viewer).total == 100
    assert _inbox(rt) == 1
    assert_sound(rt)


@pytest.mark.parametrize("provider", ["sandbox", "tiktok_minis"])
def test_concurrent_duplicates_have_one_effect(hooks, provider):
    rt, _client = hooks
    viewer = new_viewer(rt)
    order = _order(rt, viewer, provider)
    body, headers = _paid(rt, provider, order)
    answers: list[dict] = []
    with LiveServer(create_app(runtime=rt, embedded_workers=False)) as live:
        barrier = threading.Barrier(16)

        def post() -> None:
            barrier.wait()
            r = httpx.post(live.url + URL[provider], content=body, headers=headers, timeout=60)
            answers.append(r.json())

        threads = [threading.Thread(target=post) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert len(answers) == 16 and sum(a["new"] for a in answers) == 1
    # Even if the handler runs many times at once, the effect happens once.
    with rt.db.session() as session:
        row_id = session.scalar(select(WebhookEvent.id))
    outcomes: list[str | None] = []
    barrier = threading.Barrier(8)

    def handle() -> None:
        barrier.wait()
        with rt.db.session() as session:
            outcomes.append(webhooks.handle(session, rt.settings, row_id))

    threads = [threading.Thread(target=handle) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    drain(rt)
    assert outcomes.count("paid") == 1 and outcomes.count(None) == 7
    assert balance(rt, viewer).total == 100
    assert_sound(rt)


@pytest.mark.parametrize("provider", ["sandbox", "tiktok_minis"])
def test_refund_before_payment_means_nothing_was_delivered(hooks, provider):
    rt, client = hooks
    viewer = new_viewer(rt)
    order = _order(rt, viewer, provider)
    refund_req = _refund(rt, provider, order, order.amount_minor)
    paid_req = _paid(rt, provider, order)
    r = client.post(URL[provider], content=refund_req[0], headers=refund_req[1])
    assert r.status_code == 200
    drain(rt)
    assert client.post(URL[provider], content=paid_req[0], headers=paid_req[1]).status_code == 200
    drain(rt)
    assert _status(rt, order.id) == "refunded"
    assert balance(rt, viewer).total == 0
    assert_sound(rt)


def test_a_payment_after_cancel_or_decline_wins_and_a_late_decline_loses(hooks):
    rt, client = hooks
    viewer = new_viewer(rt)
    order = _order(rt, viewer)
    for req in (_sandbox(rt, "payment.canceled", {"order_id": order.id}),
                _paid(rt, "sandbox", order),
                _sandbox(rt, "payment.failed", {"order_id": order.id}),
                _sandbox(rt, "payment.canceled", {"order_id": order.id})):
        assert client.post(URL["sandbox"], content=req[0], headers=req[1]).status_code == 200
    drain(rt)
    assert _status(rt, order.id) == "paid"
    assert balance(rt, viewer).total == 100
    assert_sound(rt)


@pytest.mark.parametrize("provider", ["sandbox", "tiktok_minis"])
def test_bad_signatures_are_refused_and_leave_no_trace(hooks, provider):
    rt, client = hooks
    order = _order(rt, new_viewer(rt), provider)
    body, headers = _paid(rt, provider, order)
    name = next(iter(k for k in headers if k.endswith("Signature")))
    now = int(time.time())
    if provider == "sandbox":
        stale = _sandbox(rt, "payment.succeeded", {"order_id": order.id}, timestamp=now - 400)
        future = _sandbox(rt, "payment.succeeded", {"order_id": order.id}, timestamp=now + 400)
        wrong_secret = (body, {name: f"t={now},v1={signature.compute('nope', now, body)}"})
    else:
        stale = _tiktok(order, timestamp=now - 400)
        future = _tiktok(order, timestamp=now + 400)
        wrong_secret = _tiktok(order, secret="not-the-secret")
    cases = {
        "tampered body": (body[:-1] + b' }', headers),
        "tampered amount": (body.replace(b"1", b"2", 1), headers),
        "wrong secret": wrong_secret,
        "stale timestamp": stale,
        "future timestamp": future,
        "missing header": (body, {}),
        "malformed header": (body, {name: "garbage"}),
        "empty signature": (body, {name: f"t={now},s=,v1="}),
    }
    for what, (b, h) in cases.items():
        r = client.post(URL[provider], content=b, headers=h)
        assert r.status_code == 401, (what, r.text)
        assert r.json()["code"] == "bad_signature"
    assert _inbox(rt) == 0
    assert client.post(URL[provider], content=body, headers=headers).status_code == 200


def test_tiktok_events_of_another_app_and_unknown_events(hooks):
    rt, client = hooks
    order = _order(rt, new_viewer(rt), "tiktok_minis")
    other_app = _tiktok(order, client_key="someone-else")
    assert client.post(URL["tiktok_minis"], content=other_app[0],
                       headers=other_app[1]).status_code == 401
    unknown = _tiktok(order, event="minis.something.else")
    assert client.post(URL["tiktok_minis"], content=unknown[0], headers=unknown[1]).json() == {
        "received": 0, "new": 0}
    assert client.post("/api/v1/webhooks/paypal", content=b"{}").status_code == 404
    big = b"{" + b" " * (300 * 1024) + b"}"
    assert client.post(URL["sandbox"], content=big).status_code == 413


def test_events_for_unknown_orders_are_recorded_and_ignored(hooks):
    rt, client = hooks
    body, headers = _sandbox(rt, "payment.succeeded", {"order_id": uuid.uuid4().hex})
    assert client.post(URL["sandbox"], content=body, headers=headers).json()["new"] == 1
    drain(rt)
    with rt.db.session() as session:
        row = session.scalar(select(WebhookEvent))
        assert row.handled_at is not None and row.outcome == "ignored: unknown order"


def test_an_inbox_event_whose_job_was_lost_is_handled_by_the_sweep(hooks):
    rt, client = hooks
    viewer = new_viewer(rt)
    order = _order(rt, viewer)
    body, headers = _paid(rt, "sandbox", order)
    client.post(URL["sandbox"], content=body, headers=headers)
    rt.queue.flush()  # the job is lost (a crashed Redis, a flushed queue)
    assert drain(rt) == []
    assert _status(rt, order.id) == "pending"
    report = maintenance.sweep(rt, utcnow() + timedelta(minutes=2))
    assert report.requeued_events == 1
    drain(rt)
    assert _status(rt, order.id) == "paid"
    assert_sound(rt)
