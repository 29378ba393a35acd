"""The welcome grant: bonus coins a new viewer starts with."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from cliffhanger.kit.config import Settings
from cliffhanger.kit.db import utcnow
from cliffhanger.ledger import service as ledger
from cliffhanger.ledger.models import (
    LotKind,
    TransferKind,
)


def welcome_viewer(session: Session, settings: Settings, viewer_id: str) -> None:
    """Open a new viewer's accounts and grant the welcome bonus, if one is configured."""
    ledger.open_viewer_accounts(session, viewer_id)
    if settings.welcome_coins > 0:
        ledger.grant_coins(
            session, viewer_id, settings.welcome_coins, lot_kind=LotKind.bonus,
            key=f"welcome:{viewer_id}", kind=TransferKind.welcome_bonus,
            expires_at=utcnow() + timedelta(days=settings.welcome_coins_expire_days),
            memo="welcome bonus",
        )
