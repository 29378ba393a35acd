"""Unlocks under concurrency: one short wallet, many simultaneous spenders, never overspent."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import func, select

from cliffhanger.access import unlock as service
from cliffhanger.accounts import service as accounts
from cliffhanger.catalog import service as catalog
from cliffhanger.catalog.models import Episode, EpisodeStatus
from cliffhanger.finance.verify import verify_ledger
from cliffhanger.kit.errors import InsufficientCoins
from cliffhanger.kit.runtime import Runtime
from cliffhanger.ledger import service as ledger
from cliffhanger.ledger.models import Entitlement, LotKind, Transfer


def _ready_series(rt: Runtime, episodes: int, price: int) -> list[str]:
    """Ready episode rows (the ledger does not care how they were packaged)."""
    with rt.db.session() as session:
        org, _key = accounts.create_organisation(session, "Concurrency Studio")
        series = catalog.create_series(session, org, title="Race", free_episodes=0,
                                       price_coins=price)
        ids = []
        for n in range(1, episodes + 1):
            ep = Episode(series_id=series.id, number=n, title=f"E{n}", status=EpisodeStatus.ready,
                         master_key="masters/x", master_sha256="0" * 64, width=360, height=640,
                         duration_s=30.0, hls_prefix=f"hls/x/{n}")
            session.add(ep)
            session.flush()
            ids.append(ep.id)
    return ids


def _viewer_with(rt: Runtime, paid: int, bonus: int = 0) -> str:
    with rt.db.session() as session:
        viewer, _ = accounts.create_viewer(session, rt.settings.signing_key)
        ledger.open_viewer_accounts(session, viewer.id)
        if paid:
            ledger.grant_coins(session, viewer.id, paid, lot_kind=LotKind.paid,
                               key=f"g:{viewer.id}:p")
        if bonus:
            ledger.grant_coins(session, viewer.id, bonus, lot_kind=LotKind.bonus,
                               key=f"g:{viewer.id}:b")
    return viewer.id


def _race(
    rt: Runtime, viewer_id: str, jobs: list[tuple[str, str]]
) -> tuple[int, int, list[BaseException]]:
    barrier = threading.Barrier(len(jobs))
    ok = short = 0
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(episode_id: str, key: str) -> None:
        nonlocal ok, short
        barrier.wait()
        try:
            with rt.db.session() as session:
                result = service.unlock_with_coins(session, viewer_id, episode_id, key)
            with lock:
                ok += int(result.created)
        except InsufficientCoins:
            with lock:
                short += 1
        except BaseException as exc:  # collected and asserted on below
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=run, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return ok, short, errors


def test_32_concurrent_unlocks_never_overspend_one_short_wallet(rt):
    """32 different episodes at 60 coins against a 500-coin wallet: exactly 8 succeed."""
    ids = _ready_series(rt, 32, 60)
    viewer = _viewer_with(rt, paid=400, bonus=100)
    ok, short, errors = _race(rt, viewer, [(ep, f"k-{uuid.uuid4().hex}") for ep in ids])
    assert errors == []
    assert (ok, short) == (8, 24)
    with rt.db.session() as session:
        assert ledger.spendable_balance(session, viewer).total == 20
        assert session.scalar(select(func.count(Entitlement.id))) == 8
        assert verify_ledger(session) == []


def test_32_concurrent_retries_of_one_unlock_charge_once(rt):
    ids = _ready_series(rt, 1, 60)
    viewer = _viewer_with(rt, paid=1000)
    key = f"same-{uuid.uuid4().hex}"
    ok, short, errors = _race(rt, viewer, [(ids[0], key)] * 32)
    assert errors == [] and short == 0 and ok == 1
    with rt.db.session() as session:
        assert ledger.spendable_balance(session, viewer).total == 940
        charged = select(func.count(Transfer.id)).where(Transfer.episode_id == ids[0])
        assert session.scalar(charged) == 1
        assert verify_ledger(session) == []


def test_bonus_coins_are_spent_first_and_expired_ones_never(rt):
    from datetime import timedelta

    from cliffhanger.kit.db import utcnow

    ids = _ready_series(rt, 3, 60)
    with rt.db.session() as session:
        viewer, _ = accounts.create_viewer(session, rt.settings.signing_key)
        ledger.grant_coins(session, viewer.id, 50, lot_kind=LotKind.paid, key="p1")
        ledger.grant_coins(session, viewer.id, 30, lot_kind=LotKind.bonus, key="b-late",
                           expires_at=utcnow() + timedelta(days=9))
        ledger.grant_coins(session, viewer.id, 20, lot_kind=LotKind.bonus, key="b-soon",
                           expires_at=utcnow() + timedelta(days=1))
        ledger.grant_coins(session, viewer.id, 500, lot_kind=LotKind.bonus, key="b-gone",
                           expires_at=utcnow() - timedelta(seconds=1))
        vid = viewer.id
    with rt.db.session() as session:
        assert ledger.spendable_balance(session, vid).total == 100
        service.unlock_with_coins(session, vid, ids[0], "first-unlock")
    with rt.db.session() as session:
        bal = ledger.spendable_balance(session, vid)
        # 60 = 20 (soonest bonus) + 30 (later bonus) + 10 paid.
        assert (bal.bonus, bal.paid) == (0, 40)
        with pytest.raises(InsufficientCoins):
            service.unlock_with_coins(session, vid, ids[1], "second-unlock")
    with rt.db.session() as session:
        assert verify_ledger(session) == []


def test_verify_ledger_detects_a_tampered_balance(rt):
    viewer = _viewer_with(rt, paid=100)
    with rt.db.session() as session:
        assert verify_ledger(session) == []
        paid, _bonus = ledger.lock_viewer_accounts(session, viewer)
        paid.balance = 1_000_000
    with rt.db.session() as session:
        problems = verify_ledger(session)
    assert any("cached balance" in p for p in problems)
