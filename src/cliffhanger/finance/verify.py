"""`ledger verify`: replay the journal and check every money invariant.

1. every transfer moves a positive amount between two known accounts of the same unit, and
   total debits equal total credits in every unit;
2. cached balances equal the journal replay; spendable accounts are never below zero, debt
   accounts never above; lots tie out with the journal (each credit to a spendable account is
   exactly one lot, each debit is fully drawn from lots, and each lot's remainder is its amount
   minus its draws);
3. expired bonus coins are never spent;
4. a viewer pays for an episode at most once, and never without getting the entitlement;
5. each external id has exactly one effect: an order's money, coins and pass are booked once,
   and only when the order was paid; each completed ad session is exactly one entitlement;
6. ad unlocks per viewer per day never exceed the cap in force;
7. sandbox money (sandbox provider, TikTok `is_sandbox`) never reaches a revenue account.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import (
    func,
    select,
)
from sqlalchemy.orm import Session, aliased

from cliffhanger.access.models import AdSession, AdStatus
from cliffhanger.ledger.models import (
    REVENUE_KINDS,
    VIEWER_KINDS,
    AccountKind,
    CoinLot,
    Entitlement,
    EntitlementSource,
    LedgerAccount,
    LotDraw,
    Transfer,
    TransferKind,
)
from cliffhanger.orders.models import Order, OrderStatus, SeriesPass
from cliffhanger.pricing.models import OfferKind

PAID_STATES = {OrderStatus.paid, OrderStatus.refunded}


def verify(session: Session) -> list[str]:
    problems: list[str] = []
    accounts = {a.id: a for a in session.scalars(select(LedgerAccount))}
    transfers = list(session.scalars(select(Transfer)))
    problems += _journal(accounts, transfers)
    problems += _lots(session, accounts, transfers)
    problems += _expired_never_spent(session)
    problems += _episode_paid_once(session)
    problems += _orders(session, accounts, transfers)
    problems += _ads(session)
    return problems


def _journal(accounts: dict[str, LedgerAccount], transfers: list[Transfer]) -> list[str]:
    problems: list[str] = []
    replay: dict[str, int] = defaultdict(int)
    per_unit: dict[str, int] = defaultdict(int)
    for t in transfers:
        if t.amount <= 0:
            problems.append(f"transfer {t.id} has a non-positive amount {t.amount}")
        for acc_id in (t.debit_account_id, t.credit_account_id):
            if acc_id not in accounts:
                problems.append(f"transfer {t.id} names unknown account {acc_id}")
            elif accounts[acc_id].unit != t.unit:
                problems.append(
                    f"transfer {t.id} in {t.unit} touches a {accounts[acc_id].unit} account"
                )
        replay[t.debit_account_id] -= t.amount
        replay[t.credit_account_id] += t.amount
    for acc_id, value in replay.items():
        if acc_id in accounts:
            per_unit[accounts[acc_id].unit] += value
    for unit, diff in per_unit.items():
        if diff != 0:
            problems.append(f"total debits and credits in {unit} differ by {diff}")
    for acc in accounts.values():
        replayed = replay.get(acc.id, 0)
        if acc.balance is not None and acc.balance != replayed:
            problems.append(
                f"account {acc.kind}/{acc.owner_id}: cached balance {acc.balance} but the journal "
                f"says {replayed}"
            )
        if acc.kind in VIEWER_KINDS and replayed < 0:
            problems.append(f"account {acc.kind}/{acc.owner_id} is negative: {replayed}")
        if acc.kind is AccountKind.viewer_debt and replayed > 0:
            problems.append(f"debt account of {acc.owner_id} is above zero: {replayed}")
    return problems


def _lots(
    session: Session, accounts: dict[str, LedgerAccount], transfers: list[Transfer]
) -> list[str]:
    problems: list[str] = []
    lots = list(session.scalars(select(CoinLot)))
    drawn_per_lot: dict[str, int] = defaultdict(int)
    drawn_per_transfer: dict[str, int] = defaultdict(int)
    for lot_id, transfer_id, amount in session.execute(
        select(LotDraw.lot_id, LotDraw.transfer_id, LotDraw.amount)
    ):
        drawn_per_lot[lot_id] += int(amount)
        drawn_per_transfer[transfer_id] += int(amount)
    lot_remaining: dict[str, int] = defaultdict(int)
    lots_by_source: dict[str, list[CoinLot]] = defaultdict(list)
    for lot in lots:
        if lot.remaining != lot.amount - drawn_per_lot.get(lot.id, 0):
            problems.append(
                f"lot {lot.id}: remaining {lot.remaining} but amount {lot.amount} minus draws "
                f"{drawn_per_lot.get(lot.id, 0)}"
            )
        lot_remaining[lot.account_id] += lot.remaining
        lots_by_source[lot.source_transfer_id].append(lot)
    replay: dict[str, int] = defaultdict(int)
    for t in transfers:
        replay[t.debit_account_id] -= t.amount
        replay[t.credit_account_id] += t.amount
        debit, credit = accounts.get(t.debit_account_id), accounts.get(t.credit_account_id)
        drawn = drawn_per_transfer.get(t.id, 0)
        if debit is not None and debit.kind in VIEWER_KINDS and drawn != t.amount:
            problems.append(
                f"transfer {t.id} debits {t.amount} coins from {debit.kind}/{debit.owner_id} but "
                f"draws {drawn_per_transfer.get(t.id, 0)} from its lots"
            )
        if credit is not None and credit.kind in VIEWER_KINDS:
            made = lots_by_source.get(t.id, [])
            if len(made) != 1 or made[0].amount != t.amount or made[0].account_id != credit.id:
                problems.append(f"transfer {t.id} credits {t.amount} coins without exactly one lot")
    for acc in accounts.values():
        if acc.kind in VIEWER_KINDS and lot_remaining.get(acc.id, 0) != replay.get(acc.id, 0):
            problems.append(
                f"account {acc.kind}/{acc.owner_id}: lots hold {lot_remaining.get(acc.id, 0)} "
                f"but the journal says {replay.get(acc.id, 0)}"
            )
    return problems


def _expired_never_spent(session: Session) -> list[str]:
    rows = session.execute(
        select(LotDraw.lot_id, Transfer.id)
        .join(Transfer, Transfer.id == LotDraw.transfer_id)
        .join(CoinLot, CoinLot.id == LotDraw.lot_id)
        .where(
            Transfer.kind == TransferKind.unlock,
            CoinLot.expires_at.is_not(None),
            CoinLot.expires_at <= Transfer.created_at,
        )
    ).all()
    return [f"transfer {t} spent coins of lot {lot} after the lot expired" for lot, t in rows]


def _episode_paid_once(session: Session) -> list[str]:
    problems: list[str] = []
    paid_requests: dict[tuple[str, str], set[str]] = defaultdict(set)
    for viewer_id, episode_id, key in session.execute(
        select(Transfer.viewer_id, Transfer.episode_id, Transfer.idempotency_key).where(
            Transfer.kind == TransferKind.unlock
        )
    ):
        paid_requests[(str(viewer_id), str(episode_id))].add(key.rsplit(":", 1)[0])
    for (viewer_id, episode_id), keys in paid_requests.items():
        if len(keys) > 1:
            problems.append(f"viewer {viewer_id} paid for episode {episode_id} {len(keys)} times")
    coin_entitled = {
        (viewer_id, episode_id)
        for viewer_id, episode_id in session.execute(
            select(Entitlement.viewer_id, Entitlement.episode_id).where(
                Entitlement.source == EntitlementSource.coins
            )
        )
    }
    for pair in paid_requests:
        if pair not in coin_entitled:
            problems.append(f"viewer {pair[0]} paid for episode {pair[1]} without an entitlement")
    return problems


def _orders(
    session: Session, accounts: dict[str, LedgerAccount], transfers: list[Transfer]
) -> list[str]:
    problems: list[str] = []
    by_order: dict[str, list[Transfer]] = defaultdict(list)
    for t in transfers:
        if t.order_id is not None:
            by_order[t.order_id].append(t)
    passes: dict[str, int] = defaultdict(int)
    for (order_id,) in session.execute(select(SeriesPass.order_id)):
        passes[order_id] += 1
    for order in session.scalars(select(Order)):
        booked = by_order.pop(order.id, [])
        kinds: dict[TransferKind, int] = defaultdict(int)
        for t in booked:
            kinds[t.kind] += t.amount
        payments = [t for t in booked if t.kind is TransferKind.payment]
        paid = bool(payments)
        if order.status not in PAID_STATES and booked:
            problems.append(f"order {order.id} is {order.status} but has {len(booked)} transfers")
            continue
        if order.status is OrderStatus.paid and not paid:
            problems.append(f"order {order.id} is paid but its payment is not booked")
        if len(payments) > 1:
            problems.append(f"order {order.id} booked its payment {len(payments)} times")
        for t in payments:
            if t.amount != order.amount_minor or t.unit != order.currency:
                problems.append(
                    f"order {order.id}: payment {t.amount} {t.unit} but the order is "
                    f"{order.amount_minor} {order.currency}"
                )
            credit = accounts.get(t.credit_account_id)
            sandbox = order.is_sandbox or order.provider == "sandbox"
            if credit is not None and sandbox and credit.kind in REVENUE_KINDS:
                problems.append(f"sandbox order {order.id} was booked as revenue")
        if paid and kinds[TransferKind.refund] != order.refunded_minor:
            problems.append(
                f"order {order.id}: refunds booked {kinds[TransferKind.refund]} but the order "
                f"says {order.refunded_minor}"
            )
        if order.kind is OfferKind.coin_pack and paid:
            bought = kinds[TransferKind.purchase] + kinds[TransferKind.settlement]
            if bought != order.coins:
                problems.append(f"order {order.id}: {bought} coins credited for {order.coins}")
            if kinds[TransferKind.purchase_bonus] != order.bonus_coins:
                problems.append(
                    f"order {order.id}: {kinds[TransferKind.purchase_bonus]} bonus coins credited "
                    f"for {order.bonus_coins}"
                )
            clawed = kinds[TransferKind.clawback] + kinds[TransferKind.debt]
            if clawed > order.coins + order.bonus_coins:
                problems.append(f"order {order.id}: {clawed} coins clawed back, more than sold")
        if order.kind is OfferKind.series_pass:
            want = 1 if paid else 0
            if passes.pop(order.id, 0) != want:
                problems.append(f"order {order.id} should have {want} series pass")
    for order_id in by_order:
        problems.append(f"transfers name order {order_id}, which does not exist")
    for order_id in passes:
        problems.append(f"a series pass names order {order_id}, which is not a pass order")
    return problems


def _ads(session: Session) -> list[str]:
    problems: list[str] = []
    sessions = {s.id: s for s in session.scalars(select(AdSession))}
    ad_entitlements = {
        key: (viewer, episode)
        for key, viewer, episode in session.execute(
            select(Entitlement.request_key, Entitlement.viewer_id, Entitlement.episode_id).where(
                Entitlement.source == EntitlementSource.ad
            )
        )
    }
    for key, (viewer, episode) in ad_entitlements.items():
        sid = (key or "").removeprefix("ad:")
        ad = sessions.get(sid)
        if ad is None or ad.status is not AdStatus.completed or ad.cap_slot is None:
            problems.append(f"ad entitlement {key} has no rewarded ad session")
        elif (ad.viewer_id, ad.episode_id) != (viewer, episode):
            problems.append(f"ad entitlement {key} is for another viewer or episode")
    for ad in sessions.values():
        if ad.cap_slot is not None and f"ad:{ad.id}" not in ad_entitlements:
            problems.append(f"ad session {ad.id} used a daily slot without unlocking")
        if ad.cap_slot is not None and (
            ad.daily_cap is None or not 1 <= ad.cap_slot <= ad.daily_cap
        ):
            problems.append(f"ad session {ad.id} used slot {ad.cap_slot} of {ad.daily_cap}")
        if ad.status is not AdStatus.completed and ad.cap_slot is not None:
            problems.append(f"ad session {ad.id} is {ad.status} but used a daily slot")
    per_day = aliased(AdSession)
    for viewer_id, day, count, cap in session.execute(
        select(per_day.viewer_id, per_day.cap_day, func.count(), func.max(per_day.daily_cap))
        .where(per_day.cap_slot.is_not(None))
        .group_by(per_day.viewer_id, per_day.cap_day)
    ):
        if count > (cap or 0):
            problems.append(f"viewer {viewer_id} got {count} ad unlocks on {day}, cap {cap}")
    return problems


def verify_ledger(session: Session) -> list[str]:
    """Replay the journal and check every invariant; returns the violations found (empty: sound).
    See `commerce.verify` for the list."""
    return verify(session)
