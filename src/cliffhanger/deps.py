"""FastAPI dependencies: the runtime, and who is calling (a viewer or an organisation)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from cliffhanger.accounts import service as accounts
from cliffhanger.accounts.models import Organisation, Viewer
from cliffhanger.errors import Unauthorized
from cliffhanger.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized("An `Authorization: Bearer <token>` header is required.")
    return value.strip()


def current_viewer(request: Request, rt: RuntimeDep) -> Viewer:
    token = _bearer(request)
    with rt.db.sessionmaker() as session:
        viewer = accounts.authenticate_viewer(session, rt.settings.signing_key, token)
        session.expunge(viewer)
    return viewer


def current_org(request: Request, rt: RuntimeDep) -> Organisation:
    key = request.headers.get("x-api-key") or _bearer(request)
    with rt.db.sessionmaker() as session:
        org = accounts.authenticate_api_key(session, key)
        session.expunge(org)
    return org


ViewerDep = Annotated[Viewer, Depends(current_viewer)]
OrgDep = Annotated[Organisation, Depends(current_org)]
