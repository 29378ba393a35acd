"""Spend caps: how much a viewer may spend per UTC day and month.

Two kinds of cap, each set by the operator (settings) and optionally lowered by the viewer:
- coins spent on unlocks (`unit = "coin"`);
- money spent on orders, per currency (`unit = "USD"`, `"BEANS"`, ...). Orders count while they
  are created, pending or paid (so two checkouts opened at once cannot both slip under the cap);
  unpaid orders are cancelled by the sweep after `ORDER_PENDING_TTL`.

Checks run under the viewer's wallet lock, in the transaction that spends, so concurrent
requests cannot overshoot. A viewer's own limit applies at once when lowered and after a
cooling-off period when raised or removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cliffhanger.kit.config import Settings
from cliffhanger.kit.errors import Forbidden, Invalid
from cliffhanger.ledger.models import Transfer, TransferKind
from cliffhanger.orders.models import Order, OrderStatus, SpendLimit

PERIODS = ("day", "month")
COIN = "coin"
RAISE_COOLING_OFF = timedelta(hours=24)
COUNTED_ORDER_STATES = (OrderStatus.created, OrderStatus.pending, OrderStatus.paid)
UNITS_RE = r"^(coin|[A-Z]{3,8})$"


def period_bounds(period: str, now: datetime) -> tuple[datetime, datetime]:
    now = now.astimezone(UTC)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        return day, day + timedelta(days=1)
    start = day.replace(day=1)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(
        month=start.month + 1
    )
    return start, end


def operator_cap(settings: Settings, unit: str, period: str) -> int | None:
    if unit == COIN:
        value = settings.spend_cap_coins_day if period == "day" else settings.spend_cap_coins_month
        return value or None
    caps = settings.purchase_cap_day if period == "day" else settings.purchase_cap_month
    return caps.get(unit)


def _viewer_limit(row: SpendLimit | None, now: datetime) -> int | None:
    if row is None:
        return None
    if row.raise_at is not None and row.raise_at <= now:
        return None if row.raise_to is None or row.raise_to < 0 else row.raise_to
    return row.amount


def effective_cap(
    session: Session, settings: Settings, viewer_id: str, unit: str, period: str, now: datetime
) -> int | None:
    caps = [
        c for c in (
            operator_cap(settings, unit, period),
            _viewer_limit(session.get(SpendLimit, (viewer_id, unit, period)), now),
        ) if c is not None
    ]
    return min(caps) if caps else None


def spent(session: Session, viewer_id: str, unit: str, since: datetime) -> int:
    if unit == COIN:
        total = session.scalar(
            select(func.coalesce(func.sum(Transfer.amount), 0)).where(
                Transfer.viewer_id == viewer_id, Transfer.kind == TransferKind.unlock,
                Transfer.created_at >= since,
            )
        )
    else:
        total = session.scalar(
            select(func.coalesce(func.sum(Order.amount_minor - Order.refunded_minor), 0)).where(
                Order.viewer_id == viewer_id, Order.currency == unit,
                Order.status.in_(COUNTED_ORDER_STATES), Order.created_at >= since,
            )
        )
    return int(total or 0)


def _has_any_cap(session: Session, settings: Settings, viewer_id: str, unit: str) -> bool:
    if any(operator_cap(settings, unit, p) for p in PERIODS):
        return True
    return session.scalar(
        select(SpendLimit.viewer_id).where(SpendLimit.viewer_id == viewer_id,
                                           SpendLimit.unit == unit).limit(1)
    ) is not None


def check(
    session: Session, settings: Settings, viewer_id: str, unit: str, amount: int, now: datetime
) -> None:
    """Refuse spending `amount` more of `unit` when it would pass a cap. Callers hold the wallet
    lock."""
    if amount <= 0 or not _has_any_cap(session, settings, viewer_id, unit):
        return
    for period in PERIODS:
        cap = effective_cap(session, settings, viewer_id, unit, period, now)
        if cap is None:
            continue
        start, end = period_bounds(period, now)
        used = spent(session, viewer_id, unit, start)
        if used + amount > cap:
            what = "coins on unlocks" if unit == COIN else f"{unit} on purchases"
            raise Forbidden(
                f"This would pass your spend limit of {_fmt(cap, unit)} {what} per {period} "
                f"({_fmt(used, unit)} spent so far). The limit resets at "
                f"{end.strftime('%Y-%m-%d %H:%M')} UTC.",
                code="spend_cap_reached", unit=unit, period=period, cap=cap, spent=used,
                requested=amount, resets_at=end.isoformat(),
            )


def _fmt(value: int, unit: str) -> str:
    return str(value) if unit in (COIN, "BEANS") else f"{value} (minor units)"


@dataclass(frozen=True)
class LimitView:
    unit: str
    period: str
    cap: int | None
    operator_cap: int | None
    viewer_limit: int | None
    pending_limit: int | None
    pending_from: datetime | None
    spent: int
    resets_at: datetime


def summary(session: Session, settings: Settings, viewer_id: str, now: datetime) -> list[LimitView]:
    units = {COIN, *settings.purchase_cap_day, *settings.purchase_cap_month}
    rows = {
        (r.unit, r.period): r
        for r in session.scalars(select(SpendLimit).where(SpendLimit.viewer_id == viewer_id))
    }
    units |= {unit for unit, _ in rows}
    out = []
    for unit in sorted(units):
        for period in PERIODS:
            row = rows.get((unit, period))
            start, end = period_bounds(period, now)
            pending = row is not None and row.raise_at is not None and row.raise_at > now
            out.append(LimitView(
                unit=unit, period=period,
                cap=effective_cap(session, settings, viewer_id, unit, period, now),
                operator_cap=operator_cap(settings, unit, period),
                viewer_limit=_viewer_limit(row, now),
                pending_limit=(row.raise_to if row.raise_to is not None and row.raise_to >= 0
                               else None) if pending and row else None,
                pending_from=row.raise_at if pending and row else None,
                spent=spent(session, viewer_id, unit, start), resets_at=end,
            ))
    return out


def set_limit(
    session: Session, viewer_id: str, unit: str, period: str, amount: int | None, now: datetime
) -> None:
    """Set (or with None remove) the viewer's own limit. Lower: at once. Higher or removed:
    after `RAISE_COOLING_OFF`, so a limit set in a calm moment holds through an impulsive one."""
    if period not in PERIODS:
        raise Invalid("period must be 'day' or 'month'.", field="period")
    if amount is not None and amount < 0:
        raise Invalid("A limit must be zero or more.", field="amount")
    row = session.get(SpendLimit, (viewer_id, unit, period))
    current = _viewer_limit(row, now)
    if row is not None and row.raise_at is not None and row.raise_at <= now:
        # A matured raise becomes the limit in force.
        if current is None:
            session.delete(row)
            session.flush()
            row = None
        else:
            row.amount, row.raise_to, row.raise_at = current, None, None
    if amount is not None and (current is None or amount <= current):
        if row is None:
            session.add(SpendLimit(viewer_id=viewer_id, unit=unit, period=period, amount=amount,
                                   updated_at=now))
        else:
            row.amount, row.raise_to, row.raise_at, row.updated_at = amount, None, None, now
    elif row is not None:
        row.raise_to = -1 if amount is None else amount
        row.raise_at = now + RAISE_COOLING_OFF
        row.updated_at = now
    session.flush()
