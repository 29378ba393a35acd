"""32 threads at once on one wallet, mixing every money flow: coin unlocks, ad rewards, duplicate
refunds, breakage sweeps and purchases. Nothing is overspent, nothing happens twice, and the
journal still replays to every balance."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

from sqlalchemy import func, select
from tests.money import add_series, assert_sound, buy, debt, new_viewer, refund

from cliffhanger.access import ads
from cliffhanger.access import unlock as service
from cliffhanger.kit.errors import Conflict, Forbidden, InsufficientCoins
from cliffhanger.ledger import service as ledger
from cliffhanger.ledger.models import (
    AccountKind,
    Entitlement,
    LedgerAccount,
    LotKind,
    Transfer,
    TransferKind,
)
from cliffhanger.orders import maintenance


def test_32_threads_mixing_every_money_flow_on_one_wallet(rt, clock):
    _org, _series, eps = add_series(rt, episodes=40, free=0, price=30)
    viewer = new_viewer(rt)
    order_a = buy(rt, viewer, "coins-500", now=clock.now)  # 500 paid + 50 bonus
    order_b = buy(rt, viewer, "coins-100", now=clock.now)
    with rt.db.session() as session:
        ledger.grant_coins(session, viewer, 100, lot_kind=LotKind.bonus, key=f"soon:{viewer}",
                           expires_at=clock.now + timedelta(seconds=1), now=clock.now)
    ad_sessions = []
    with rt.db.session() as session:
        for ep in eps[30:34]:
            ad_sessions.append(ads.start(session, rt.settings, viewer, ep, "sandbox", clock.now).id)
    now = clock.advance(seconds=20)  # the 100 bonus coins have expired (not yet swept)

    def unlock(ep: str) -> None:
        with rt.db.session() as session:
            service.unlock_with_coins(session, viewer, ep, uuid.uuid4().hex, now=now,
                                      settings=rt.settings)

    def ad(sid: str) -> None:
        with rt.db.session() as session:
            ads.complete(session, rt.settings, viewer, sid, now=now)

    jobs = (
        [lambda ep=ep: unlock(ep) for ep in eps[:18]]
        + [lambda: unlock(eps[0])] * 2  # the same episode again: never charged twice
        + [lambda sid=sid: ad(sid) for sid in ad_sessions]
        + [lambda: refund(rt, order_a, now=now, ref=f"dup-{order_a}")] * 3  # one refund, 3 times
        + [lambda: refund(rt, order_b, now=now)]
        + [lambda: maintenance.expire_bonus_coins(rt, now)] * 3
        + [lambda: buy(rt, viewer, "coins-100", now=now)]
    )
    assert len(jobs) == 32
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job) -> None:
        barrier.wait()
        try:
            job()
        except (InsufficientCoins, Conflict, Forbidden):
            pass  # definitive refusals
        except BaseException as exc:  # collected and asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert_sound(rt)
    with rt.db.session() as session:
        paid = session.scalar(select(LedgerAccount).where(
            LedgerAccount.owner_id == viewer, LedgerAccount.kind == AccountKind.viewer_paid))
        spent_paid = session.scalar(select(func.coalesce(func.sum(Transfer.amount), 0)).where(
            Transfer.debit_account_id == paid.id, Transfer.kind == TransferKind.unlock))
        refunds = session.scalar(select(func.count()).select_from(Transfer).where(
            Transfer.order_id == order_a, Transfer.kind == TransferKind.refund))
        charged_episodes = session.scalar(select(func.count(func.distinct(Transfer.episode_id)))
                                          .where(Transfer.kind == TransferKind.unlock))
        coin_entitlements = session.scalar(select(func.count()).select_from(Entitlement).where(
            Entitlement.viewer_id == viewer, Entitlement.source == "coins"))
        ad_entitlements = session.scalar(select(func.count()).select_from(Entitlement).where(
            Entitlement.viewer_id == viewer, Entitlement.source == "ad"))
    assert refunds == 1
    assert charged_episodes == coin_entitlements
    assert ad_entitlements == 4
    # Both refunded packs took back every paid coin they sold; what had been spent is owed,
    # less whatever the late purchase (100 paid coins) settled or added.
    balance = ledger.Balance(0, 0)
    with rt.db.session() as session:
        balance = ledger.spendable_balance(session, viewer, now)
    assert balance.paid - debt(rt, viewer) == 100 - spent_paid
