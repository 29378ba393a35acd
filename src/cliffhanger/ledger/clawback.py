"""Coins that leave a wallet without being spent: clawbacks of refunded purchases (and the debt
they leave) and breakage of expired bonus coins. Built on the ledger's lots and locks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cliffhanger.kit.db import utcnow
from cliffhanger.ledger.models import AccountKind, CoinLot, LedgerAccount, TransferKind
from cliffhanger.ledger.service import (
    account,
    draw_lots,
    live_lots,
    lock_wallet,
    post_transfer,
    transfers_with_keys,
)


@dataclass(frozen=True)
class Clawback:
    paid_taken: int
    bonus_taken: int
    debt_added: int


def claw_back(
    session: Session,
    viewer_id: str,
    *,
    paid_coins: int,
    bonus_coins: int,
    key: str,
    order_id: str | None = None,
    prefer_lot_ids: tuple[str | None, str | None] = (None, None),
    now: datetime | None = None,
    memo: str = "",
) -> Clawback:
    """Take back coins of a refunded purchase. Idempotent on `key`.

    Paid coins come from the purchase's own lot first, then from other paid lots, oldest first;
    what the wallet cannot cover becomes debt. Bonus coins come back only from the purchase's own
    unexpired bonus lot (bonus coins already spent or expired are not owed).
    """
    now = now or utcnow()
    wallet = lock_wallet(session, viewer_id)
    keys = [f"{key}:paid", f"{key}:debt", f"{key}:bonus"]
    done = {t.idempotency_key: t.amount for t in transfers_with_keys(session, keys)}
    if done:
        return Clawback(done.get(keys[0], 0), done.get(keys[2], 0), done.get(keys[1], 0))
    paid_lot_id, bonus_lot_id = prefer_lot_ids
    paid_taken = bonus_taken = debt = 0
    if paid_coins > 0:
        lots = live_lots(session, [wallet.paid.id], now)
        lots.sort(key=lambda lot: (lot.id != paid_lot_id, lot.created_at, lot.id))
        sales = account(session, AccountKind.coin_sales)
        taken = draw_lots(
            session, lots, paid_coins, key=keys[0], kind=TransferKind.clawback,
            debit=wallet.paid, credit=sales, viewer_id=viewer_id, order_id=order_id, memo=memo,
            now=now,
        )
        paid_taken = taken.amount if taken else 0
        debt = paid_coins - paid_taken
        if debt > 0:
            post_transfer(
                session, key=keys[1], kind=TransferKind.debt, debit=wallet.debt, credit=sales,
                amount=debt, viewer_id=viewer_id, order_id=order_id, memo=f"owed; {memo}",
                now=now,
            )
    if bonus_coins > 0 and bonus_lot_id is not None:
        lots = [lot for lot in live_lots(session, [wallet.bonus.id], now)
                if lot.id == bonus_lot_id]
        taken = draw_lots(
            session, lots, bonus_coins, key=keys[2], kind=TransferKind.clawback,
            debit=wallet.bonus, credit=account(session, AccountKind.promotions),
            viewer_id=viewer_id, order_id=order_id, memo=memo, now=now,
        )
        bonus_taken = taken.amount if taken else 0
    session.flush()
    return Clawback(paid_taken, bonus_taken, debt)


def viewers_with_expired_lots(session: Session, now: datetime, limit: int = 500) -> list[str]:
    return list(
        session.scalars(
            select(LedgerAccount.owner_id)
            .join(CoinLot, CoinLot.account_id == LedgerAccount.id)
            .where(CoinLot.remaining > 0, CoinLot.expires_at.is_not(None),
                   CoinLot.expires_at <= now)
            .distinct()
            .limit(limit)
        )
    )


def expire_lots(session: Session, viewer_id: str, now: datetime | None = None) -> int:
    """Move the viewer's expired, unspent bonus coins to the breakage account; returns how many."""
    now = now or utcnow()
    wallet = lock_wallet(session, viewer_id)
    lots = session.scalars(
        select(CoinLot)
        .where(
            CoinLot.account_id == wallet.bonus.id, CoinLot.remaining > 0,
            CoinLot.expires_at.is_not(None), CoinLot.expires_at <= now,
        )
        .order_by(CoinLot.expires_at, CoinLot.id)
        .execution_options(populate_existing=True)
    ).all()
    breakage = account(session, AccountKind.breakage)
    total = 0
    for lot in lots:
        transfer = draw_lots(
            session, [lot], lot.remaining, key=f"expiry:{lot.id}", kind=TransferKind.expiry,
            debit=wallet.bonus, credit=breakage, viewer_id=viewer_id,
            memo="bonus coins expired", now=now,
        )
        total += transfer.amount if transfer else 0
    session.flush()
    return total
