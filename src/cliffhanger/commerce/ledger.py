"""The coin ledger: accounts, double-entry transfers, coin lots, and the replay that verifies them.

Rules kept here and nowhere else:
- every movement is a `Transfer` of a positive integer amount with a unique idempotency key;
- a viewer account never goes below zero: spending checks and draws down lots under a row lock;
- bonus lots are spent before paid lots, earliest expiry first; expired lots are never spent;
- cached viewer balances always equal a replay of the journal (`verify_ledger` proves it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from cliffhanger.commerce.models import (
    SYSTEM_OWNER,
    VIEWER_KINDS,
    AccountKind,
    CoinLot,
    Entitlement,
    EntitlementSource,
    LedgerAccount,
    LotDraw,
    LotKind,
    Transfer,
    TransferKind,
)
from cliffhanger.db import new_id, utcnow
from cliffhanger.errors import Conflict, InsufficientCoins, Invalid


def account(session: Session, kind: AccountKind, owner_id: str = SYSTEM_OWNER) -> LedgerAccount:
    """The account of `kind` for `owner_id`, created on first use (race-free on both databases)."""
    found = session.scalar(
        select(LedgerAccount).where(
            LedgerAccount.kind == kind, LedgerAccount.owner_id == owner_id,
            LedgerAccount.unit == "coin",
        )
    )
    if found is not None:
        return found
    values = {
        "id": new_id(), "kind": kind, "owner_id": owner_id, "unit": "coin",
        "balance": 0 if kind in VIEWER_KINDS else None, "created_at": utcnow(),
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(LedgerAccount).values(**values).on_conflict_do_nothing())
    created = session.scalar(
        select(LedgerAccount).where(
            LedgerAccount.kind == kind, LedgerAccount.owner_id == owner_id,
            LedgerAccount.unit == "coin",
        )
    )
    assert created is not None
    return created


def open_viewer_accounts(session: Session, viewer_id: str) -> None:
    account(session, AccountKind.viewer_paid, viewer_id)
    account(session, AccountKind.viewer_bonus, viewer_id)


def lock_viewer_accounts(session: Session, viewer_id: str) -> tuple[LedgerAccount, LedgerAccount]:
    """Lock the viewer's paid and bonus accounts for the rest of the transaction.

    PostgreSQL takes row locks (in a fixed order, so two spenders never deadlock); SQLite
    transactions already hold the database write lock from BEGIN IMMEDIATE.
    """
    open_viewer_accounts(session, viewer_id)
    rows = session.scalars(
        select(LedgerAccount)
        .where(LedgerAccount.owner_id == viewer_id, LedgerAccount.kind.in_(VIEWER_KINDS))
        .order_by(LedgerAccount.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    by_kind = {row.kind: row for row in rows}
    return by_kind[AccountKind.viewer_paid], by_kind[AccountKind.viewer_bonus]


def post_transfer(
    session: Session,
    *,
    key: str,
    kind: TransferKind,
    debit: LedgerAccount,
    credit: LedgerAccount,
    amount: int,
    viewer_id: str | None = None,
    episode_id: str | None = None,
    memo: str = "",
) -> Transfer:
    """Append one transfer and keep cached balances in step. Callers hold the needed locks."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise Invalid(f"A transfer amount must be a positive whole number, not {amount!r}.")
    if debit.id == credit.id:
        raise Invalid("A transfer needs two different accounts.")
    if debit.balance is not None:
        if debit.kind in VIEWER_KINDS and debit.balance < amount:
            raise InsufficientCoins("The account does not hold enough coins.")
        debit.balance -= amount
    if credit.balance is not None:
        credit.balance += amount
    transfer = Transfer(
        id=new_id(), idempotency_key=key, kind=kind, debit_account_id=debit.id,
        credit_account_id=credit.id, amount=amount, viewer_id=viewer_id, episode_id=episode_id,
        memo=memo[:200],
    )
    session.add(transfer)
    session.flush()
    return transfer


