from __future__ import annotations

from pydantic import BaseModel, Field


class ViewerCreate(BaseModel):
    locale: str | None = Field(
        default=None, max_length=16, pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$"
    )


class ViewerCreated(BaseModel):
    viewer_id: str
    token: str
