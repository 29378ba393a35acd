"""Viewer identity endpoints."""

from __future__ import annotations

from fastapi import APIRouter

from cliffhanger.accounts import service
from cliffhanger.accounts.schemas import ViewerCreate, ViewerCreated
from cliffhanger.commerce import service as commerce
from cliffhanger.deps import RuntimeDep

router = APIRouter(prefix="/api/v1", tags=["viewers"])


@router.post("/viewers", status_code=201, response_model=ViewerCreated)
def create_viewer(rt: RuntimeDep, body: ViewerCreate | None = None) -> ViewerCreated:
    """Create an anonymous viewer; the returned token is the bearer token for later calls."""
    with rt.db.session() as session:
        viewer, token = service.create_viewer(
            session, rt.settings.signing_key, body.locale if body else None
        )
        commerce.welcome_viewer(session, rt.settings, viewer.id)
    return ViewerCreated(viewer_id=viewer.id, token=token)
