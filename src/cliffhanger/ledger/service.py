"""The coin ledger: accounts, double-entry transfers, coin lots, debt, and the replay that verifies
them (`commerce.verify`).

Rules kept here and nowhere else:
- every movement is a `Transfer` of a positive integer amount with a unique idempotency key;
- a spendable viewer account never goes below zero: spending checks and draws down lots under a
  row lock; a debit that would overdraw it raises `InsufficientCoins` and moves nothing;
- bonus lots are spent before paid lots, earliest expiry first; expired lots are never spent, and
  `expire_lots` moves them to the breakage account;
- a refund larger than the paid balance leaves the rest on the viewer's debt account (never
  above zero), and paid coins of later purchases settle that debt before reaching the wallet
  (clawbacks and breakage are in `commerce.clawback`);
- cached viewer balances always equal a replay of the journal (`verify_ledger` proves it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import (
    Table,
    TextClause,
    bindparam,
    event,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from cliffhanger.kit.db import UTCDateTime, insert_ignore, new_id, utcnow
from cliffhanger.kit.errors import Conflict, InsufficientCoins, Invalid
from cliffhanger.ledger.models import (
    SYSTEM_OWNER,
    VIEWER_KINDS,
    WALLET_KINDS,
    AccountKind,
    CoinLot,
    LedgerAccount,
    LotDraw,
    LotKind,
    Transfer,
    TransferKind,
)

COIN = "coin"


def _find(session: Session, kind: AccountKind, owner_id: str, unit: str) -> LedgerAccount | None:
    return session.scalar(
        select(LedgerAccount).where(
            LedgerAccount.kind == kind, LedgerAccount.owner_id == owner_id,
            LedgerAccount.unit == unit,
        )
    )


def account(
    session: Session, kind: AccountKind, owner_id: str = SYSTEM_OWNER, unit: str = COIN
) -> LedgerAccount:
    """The account of `kind` for `owner_id` in `unit`, created on first use (race-free)."""
    found = _find(session, kind, owner_id, unit)
    if found is not None:
        return found
    values = {
        "id": new_id(), "kind": kind, "owner_id": owner_id, "unit": unit,
        "balance": 0 if kind in WALLET_KINDS else None, "created_at": utcnow(),
    }
    session.execute(insert_ignore(session)(LedgerAccount).values(**values).on_conflict_do_nothing())
    created = _find(session, kind, owner_id, unit)
    assert created is not None
    return created


_ACCOUNT_IDS: WeakKeyDictionary[object, dict[tuple[str, str, str], str]] = WeakKeyDictionary()
_PENDING_IDS = "cliffhanger.account_ids"


def account_id(
    session: Session, kind: AccountKind, owner_id: str = SYSTEM_OWNER, unit: str = COIN
) -> str:
    """The id of an account, cached per database once its row is committed (accounts are never
    deleted), so hot paths that only credit an account (revenue) do not read it every time."""
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    key = (str(kind), owner_id, unit)
    found = _ACCOUNT_IDS.get(engine, {}).get(key)
    if found is None:
        found = account(session, kind, owner_id, unit).id
        session.info.setdefault(_PENDING_IDS, []).append((engine, key, found))
    return found


@event.listens_for(Session, "after_commit")
def _remember_account_ids(session: Session) -> None:
    for engine, key, value in session.info.pop(_PENDING_IDS, []):
        _ACCOUNT_IDS.setdefault(engine, {})[key] = value


@event.listens_for(Session, "after_soft_rollback")
def _forget_account_ids(session: Session, _previous: object) -> None:
    session.info.pop(_PENDING_IDS, None)


def open_viewer_accounts(session: Session, viewer_id: str) -> None:
    """A viewer's three wallet accounts (paid, bonus, debt) at zero, in one statement; those that
    exist already are left as they are (race-free, as `account`). Every new viewer comes through
    here, on the path of a deep link's first answer."""
    now = utcnow()
    rows = [
        {"id": new_id(), "kind": kind, "owner_id": viewer_id, "unit": COIN, "balance": 0,
         "created_at": now}
        for kind in (AccountKind.viewer_paid, AccountKind.viewer_bonus, AccountKind.viewer_debt)
    ]
    session.execute(insert_ignore(session)(LedgerAccount).values(rows).on_conflict_do_nothing())


