"""Every domain's tables, imported in one place so the mapper and Alembic see them all."""

from cliffhanger.access.models import AdSession
from cliffhanger.accounts.models import ApiKey, Organisation, Viewer
from cliffhanger.analytics.models import WatchEvent
from cliffhanger.catalog.models import (
    CastMember,
    Episode,
    EpisodeSubtitle,
    MyListItem,
    Product,
    ProductClick,
    ProductPlacement,
    Series,
    SeriesGenre,
    SeriesLocalization,
    SeriesTag,
    WatchProgress,
)
from cliffhanger.inbox.models import WebhookEvent
from cliffhanger.kit.db import Base
from cliffhanger.ledger.models import CoinLot, Entitlement, LedgerAccount, LotDraw, Transfer
from cliffhanger.orders.models import Order, SeriesPass, SpendLimit, TikTokToken
from cliffhanger.pricing.models import ChannelDiscount, Offer, PriceLock
from cliffhanger.subscriptions.models import Subscription

__all__ = [
    "AdSession",
    "ApiKey",
    "Base",
    "CastMember",
    "ChannelDiscount",
    "CoinLot",
    "Entitlement",
    "Episode",
    "EpisodeSubtitle",
    "LedgerAccount",
    "LotDraw",
    "MyListItem",
    "Offer",
    "Order",
    "Organisation",
    "PriceLock",
    "Product",
    "ProductClick",
    "ProductPlacement",
    "Series",
    "SeriesGenre",
    "SeriesLocalization",
    "SeriesPass",
    "SeriesTag",
    "SpendLimit",
    "Subscription",
    "TikTokToken",
    "Transfer",
    "Viewer",
    "WatchEvent",
    "WatchProgress",
    "WebhookEvent",
]