def grant_coins(
    session: Session,
    viewer_id: str,
    amount: int,
    *,
    lot_kind: LotKind,
    key: str,
    kind: TransferKind = TransferKind.grant,
    expires_at: datetime | None = None,
    memo: str = "",
) -> Transfer:
    """Credit coins to a viewer as a new lot. Idempotent on `key`."""
    existing = session.scalar(select(Transfer).where(Transfer.idempotency_key == key))
    if existing is not None:
        return existing
    if lot_kind is LotKind.paid and expires_at is not None:
        raise Invalid("Paid coins never expire.")
    paid, bonus = lock_viewer_accounts(session, viewer_id)
    source = account(
        session, AccountKind.coin_sales if lot_kind is LotKind.paid else AccountKind.promotions
    )
    target = paid if lot_kind is LotKind.paid else bonus
    transfer = post_transfer(
        session, key=key, kind=kind, debit=source, credit=target, amount=amount,
        viewer_id=viewer_id, memo=memo,
    )
    session.add(
        CoinLot(
            account_id=target.id, kind=lot_kind, amount=amount, remaining=amount,
            expires_at=expires_at, source_transfer_id=transfer.id,
        )
    )
    session.flush()
    return transfer


@dataclass(frozen=True)
class Balance:
    paid: int
    bonus: int

    @property
    def total(self) -> int:
        return self.paid + self.bonus


def spendable_balance(session: Session, viewer_id: str, now: datetime | None = None) -> Balance:
    """Coins the viewer can spend now: paid lots plus unexpired bonus lots."""
    now = now or utcnow()
    rows = session.execute(
        select(CoinLot.kind, func.coalesce(func.sum(CoinLot.remaining), 0))
        .join(LedgerAccount, LedgerAccount.id == CoinLot.account_id)
        .where(
            LedgerAccount.owner_id == viewer_id,
            CoinLot.remaining > 0,
            or_(CoinLot.expires_at.is_(None), CoinLot.expires_at > now),
        )
        .group_by(CoinLot.kind)
    ).all()
    totals = {kind: int(total) for kind, total in rows}
    return Balance(paid=totals.get(LotKind.paid, 0), bonus=totals.get(LotKind.bonus, 0))


def spend_coins(
    session: Session,
    viewer_id: str,
    amount: int,
    *,
    credit: LedgerAccount,
    key: str,
    kind: TransferKind,
    episode_id: str | None = None,
    now: datetime | None = None,
    memo: str = "",
) -> list[Transfer]:
    """Move `amount` coins from the viewer to `credit`: bonus lots first (earliest expiry first,
    expired ones never), then paid lots oldest first. Raises `InsufficientCoins` and moves nothing
    when the spendable balance is short. Callers must hold `lock_viewer_accounts`."""
    now = now or utcnow()
    paid_acc, bonus_acc = lock_viewer_accounts(session, viewer_id)
    lots = session.scalars(
        select(CoinLot)
        .where(
            CoinLot.account_id.in_([paid_acc.id, bonus_acc.id]),
            CoinLot.remaining > 0,
            or_(CoinLot.expires_at.is_(None), CoinLot.expires_at > now),
        )
        .execution_options(populate_existing=True)
    ).all()
    bonus_lots = sorted(
        (lot for lot in lots if lot.kind is LotKind.bonus),
        key=lambda lot: (lot.expires_at is None, lot.expires_at or now, lot.created_at, lot.id),
    )
    paid_lots = sorted(
        (lot for lot in lots if lot.kind is LotKind.paid), key=lambda lot: (lot.created_at, lot.id)
    )
    available = sum(lot.remaining for lot in lots)
    if available < amount:
        raise InsufficientCoins(
            f"This needs {amount} coins and the wallet holds {available}.",
            price_coins=amount, balance_coins=available,
        )
    transfers: list[Transfer] = []
    left = amount
    for part, part_lots, source in (
        ("bonus", bonus_lots, bonus_acc),
        ("paid", paid_lots, paid_acc),
    ):
        draws: list[tuple[CoinLot, int]] = []
        for lot in part_lots:
            if left == 0:
                break
            take = min(lot.remaining, left)
            draws.append((lot, take))
            left -= take
        part_amount = sum(take for _, take in draws)
        if part_amount == 0:
            continue
        transfer = post_transfer(
            session, key=f"{key}:{part}", kind=kind, debit=source, credit=credit,
            amount=part_amount, viewer_id=viewer_id, episode_id=episode_id, memo=memo,
        )
        for lot, take in draws:
            lot.remaining -= take
            session.add(LotDraw(lot_id=lot.id, transfer_id=transfer.id, amount=take))
        transfers.append(transfer)
    session.flush()
    return transfers