@dataclass(frozen=True)
class WalletAccounts:
    paid: LedgerAccount
    bonus: LedgerAccount
    debt: LedgerAccount


# Statements of the hot paths, built once (building SQL expressions costs more CPU than running
# them on a fast database).
_LOCK_WALLET = (
    select(LedgerAccount)
    .where(LedgerAccount.owner_id == bindparam("owner"), LedgerAccount.kind.in_(WALLET_KINDS))
    .order_by(LedgerAccount.id)
    .with_for_update()
    .execution_options(populate_existing=True)
)
_LIVE_LOTS = select(
    CoinLot.id, CoinLot.kind, CoinLot.remaining, CoinLot.expires_at, CoinLot.created_at
).where(
    CoinLot.account_id.in_(bindparam("accounts", expanding=True)),
    CoinLot.remaining > 0,
    or_(CoinLot.expires_at.is_(None), CoinLot.expires_at > bindparam("now")),
)
_LOTS_TABLE: Table = CoinLot.__table__  # type: ignore[assignment]
_TRANSFERS_TABLE: Table = Transfer.__table__  # type: ignore[assignment]
_INSERT_TRANSFERS = insert(_TRANSFERS_TABLE)
_INSERT_DRAWS = insert(LotDraw.__table__)  # type: ignore[arg-type]
_DRAW_LOTS = (
    update(_LOTS_TABLE).where(_LOTS_TABLE.c.id == bindparam("lot"))
    .values(remaining=_LOTS_TABLE.c.remaining - bindparam("take"))
)


def lock_wallet(session: Session, viewer_id: str) -> WalletAccounts:
    """Lock the viewer's paid, bonus and debt accounts for the rest of the transaction.

    PostgreSQL takes row locks (in a fixed order, so two lockers never deadlock); SQLite
    transactions already hold the database write lock from BEGIN IMMEDIATE. Every flow that
    changes what a viewer owns or may watch takes this lock first, so it is also the one mutex
    that serialises a viewer's unlocks, ad rewards, orders and refunds.
    """

    def locked() -> dict[AccountKind, LedgerAccount]:
        rows = session.scalars(_LOCK_WALLET, {"owner": viewer_id}).all()
        return {row.kind: row for row in rows}

    by_kind = locked()
    if len(by_kind) < len(WALLET_KINDS):
        open_viewer_accounts(session, viewer_id)
        by_kind = locked()
    return WalletAccounts(
        by_kind[AccountKind.viewer_paid], by_kind[AccountKind.viewer_bonus],
        by_kind[AccountKind.viewer_debt],
    )


