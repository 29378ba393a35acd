"""Money fixtures: a studio with a ready series (episode rows; the ledger does not care how they
were packaged), viewers with wallets, the real queue drained in-process, and a controllable clock.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cliffhanger.accounts import service as accounts
from cliffhanger.accounts.models import Organisation
from cliffhanger.app import create_app
from cliffhanger.catalog import service as catalog
from cliffhanger.catalog.models import Episode, EpisodeStatus
from cliffhanger.finance.verify import verify_ledger
from cliffhanger.inbox.service import EventType, InboundEvent
from cliffhanger.kit.runtime import Runtime
from cliffhanger.ledger import service as ledger
from cliffhanger.ledger.models import LotKind
from cliffhanger.orders import service as orders
from cliffhanger.orders import webhooks
from cliffhanger.pricing import offers


def drain(rt: Runtime, limit: int = 10_000) -> list[Any]:
    """Run every queued job now, in this thread (the real Huey queue, no consumer). Errors raise."""
    results = []
    for _ in range(limit):
        task = rt.queue.huey.dequeue()
        if task is None:
            return results
        results.append(task.execute())
    raise AssertionError("the queue did not drain")


def add_series(rt: Runtime, org_id: str | None = None, *, episodes: int = 6, free: int = 2,
               price: int = 60) -> tuple[str, str, list[str]]:
    """(org id, series id, episode ids) of a ready series."""
    with rt.db.session() as session:
        if org_id is None:
            org, _key = accounts.create_organisation(session, f"Studio {uuid.uuid4().hex[:6]}")
        else:
            org = session.get(Organisation, org_id)
        series = catalog.create_series(session, org, title=f"Series {uuid.uuid4().hex[:6]}",
                                       free_episodes=free, price_coins=price)
        ids = []
        for n in range(1, episodes + 1):
            ep = Episode(series_id=series.id, number=n, title=f"E{n}", status=EpisodeStatus.ready,
                         master_key="masters/x", master_sha256="0" * 64, width=360, height=640,
                         duration_s=60.0, hls_prefix=f"hls/{series.id}/{n}")
            session.add(ep)
            session.flush()
            ids.append(ep.id)
        return org.id, series.id, ids


def new_viewer(rt: Runtime, *, paid: int = 0, bonus: int = 0,
               bonus_expires: datetime | None = None) -> str:
    with rt.db.session() as session:
        viewer, _ = accounts.create_viewer(session, rt.settings.signing_key)
        ledger.open_viewer_accounts(session, viewer.id)
        if paid:
            ledger.grant_coins(session, viewer.id, paid, lot_kind=LotKind.paid,
                               key=f"test-grant:{viewer.id}:p")
        if bonus:
            ledger.grant_coins(session, viewer.id, bonus, lot_kind=LotKind.bonus,
                               key=f"test-grant:{viewer.id}:b", expires_at=bonus_expires)
        return viewer.id


def viewer_headers(rt: Runtime, viewer_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {accounts.viewer_token(rt.settings.signing_key, viewer_id)}"}


def balance(rt: Runtime, viewer_id: str, now: datetime | None = None) -> ledger.Balance:
    with rt.db.session() as session:
        return ledger.spendable_balance(session, viewer_id, now)


def debt(rt: Runtime, viewer_id: str) -> int:
    with rt.db.session() as session:
        return ledger.debt_coins(session, viewer_id)


def assert_sound(rt: Runtime) -> None:
    with rt.db.session() as session:
        problems = verify_ledger(session)
    assert problems == [], problems


def buy(rt: Runtime, viewer_id: str, offer_id: str, *, now: datetime | None = None,
        provider: str = "sandbox", card: str | None = None) -> str:
    """Create a sandbox order and deliver its payment event through the inbox (as the webhook
    receiver would), handled at `now`. Returns the order id."""
    with rt.db.session() as session:
        order, _ = orders.create_order(session, rt.settings, viewer_id, offer_id=offer_id,
                                       provider=provider, idempotency_key=uuid.uuid4().hex,
                                       now=now)
        order_id = order.id
    data = {"order_id": order_id}
    if card:
        data["payment_method"] = card
    deliver(rt, InboundEvent("sandbox", f"evt_paid_{order_id}", EventType.PAID, data), now)
    return order_id


def deliver(rt: Runtime, event: InboundEvent, now: datetime | None = None) -> str | None:
    """Record an authenticated event in the inbox and handle it at `now`."""
    with rt.db.session() as session:
        row_id, _new = webhooks.record(session, event, "{}", now)
    with rt.db.session() as session:
        outcome = webhooks.handle(session, rt.settings, row_id, now)
    drain(rt)  # the queued duplicate handling finds the event handled
    return outcome


def refund(rt: Runtime, order_id: str, amount: int | None = None, *, now: datetime | None = None,
           ref: str | None = None) -> str | None:
    data: dict[str, Any] = {"order_id": order_id}
    if amount is not None:
        data["amount"] = amount
    return deliver(rt, InboundEvent("sandbox", ref or f"evt_refund_{uuid.uuid4().hex}",
                                    EventType.REFUND, data), now)


def set_pass(rt: Runtime, series_id: str, price_minor: int = 1299) -> str:
    with rt.db.session() as session:
        from cliffhanger.catalog.models import Series

        series = session.get(Series, series_id)
        assert series is not None
        offer = offers.set_series_pass(session, series, price_minor=price_minor, tiktok_beans=1100)
        assert offer is not None
        return offer.id


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2030, 1, 15, 12, 0, tzinfo=UTC))

    def advance(self, **kw: float) -> datetime:
        self.now = self.now + timedelta(**kw)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(rt):
    with TestClient(create_app(runtime=rt, embedded_workers=False)) as c:
        yield c
