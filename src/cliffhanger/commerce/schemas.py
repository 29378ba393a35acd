from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Wallet(BaseModel):
    balance_coins: int
    paid_coins: int
    bonus_coins: int


class UnlockRequest(BaseModel):
    episode_id: str = Field(min_length=1, max_length=64)
    method: Literal["coins"]
    idempotency_key: str = Field(min_length=8, max_length=128)


class UnlockResponse(BaseModel):
    episode_id: str
    method: str
    price_coins: int
    charged_coins: int
    balance_coins: int
    already_unlocked: bool