def lock_viewer_accounts(session: Session, viewer_id: str) -> tuple[LedgerAccount, LedgerAccount]:
    """`lock_wallet`, returning the two spendable accounts (paid, bonus)."""
    wallet = lock_wallet(session, viewer_id)
    return wallet.paid, wallet.bonus


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
    order_id: str | None = None,
    memo: str = "",
    now: datetime | None = None,
) -> Transfer:
    """Append one transfer and keep cached balances in step. Callers hold the needed locks."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise Invalid(f"A transfer amount must be a positive whole number, not {amount!r}.")
    if debit.id == credit.id:
        raise Invalid("A transfer needs two different accounts.")
    if debit.unit != credit.unit:
        raise Invalid(f"A transfer cannot move {debit.unit} into a {credit.unit} account.")
    if debit.balance is not None:
        if debit.kind in VIEWER_KINDS and debit.balance < amount:
            raise InsufficientCoins("The account does not hold enough coins.")
        debit.balance -= amount
    if credit.balance is not None:
        if credit.kind is AccountKind.viewer_debt and credit.balance + amount > 0:
            raise Invalid("A settlement cannot exceed the debt.")
        credit.balance += amount
    transfer = Transfer(
        id=new_id(), idempotency_key=key, kind=kind, debit_account_id=debit.id,
        credit_account_id=credit.id, amount=amount, unit=debit.unit, viewer_id=viewer_id,
        episode_id=episode_id, order_id=order_id, memo=memo[:200], created_at=now or utcnow(),
    )
    session.add(transfer)
    session.flush()
    return transfer


def transfers_with_keys(session: Session, keys: list[str]) -> list[Transfer]:
    return list(session.scalars(select(Transfer).where(Transfer.idempotency_key.in_(keys))))


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
    order_id: str | None = None,
    now: datetime | None = None,
) -> list[Transfer]:
    """Credit coins to a viewer as a new lot. Idempotent on `key`.

    Paid coins settle the viewer's debt first (`<key>:settle`); only the rest becomes a lot.
    """
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise Invalid(f"A grant must be a positive whole number of coins, not {amount!r}.")
    if lot_kind is LotKind.paid and expires_at is not None:
        raise Invalid("Paid coins never expire.")
    wallet = lock_wallet(session, viewer_id)
    existing = transfers_with_keys(session, [key, f"{key}:settle"])
    if existing:
        return existing
    now = now or utcnow()
    out: list[Transfer] = []
    if lot_kind is LotKind.paid:
        source = account(session, AccountKind.coin_sales)
        owed = -(wallet.debt.balance or 0)
        settle = min(owed, amount)
        if settle > 0:
            out.append(post_transfer(
                session, key=f"{key}:settle", kind=TransferKind.settlement, debit=source,
                credit=wallet.debt, amount=settle, viewer_id=viewer_id, order_id=order_id,
                memo=f"settles debt; {memo}", now=now,
            ))
            amount -= settle
        target = wallet.paid
    else:
        source = account(session, AccountKind.promotions)
        target = wallet.bonus
    if amount > 0:
        transfer = post_transfer(
            session, key=key, kind=kind, debit=source, credit=target, amount=amount,
            viewer_id=viewer_id, order_id=order_id, memo=memo, now=now,
        )
        session.add(
            CoinLot(
                account_id=target.id, kind=lot_kind, amount=amount, remaining=amount,
                expires_at=expires_at, source_transfer_id=transfer.id, created_at=now,
            )
        )
        out.append(transfer)
    session.flush()
    return out


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


def debt_coins(session: Session, viewer_id: str) -> int:
    """Coins the viewer owes (0 when none)."""
    balance = session.scalar(
        select(LedgerAccount.balance).where(
            LedgerAccount.owner_id == viewer_id, LedgerAccount.kind == AccountKind.viewer_debt
        )
    )
    return -int(balance or 0)


def live_lots(session: Session, account_ids: list[str], now: datetime) -> list[CoinLot]:
    return list(
        session.scalars(
            select(CoinLot)
            .where(
                CoinLot.account_id.in_(account_ids),
                CoinLot.remaining > 0,
                or_(CoinLot.expires_at.is_(None), CoinLot.expires_at > now),
            )
            .execution_options(populate_existing=True)
        ).all()
    )


def draw_lots(
    session: Session, lots: list[CoinLot], amount: int, *, key: str, kind: TransferKind,
    debit: LedgerAccount, credit: LedgerAccount, viewer_id: str, now: datetime,
    episode_id: str | None = None, order_id: str | None = None, memo: str = "",
) -> Transfer | None:
    """One transfer of up to `amount` coins drawn from `lots` in the given order."""
    draws: list[tuple[CoinLot, int]] = []
    left = amount
    for lot in lots:
        if left == 0:
            break
        take = min(lot.remaining, left)
        if take > 0:
            draws.append((lot, take))
            left -= take
    total = amount - left
    if total == 0:
        return None
    transfer = post_transfer(
        session, key=key, kind=kind, debit=debit, credit=credit, amount=total,
        viewer_id=viewer_id, episode_id=episode_id, order_id=order_id, memo=memo, now=now,
    )
    for lot, take in draws:
        lot.remaining -= take
        session.add(LotDraw(lot_id=lot.id, transfer_id=transfer.id, amount=take))
    return transfer


@dataclass(frozen=True)
class LiveLot:
    """A spendable lot as the hot path reads it (a row, not an object)."""

    id: str
    kind: LotKind
    remaining: int
    expires_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class LockedWallet:
    """`lock_wallet` as rows: the spendable accounts' ids and balances, for Core writes."""

    paid_id: str
    paid_balance: int
    bonus_id: str
    bonus_balance: int


