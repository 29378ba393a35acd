"""Tables of the commerce domain: ledger accounts, transfers, coin lots and entitlements.

Orders, offers, subscriptions, passes, ad sessions and the webhook inbox live in
`commerce.sales_models` (imported at the bottom so every table is registered with this module).

The journal (`transfer`) is append-only. Every coin movement is one row moving a positive amount
from a debit account to a credit account, with a unique idempotency key, so replaying the journal
gives every balance and a retried request can never move coins twice.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Enum,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cliffhanger.kit.db import Base, UTCDateTime, new_id, utcnow

SYSTEM_OWNER = "system"


class AccountKind(enum.StrEnum):
    viewer_paid = "viewer_paid"
    """Coins a viewer bought with money; spendable, never expire."""
    viewer_bonus = "viewer_bonus"
    """Promotional coins a viewer was given; spendable, may expire, spent before paid coins."""
    org_revenue = "org_revenue"
    """Coins an organisation earned from unlocks of its series."""
    coin_sales = "coin_sales"
    """System: where bought coins come from (its balance is minus the coins sold)."""
    promotions = "promotions"
    """System: where bonus coins come from (welcome coins, pack bonuses, check-ins)."""
    breakage = "breakage"
    """System: bonus coins that expired unspent."""
    viewer_debt = "viewer_debt"
    """Coins a viewer owes after a refund larger than the balance; never above zero. Paid coins
    of later purchases settle it first."""
    # Money accounts (unit = an ISO 4217 code or BEANS), one movement per paid or refunded order.
    provider_clearing = "provider_clearing"
    """Money a payment provider (owner) collected for us and has not paid out."""
    sales = "sales"
    """Platform revenue: coin packs and subscriptions."""
    org_sales = "org_sales"
    """An organisation's revenue: series passes of its series."""
    sandbox_sales = "sandbox_sales"
    """Test money (sandbox provider, TikTok `is_sandbox` orders): never revenue."""


VIEWER_KINDS = frozenset({AccountKind.viewer_paid, AccountKind.viewer_bonus})
"""Spendable viewer accounts: never below zero, always equal to the sum of their lots."""
WALLET_KINDS = frozenset({*VIEWER_KINDS, AccountKind.viewer_debt})
"""Every account with a cached balance; spenders lock these rows."""
REVENUE_KINDS = frozenset({AccountKind.sales, AccountKind.org_sales})


class TransferKind(enum.StrEnum):
    welcome_bonus = "welcome_bonus"
    """Bonus coins granted to a new viewer."""
    grant = "grant"
    """Coins granted by an operator or a purchase."""
    unlock = "unlock"
    """A viewer spent coins to unlock an episode; credited to the series' organisation."""
    expiry = "expiry"
    """Expired bonus coins moved to breakage."""
    reversal = "reversal"
    """A correction that moves coins back along an earlier transfer."""
    purchase = "purchase"
    """Paid coins of a paid order."""
    purchase_bonus = "purchase_bonus"
    """Bonus coins that come with a coin pack."""
    settlement = "settlement"
    """Paid coins of a purchase that settle the viewer's debt instead of reaching the wallet."""
    clawback = "clawback"
    """Coins taken back from a viewer because their order was refunded."""
    debt = "debt"
    """The part of a clawback the wallet could not cover; owed by the viewer."""
    payment = "payment"
    """Money of a paid order, from the provider's clearing account to a sales account."""
    refund = "refund"
    """Money returned on a refunded order."""


class LedgerAccount(Base):
    __tablename__ = "ledger_account"
    __table_args__ = (UniqueConstraint("kind", "owner_id", "unit"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[AccountKind] = mapped_column(Enum(AccountKind, native_enum=False, length=24))
    owner_id: Mapped[str] = mapped_column(String(32), index=True)
    unit: Mapped[str] = mapped_column(String(8), default="coin")
    balance: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    """Cached balance, kept only for viewer accounts (the rows that need a row lock to spend).
    Organisation and system balances are summed from the journal instead, so the hot revenue
    account is never a lock every unlock has to queue on."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Transfer(Base):
    __tablename__ = "transfer"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("debit_account_id <> credit_account_id", name="distinct_accounts"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[TransferKind] = mapped_column(Enum(TransferKind, native_enum=False, length=24))
    debit_account_id: Mapped[str] = mapped_column(ForeignKey("ledger_account.id"), index=True)
    credit_account_id: Mapped[str] = mapped_column(ForeignKey("ledger_account.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    unit: Mapped[str] = mapped_column(String(8), default="coin")
    viewer_id: Mapped[str | None] = mapped_column(String(32), index=True, nullable=True)
    episode_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    order_id: Mapped[str | None] = mapped_column(String(32), index=True, nullable=True)
    """The order whose payment, refund or coins this transfer books."""
    memo: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class LotKind(enum.StrEnum):
    paid = "paid"
    """Bought coins; no expiry."""
    bonus = "bonus"
    """Given coins; may expire."""


class CoinLot(Base):
    """A batch of coins credited to a viewer account; spending draws lots down in order."""

    __tablename__ = "coin_lot"
    __table_args__ = (
        CheckConstraint("remaining >= 0", name="remaining_non_negative"),
        CheckConstraint("remaining <= amount", name="remaining_within_amount"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("ledger_account.id"), index=True)
    kind: Mapped[LotKind] = mapped_column(Enum(LotKind, native_enum=False, length=8))
    amount: Mapped[int] = mapped_column(BigInteger)
    remaining: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    source_transfer_id: Mapped[str] = mapped_column(ForeignKey("transfer.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LotDraw(Base):
    """How much of a lot a transfer spent (so lots can be audited and refunds restored)."""

    __tablename__ = "lot_draw"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    lot_id: Mapped[str] = mapped_column(ForeignKey("coin_lot.id"), index=True)
    transfer_id: Mapped[str] = mapped_column(ForeignKey("transfer.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)


class EntitlementSource(enum.StrEnum):
    coins = "coins"
    """Unlocked by spending coins."""
    ad = "ad"
    """Unlocked by a verified rewarded ad."""
    grant = "grant"
    """Granted by an operator."""


class Entitlement(Base):
    """A viewer's right to watch one episode, forever. At most one per viewer and episode."""

    __tablename__ = "entitlement"
    __table_args__ = (
        UniqueConstraint("viewer_id", "episode_id"),
        UniqueConstraint("viewer_id", "request_key"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    viewer_id: Mapped[str] = mapped_column(ForeignKey("viewer.id", ondelete="CASCADE"), index=True)
    episode_id: Mapped[str] = mapped_column(
        ForeignKey("episode.id", ondelete="CASCADE"), index=True
    )
    series_id: Mapped[str] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    source: Mapped[EntitlementSource] = mapped_column(
        Enum(EntitlementSource, native_enum=False, length=16)
    )
    price_coins: Mapped[int] = mapped_column(Integer, default=0)
    request_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    """The client's idempotency key of the unlock request that created it."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


