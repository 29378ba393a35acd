"""The ledger on its own: lots, breakage, clawbacks, debt and settlement, and `verify` catching
each kind of corruption."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from tests.money import add_series, assert_sound, balance, buy, debt, new_viewer, refund

from cliffhanger.access import unlock as service
from cliffhanger.finance.verify import verify_ledger
from cliffhanger.kit.errors import InsufficientCoins, Invalid
from cliffhanger.ledger import service as ledger
from cliffhanger.ledger.models import (
    AccountKind,
    CoinLot,
    Entitlement,
    LedgerAccount,
    LotKind,
    Transfer,
    TransferKind,
)
from cliffhanger.orders import maintenance


def test_expired_bonus_leaves_through_breakage_and_is_never_spent(rt, clock):
    _org, _series, eps = add_series(rt, price=60)
    viewer = new_viewer(rt, paid=10, bonus=100, bonus_expires=clock.now + timedelta(days=1))
    assert balance(rt, viewer, clock.now).total == 110
    later = clock.advance(days=2)
    assert balance(rt, viewer, later).total == 10  # expired coins are not spendable...
    with rt.db.session() as session, pytest.raises(InsufficientCoins):
        service.unlock_with_coins(session, viewer, eps[3], "after-expiry", now=later)
    assert maintenance.expire_bonus_coins(rt, later) == 100  # ...and leave through breakage
    assert maintenance.expire_bonus_coins(rt, later) == 0
    with rt.db.session() as session:
        breakage = ledger.account(session, AccountKind.breakage)
        assert ledger.account_balance(session, breakage.id) >= 100
        _paid, bonus = ledger.lock_viewer_accounts(session, viewer)
        assert bonus.balance == 0
    assert_sound(rt)


def test_refund_larger_than_balance_leaves_debt_that_the_next_purchase_settles(rt, clock):
    _org, _series, eps = add_series(rt, episodes=20, free=0, price=100)
    viewer = new_viewer(rt)
    order = buy(rt, viewer, "coins-500", now=clock.now)  # 500 paid + 50 bonus
    for n in range(4):  # spend 400: the 50 bonus first, then 350 paid
        with rt.db.session() as session:
            service.unlock_with_coins(session, viewer, eps[n], f"spend-{n}-xxxx", now=clock.now)
    assert (balance(rt, viewer, clock.now).paid, balance(rt, viewer, clock.now).bonus) == (150, 0)
    refund(rt, order, now=clock.now)
    assert balance(rt, viewer, clock.now).total == 0
    assert debt(rt, viewer) == 350
    assert_sound(rt)
    buy(rt, viewer, "coins-100", now=clock.now)  # 100 paid coins all go to the debt
    assert (balance(rt, viewer, clock.now).total, debt(rt, viewer)) == (0, 250)
    buy(rt, viewer, "coins-1000", now=clock.now)  # 1000 paid: 250 settle, 750 + 200 bonus land
    assert debt(rt, viewer) == 0
    assert (balance(rt, viewer, clock.now).paid, balance(rt, viewer, clock.now).bonus) == (750, 200)
    assert_sound(rt)


def test_partial_refund_takes_back_a_proportional_share(rt, clock):
    viewer = new_viewer(rt)
    order = buy(rt, viewer, "coins-1000", now=clock.now)  # 999 USD cents: 1000 + 200 bonus
    refund(rt, order, 333, now=clock.now)  # a third
    b = balance(rt, viewer, clock.now)
    assert (b.paid, b.bonus) == (1000 - 334, 200 - 67)  # rounded up against the viewer
    refund(rt, order, now=clock.now)  # the rest
    b = balance(rt, viewer, clock.now)
    assert (b.paid, b.bonus, debt(rt, viewer)) == (0, 0, 0)
    assert "nothing left" in (refund(rt, order, now=clock.now) or "")
    assert_sound(rt)


def test_bonus_already_spent_is_not_owed_after_a_refund(rt, clock):
    _org, _series, eps = add_series(rt, episodes=4, free=0, price=50)
    viewer = new_viewer(rt)
    order = buy(rt, viewer, "coins-500", now=clock.now)
    with rt.db.session() as session:
        service.unlock_with_coins(session, viewer, eps[0], "bonus-spend-1", now=clock.now)
    refund(rt, order, now=clock.now)
    assert (balance(rt, viewer, clock.now).total, debt(rt, viewer)) == (0, 0)
    assert_sound(rt)


def test_grant_is_idempotent_and_amounts_are_checked(rt):
    viewer = new_viewer(rt)
    with rt.db.session() as session:
        first = ledger.grant_coins(session, viewer, 40, lot_kind=LotKind.paid, key="g-1")
        again = ledger.grant_coins(session, viewer, 40, lot_kind=LotKind.paid, key="g-1")
        assert [t.id for t in first] == [t.id for t in again]
        with pytest.raises(Invalid):
            ledger.grant_coins(session, viewer, 0, lot_kind=LotKind.paid, key="g-zero")
        with pytest.raises(Invalid):
            ledger.grant_coins(session, viewer, 5, lot_kind=LotKind.paid, key="g-exp",
                               expires_at=ledger.utcnow())
    assert balance(rt, viewer).total == 40
    assert_sound(rt)


# ----- verify catches corruption -----------------------------------------------------------------


def _corrupt(rt, statement) -> list[str]:
    with rt.db.session() as session:
        session.execute(statement)
    with rt.db.session() as session:
        return verify_ledger(session)


def test_verify_detects_a_lot_that_disagrees_with_the_journal(rt):
    viewer = new_viewer(rt, paid=100)
    problems = _corrupt(rt, update(CoinLot).values(remaining=CoinLot.remaining - 5))
    assert any("lots hold" in p or "minus draws" in p for p in problems), problems
    del viewer


def test_verify_detects_a_spent_expired_lot_and_a_double_payment(rt, clock):
    _org, _series, eps = add_series(rt, episodes=4, free=0, price=30)
    viewer = new_viewer(rt, bonus=100, bonus_expires=clock.now + timedelta(days=1))
    with rt.db.session() as session:
        service.unlock_with_coins(session, viewer, eps[0], "ok-unlock-1", now=clock.now)
    assert_sound(rt)
    # Pretend the lot had expired before the unlock spent it.
    problems = _corrupt(rt, update(CoinLot).values(expires_at=clock.now - timedelta(days=1)))
    assert any("after the lot expired" in p for p in problems), problems
    with rt.db.session() as session:
        t = session.scalar(select(Transfer).where(Transfer.kind == TransferKind.unlock))
        assert t is not None
        session.add(Transfer(idempotency_key="unlock:forged:again:bonus", kind=TransferKind.unlock,
                             debit_account_id=t.debit_account_id,
                             credit_account_id=t.credit_account_id, amount=1,
                             viewer_id=viewer, episode_id=t.episode_id))
    with rt.db.session() as session:
        problems = verify_ledger(session)
    assert any("paid for episode" in p and "2 times" in p for p in problems), problems


def test_verify_detects_an_entitlement_less_payment_and_a_positive_debt(rt):
    _org, _series, eps = add_series(rt, episodes=4, free=0, price=30)
    viewer = new_viewer(rt, paid=100)
    with rt.db.session() as session:
        service.unlock_with_coins(session, viewer, eps[0], "ok-unlock-2")
    problems = _corrupt(rt, Entitlement.__table__.delete())
    assert any("without an entitlement" in p for p in problems), problems
    problems = _corrupt(rt, update(LedgerAccount).where(
        LedgerAccount.kind == AccountKind.viewer_debt).values(balance=5))
    assert any("cached balance" in p for p in problems), problems