@dataclass(frozen=True)
class Spent:
    transfer_ids: list[str]
    balance_after: Balance


_LOCK_WALLET_ROWS = (
    select(LedgerAccount.id, LedgerAccount.kind, LedgerAccount.balance)
    .where(LedgerAccount.owner_id == bindparam("owner"), LedgerAccount.kind.in_(WALLET_KINDS))
    .order_by(LedgerAccount.id)
    .with_for_update()
)
_ACCOUNTS_TABLE: Table = LedgerAccount.__table__  # type: ignore[assignment]
_DEBIT_BALANCES = (
    update(_ACCOUNTS_TABLE).where(_ACCOUNTS_TABLE.c.id == bindparam("account"))
    .values(balance=_ACCOUNTS_TABLE.c.balance - bindparam("take"))
)


def lock_wallet_rows(session: Session, viewer_id: str) -> LockedWallet:
    """`lock_wallet` without loading the accounts as objects: the same three rows, locked in the
    same order, read as plain values (the unlock path writes balances with Core statements)."""
    session.flush()  # pending changes to these rows go first; the writes below bypass the ORM
    rows = session.connection().execute(_LOCK_WALLET_ROWS, {"owner": viewer_id}).all()
    if len(rows) < len(WALLET_KINDS):
        open_viewer_accounts(session, viewer_id)
        rows = session.connection().execute(_LOCK_WALLET_ROWS, {"owner": viewer_id}).all()
    return locked_wallet(rows)


def locked_wallet(rows: Sequence[Any]) -> LockedWallet:
    """`LockedWallet` of the locked wallet rows, each starting with (id, kind, balance)."""
    by_kind = {row[1]: (row[0], int(row[2] or 0)) for row in rows}
    paid, bonus = by_kind[AccountKind.viewer_paid], by_kind[AccountKind.viewer_bonus]
    return LockedWallet(paid[0], paid[1], bonus[0], bonus[1])


def _expire_loaded(session: Session, model: type, ids: list[str], attribute: str) -> None:
    """Objects of these rows loaded earlier in the session re-read `attribute` on next access
    (it was just changed with a Core statement)."""
    if not len(session.identity_map):
        return
    for id_ in ids:
        obj = session.identity_map.get(identity_key(model, id_))
        if obj is not None:
            session.expire(obj, [attribute])


