"""Viewer identity endpoints."""

from __future__ import annotations

from fastapi import APIRouter

from cliffhanger.accounts import service
from cliffhanger.accounts.models import Viewer
from cliffhanger.accounts.schemas import ViewerCreate, ViewerCreated
from cliffhanger.kit.http import RuntimeDep
from cliffhanger.kit.runtime import Runtime
from cliffhanger.ledger import welcome

router = APIRouter(prefix="/api/v1", tags=["viewers"])


def open_viewer(rt: Runtime, locale: str | None = None) -> tuple[Viewer, ViewerCreated]:
    """A new anonymous viewer with its welcome coins, committed; the row (detached, for use
    after the session) and what the API answers about it (its bearer token)."""
    with rt.db.session() as session:
        viewer, token = service.create_viewer(session, rt.settings.signing_key, locale)
        welcome.welcome_viewer(session, rt.settings, viewer.id)
        session.flush()
        session.expunge(viewer)
    return viewer, ViewerCreated(viewer_id=viewer.id, token=token)


@router.post("/viewers", status_code=201, response_model=ViewerCreated)
def create_viewer(rt: RuntimeDep, body: ViewerCreate | None = None) -> ViewerCreated:
    """Create an anonymous viewer; the returned token is the bearer token for later calls."""
    return open_viewer(rt, body.locale if body else None)[1]
