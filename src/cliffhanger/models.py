"""Every domain's tables, imported in one place so the mapper and Alembic see them all."""

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
from cliffhanger.commerce.models import CoinLot, Entitlement, LedgerAccount, LotDraw, Transfer
from cliffhanger.db import Base

__all__ = [
    "ApiKey",
    "Base",
    "CastMember",
    "CoinLot",
    "Entitlement",
    "Episode",
    "EpisodeSubtitle",
    "LedgerAccount",
    "LotDraw",
    "MyListItem",
    "Organisation",
    "Product",
    "ProductClick",
    "ProductPlacement",
    "Series",
    "SeriesGenre",
    "SeriesLocalization",
    "SeriesTag",
    "Transfer",
    "Viewer",
    "WatchEvent",
    "WatchProgress",
]