def spend_lots(
    session: Session,
    viewer_id: str,
    wallet: LockedWallet,
    lots: list[LiveLot],
    amount: int,
    *,
    credit_id: str,
    key: str,
    kind: TransferKind,
    now: datetime,
    episode_id: str | None = None,
    memo: str = "",
    then_insert: tuple[Table, dict[str, Any]] | None = None,
) -> Spent:
    """Move `amount` coins from the locked `wallet` to `credit_id`, drawing the live `lots` (all
    of the wallet's spendable lots, read after the lock): bonus lots first (earliest expiry first,
    expired ones never), then paid lots oldest first. Raises `InsufficientCoins` and moves nothing
    when they hold too little. `then_insert` is one more row the caller writes with the spend
    (the unlock's entitlement).

    The hot path of every unlock. The writes (transfers, lot draws, lot remainders, wallet
    balances, `then_insert`) are one statement on PostgreSQL (data-modifying CTEs over arrays,
    the same text every time, so it is prepared once) and five prepared Core statements on
    SQLite, where a statement costs no round trip."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise Invalid(f"A spend must be a positive whole number of coins, not {amount!r}.")
    available = sum(lot.remaining for lot in lots)
    if available < amount:
        raise InsufficientCoins(
            f"This needs {amount} coins and the wallet holds {available}.",
            price_coins=amount, balance_coins=available,
        )
    bonus_lots = sorted((lot for lot in lots if lot.kind is LotKind.bonus),
                        key=lambda lot: (lot.expires_at is None, lot.expires_at or now,
                                         lot.created_at, lot.id))
    paid_lots = sorted((lot for lot in lots if lot.kind is LotKind.paid),
                       key=lambda lot: (lot.created_at, lot.id))
    t_ids: list[str] = []
    t_debits: list[str] = []
    t_amounts: list[int] = []
    d_lots: list[str] = []
    d_transfers: list[str] = []
    d_amounts: list[int] = []
    left = amount
    for part_lots, source, balance in (
        (bonus_lots, wallet.bonus_id, wallet.bonus_balance),
        (paid_lots, wallet.paid_id, wallet.paid_balance),
    ):
        transfer_id, part_amount = new_id(), 0
        for lot in part_lots:
            take = min(lot.remaining, left - part_amount)
            if take <= 0:
                break
            part_amount += take
            d_lots.append(lot.id)
            d_transfers.append(transfer_id)
            d_amounts.append(take)
        if part_amount == 0:
            continue
        # The cached balance is the sum of the lots (verified invariant); never overdraw it.
        assert balance >= part_amount, "cached balance below its lots"
        left -= part_amount
        t_ids.append(transfer_id)
        t_debits.append(source)
        t_amounts.append(part_amount)
    assert left == 0
    t_keys = [f"{key}:{'bonus' if debit == wallet.bonus_id else 'paid'}" for debit in t_debits]
    d_ids = [new_id() for _ in d_lots]
    conn = session.connection()  # Core rows: no need for the ORM execution layer
    if conn.dialect.name == "postgresql":
        params: dict[str, Any] = {
            "t_id": t_ids, "t_key": t_keys, "t_debit": t_debits, "t_amount": t_amounts,
            "d_id": d_ids, "d_lot": d_lots, "d_transfer": d_transfers, "d_amount": d_amounts,
            "kind": kind, "credit": credit_id, "unit": COIN, "viewer": viewer_id,
            "episode": episode_id, "memo": memo[:200], "now": now,
        }
        if then_insert is not None:
            params.update({f"then_{k}": v for k, v in then_insert[1].items()})
        conn.execute(_pg_spend(then_insert), params)
    else:
        conn.execute(_INSERT_TRANSFERS, [
            {"id": t_id, "idempotency_key": t_key, "kind": kind, "debit_account_id": debit,
             "credit_account_id": credit_id, "amount": part, "unit": COIN,
             "viewer_id": viewer_id, "episode_id": episode_id, "order_id": None,
             "memo": memo[:200], "created_at": now}
            for t_id, t_key, debit, part in zip(t_ids, t_keys, t_debits, t_amounts, strict=True)
        ])
        conn.execute(_INSERT_DRAWS, [
            {"id": d_id, "lot_id": lot, "transfer_id": transfer, "amount": take}
            for d_id, lot, transfer, take in zip(d_ids, d_lots, d_transfers, d_amounts,
                                                 strict=True)
        ])
        conn.execute(_DRAW_LOTS, [
            {"lot": lot, "take": take} for lot, take in zip(d_lots, d_amounts, strict=True)
        ])
        conn.execute(_DEBIT_BALANCES, [
            {"account": debit, "take": part}
            for debit, part in zip(t_debits, t_amounts, strict=True)
        ])
        if then_insert is not None:
            conn.execute(insert(then_insert[0]), then_insert[1])
    _expire_loaded(session, LedgerAccount, t_debits, "balance")
    _expire_loaded(session, CoinLot, d_lots, "remaining")
    spent_bonus = sum(part for debit, part in zip(t_debits, t_amounts, strict=True)
                      if debit == wallet.bonus_id)
    live_bonus = sum(lot.remaining for lot in bonus_lots) - spent_bonus
    live_paid = sum(lot.remaining for lot in paid_lots) - (amount - spent_bonus)
    return Spent(t_ids, Balance(paid=live_paid, bonus=live_bonus))


_PG_SPEND_SQL = """\
WITH t AS (
  INSERT INTO transfer (id, idempotency_key, kind, debit_account_id, credit_account_id, amount,
                        unit, viewer_id, episode_id, order_id, memo, created_at)
  SELECT u.id, u.idempotency_key, CAST(:kind AS VARCHAR), u.debit_account_id,
         CAST(:credit AS VARCHAR), u.amount, CAST(:unit AS VARCHAR), CAST(:viewer AS VARCHAR),
         CAST(:episode AS VARCHAR), NULL, CAST(:memo AS VARCHAR), :now
  FROM unnest(CAST(:t_id AS VARCHAR[]), CAST(:t_key AS VARCHAR[]), CAST(:t_debit AS VARCHAR[]),
              CAST(:t_amount AS BIGINT[])) AS u(id, idempotency_key, debit_account_id, amount)
), d AS (
  INSERT INTO lot_draw (id, lot_id, transfer_id, amount)
  SELECT u.id, u.lot_id, u.transfer_id, u.amount
  FROM unnest(CAST(:d_id AS VARCHAR[]), CAST(:d_lot AS VARCHAR[]),
              CAST(:d_transfer AS VARCHAR[]), CAST(:d_amount AS BIGINT[]))
       AS u(id, lot_id, transfer_id, amount)
), l AS (
  UPDATE coin_lot SET remaining = coin_lot.remaining - u.take
  FROM unnest(CAST(:d_lot AS VARCHAR[]), CAST(:d_amount AS BIGINT[])) AS u(id, take)
  WHERE coin_lot.id = u.id
), a AS (
  UPDATE ledger_account SET balance = ledger_account.balance - u.take
  FROM unnest(CAST(:t_debit AS VARCHAR[]), CAST(:t_amount AS BIGINT[])) AS u(id, take)
  WHERE ledger_account.id = u.id
)
"""
_PG_SPEND_CACHE: dict[tuple[str, tuple[str, ...]] | None, TextClause] = {}


def _pg_spend(then_insert: tuple[Table, dict[str, Any]] | None) -> TextClause:
    """The PostgreSQL spend statement (per shape of `then_insert`, built once). Each lot is drawn
    once, so no row is updated twice in the statement; foreign keys between its rows (draws to
    the transfer) are checked at its end."""
    shape = None if then_insert is None else (then_insert[0].name, tuple(sorted(then_insert[1])))
    found = _PG_SPEND_CACHE.get(shape)
    if found is not None:
        return found
    binds = [bindparam("now", type_=UTCDateTime()),
             bindparam("kind", type_=_TRANSFERS_TABLE.c.kind.type)]
    if then_insert is None:
        tail = "SELECT 1"
    else:
        table, columns = then_insert[0], shape[1] if shape else ()
        # Table and column names of our own models (checked against the table); values are binds.
        missing = [c for c in columns if c not in table.c]
        assert not missing, f"no such column: {missing}"
        tail = (f"INSERT INTO {table.name} ({', '.join(columns)}) "  # noqa: S608
                f"VALUES ({', '.join(f':then_{c}' for c in columns)})")
        binds += [bindparam(f"then_{c}", type_=table.c[c].type) for c in columns]
    found = _PG_SPEND_CACHE[shape] = text(_PG_SPEND_SQL + tail).bindparams(*binds)
    return found


def spend_coins(
    session: Session,
    viewer_id: str,
    amount: int,
    *,
    credit: LedgerAccount | str,
    key: str,
    kind: TransferKind,
    episode_id: str | None = None,
    now: datetime | None = None,
    memo: str = "",
) -> Spent:
    """Move `amount` coins from the viewer to `credit` (an account or its id) under the wallet
    lock, bonus lots first (see `spend_lots`). Raises `InsufficientCoins` and moves nothing when
    the spendable balance is short."""
    now = now or utcnow()
    wallet = lock_wallet_rows(session, viewer_id)
    lots = [
        LiveLot(*row) for row in session.execute(
            _LIVE_LOTS, {"accounts": [wallet.paid_id, wallet.bonus_id], "now": now}
        )
    ]
    return spend_lots(
        session, viewer_id, wallet, lots, amount,
        credit_id=credit if isinstance(credit, str) else credit.id, key=key, kind=kind,
        now=now, episode_id=episode_id, memo=memo,
    )


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


def require_unique_request(existing_episode_id: str, episode_id: str) -> None:
    if existing_episode_id != episode_id:
        raise Conflict(
            "This idempotency key was already used to unlock a different episode.",
            code="idempotency_key_reused",
        )


IDEMPOTENCY_KEY_RE = re.compile(r"^[A-Za-z0-9._:\-]{8,128}$")


def check_idempotency_key(key: str) -> str:
    if not IDEMPOTENCY_KEY_RE.match(key or ""):
        raise Invalid(
            "idempotency_key must be 8 to 128 characters of letters, digits, '.', '_', ':' or '-'.",
            field="idempotency_key",
        )
    return key