def account_balance(session: Session, account_id: str) -> int:
    """Balance of any account, replayed from the journal."""
    credits = session.scalar(
        select(func.coalesce(func.sum(Transfer.amount), 0)).where(
            Transfer.credit_account_id == account_id
        )
    )
    debits = session.scalar(
        select(func.coalesce(func.sum(Transfer.amount), 0)).where(
            Transfer.debit_account_id == account_id
        )
    )
    return int(credits or 0) - int(debits or 0)


def verify_ledger(session: Session) -> list[str]:
    """Replay the journal and check every invariant; returns the violations found (empty: sound)."""
    problems: list[str] = []
    accounts = {a.id: a for a in session.scalars(select(LedgerAccount))}
    replay: dict[str, int] = defaultdict(int)
    for t in session.scalars(select(Transfer)):
        if t.amount <= 0:
            problems.append(f"transfer {t.id} has a non-positive amount {t.amount}")
        for acc_id in (t.debit_account_id, t.credit_account_id):
            if acc_id not in accounts:
                problems.append(f"transfer {t.id} names unknown account {acc_id}")
            elif accounts[acc_id].unit != t.unit:
                problems.append(f"transfer {t.id} in {t.unit} touches a {accounts[acc_id].unit} account")
        replay[t.debit_account_id] -= t.amount
        replay[t.credit_account_id] += t.amount
    if sum(replay.values()) != 0:
        problems.append(f"total debits and credits differ by {sum(replay.values())}")
    lot_rows = list(session.scalars(select(CoinLot)))
    drawn: dict[str, int] = defaultdict(int)
    for lot_id, amount in session.execute(
        select(LotDraw.lot_id, func.sum(LotDraw.amount)).group_by(LotDraw.lot_id)
    ):
        drawn[lot_id] = int(amount)
    lot_remaining: dict[str, int] = defaultdict(int)
    for lot in lot_rows:
        if lot.remaining != lot.amount - drawn.get(lot.id, 0):
            problems.append(
                f"lot {lot.id}: remaining {lot.remaining} but amount {lot.amount} minus draws "
                f"{drawn.get(lot.id, 0)}"
            )
        lot_remaining[lot.account_id] += lot.remaining
    for acc in accounts.values():
        replayed = replay.get(acc.id, 0)
        if acc.balance is not None and acc.balance != replayed:
            problems.append(
                f"account {acc.kind}/{acc.owner_id}: cached balance {acc.balance} but the journal "
                f"says {replayed}"
            )
        if acc.kind in VIEWER_KINDS:
            if replayed < 0:
                problems.append(f"account {acc.kind}/{acc.owner_id} is negative: {replayed}")
            if lot_remaining.get(acc.id, 0) != replayed:
                problems.append(
                    f"account {acc.kind}/{acc.owner_id}: lots hold {lot_remaining.get(acc.id, 0)} "
                    f"but the journal says {replayed}"
                )
    # A viewer pays for an episode at most once: all coin transfers for one (viewer, episode)
    # must come from a single unlock request.
    paid_requests: dict[tuple[str, str], set[str]] = defaultdict(set)
    for viewer_id, episode_id, key in session.execute(
        select(Transfer.viewer_id, Transfer.episode_id, Transfer.idempotency_key).where(
            Transfer.kind == TransferKind.unlock
        )
    ):
        paid_requests[(viewer_id, episode_id)].add(key.rsplit(":", 1)[0])
    for (viewer_id, episode_id), keys in paid_requests.items():
        if len(keys) > 1:
            problems.append(f"viewer {viewer_id} paid for episode {episode_id} {len(keys)} times")
    coin_entitled = {
        (v, e)
        for v, e in session.execute(
            select(Entitlement.viewer_id, Entitlement.episode_id).where(
                Entitlement.source == EntitlementSource.coins
            )
        )
    }
    for pair in paid_requests:
        if pair not in coin_entitled:
            problems.append(f"viewer {pair[0]} paid for episode {pair[1]} without an entitlement")
    return problems


def require_unique_request(existing_episode_id: str, episode_id: str) -> None:
    if existing_episode_id != episode_id:
        raise Conflict(
            "This idempotency key was already used to unlock a different episode.",
            code="idempotency_key_reused",
        )
