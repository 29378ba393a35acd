"""Every domain's tables, imported in one place so the mapper and Alembic see them all."""

from cliffhanger.accounts.models import ApiKey, Organisation, Viewer
from cliffhanger.catalog.models import Episode, Series
from cliffhanger.commerce.models import CoinLot, Entitlement, LedgerAccount, LotDraw, Transfer
from cliffhanger.db import Base

__all__ = [
    "ApiKey", "Base", "CoinLot", "Entitlement", "Episode", "LedgerAccount", "LotDraw",
    "Organisation", "Series", "Transfer", "Viewer",
]
