"""The viewer's wallet as they see it: balances, debt, coins about to expire, and history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cliffhanger.ledger import service as ledger
from cliffhanger.ledger.models import (
    VIEWER_KINDS,
    AccountKind,
    CoinLot,
    LedgerAccount,
    LotKind,
    Transfer,
    TransferKind,
)


@dataclass(frozen=True)
class Entry:
    id: str
    kind: str
    coins: int
    debt_coins: int
    memo: str
    episode_id: str | None
    order_id: str | None
    created_at: datetime


def history(session: Session, viewer_id: str, limit: int = 50) -> list[Entry]:
    """Newest first; the bonus and paid halves of one unlock are one entry."""
    kinds = {
        a.id: a.kind for a in session.scalars(
            select(LedgerAccount).where(LedgerAccount.owner_id == viewer_id)
        )
    }
    rows = session.scalars(
        select(Transfer).where(Transfer.viewer_id == viewer_id)
        .order_by(Transfer.created_at.desc(), Transfer.id.desc()).limit(limit * 2)
    ).all()
    entries: dict[str, Entry] = {}
    for t in rows:
        coins = debt = 0
        debit, credit = kinds.get(t.debit_account_id), kinds.get(t.credit_account_id)
        if credit in VIEWER_KINDS:
            coins += t.amount
        if debit in VIEWER_KINDS:
            coins -= t.amount
        if debit is AccountKind.viewer_debt:
            debt += t.amount
        if credit is AccountKind.viewer_debt:
            debt -= t.amount
        if coins == 0 and debt == 0:
            continue  # money movements of orders: shown in the order list instead
        group = t.idempotency_key.rsplit(":", 1)[0] if t.kind is TransferKind.unlock else t.id
        seen = entries.get(group)
        if seen is None:
            entries[group] = Entry(group, str(t.kind), coins, debt, t.memo, t.episode_id,
                                   t.order_id, t.created_at)
        else:
            entries[group] = Entry(group, seen.kind, seen.coins + coins, seen.debt_coins + debt,
                                   seen.memo, seen.episode_id, seen.order_id, seen.created_at)
    return list(entries.values())[:limit]


def expiring(
    session: Session, viewer_id: str, now: datetime, limit: int = 5
) -> list[tuple[int, datetime]]:
    rows = session.execute(
        select(CoinLot.remaining, CoinLot.expires_at)
        .join(LedgerAccount, LedgerAccount.id == CoinLot.account_id)
        .where(LedgerAccount.owner_id == viewer_id, CoinLot.kind == LotKind.bonus,
               CoinLot.remaining > 0, CoinLot.expires_at.is_not(None), CoinLot.expires_at > now)
        .order_by(CoinLot.expires_at).limit(limit)
    ).all()
    return [(int(r), e) for r, e in rows if e is not None]


def balances(session: Session, viewer_id: str, now: datetime) -> tuple[ledger.Balance, int]:
    return ledger.spendable_balance(session, viewer_id, now), ledger.debt_coins(session, viewer_id)
