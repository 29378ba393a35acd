"""FastAPI dependencies: the runtime, and who is calling (a viewer or an organisation)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from cliffhanger.accounts import service as accounts
from cliffhanger.accounts.models import Organisation, Viewer
from cliffhanger.kit.errors import Unauthorized
from cliffhanger.kit.http import RuntimeDep
from cliffhanger.kit.ratelimit import client_address, limiter_for
from cliffhanger.kit.runtime import Runtime
from cliffhanger.kit.security import BadToken, verify


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


@dataclass(frozen=True)
class ViewerClaim:
    """The viewer a valid, signed viewer token names; the viewer row has not been read yet.

    For hot endpoints that open a transaction anyway: the signature is checked here, without a
    database round trip, and the endpoint's service must check that the viewer exists in its
    own transaction, before it acts on anything, and refuse with `Unauthorized` like
    `current_viewer` does (see `commerce.service.unlock_with_coins`). Every other endpoint takes
    `ViewerDep`.
    """

    id: str


async def viewer_claim(request: Request) -> ViewerClaim:
    rt: Runtime = request.app.state.runtime
    try:
        payload = verify(rt.settings.signing_key, accounts.VIEWER_TOKEN_PURPOSE, _bearer(request))
    except BadToken as exc:
        raise Unauthorized("The viewer token is not valid.") from exc
    viewer_id = payload.get("v")
    if not isinstance(viewer_id, str) or not viewer_id:
        raise Unauthorized("The viewer token is not valid.")
    return ViewerClaim(viewer_id)


def current_org(request: Request, rt: RuntimeDep) -> Organisation:
    key = request.headers.get("x-api-key") or _bearer(request)
    with rt.db.sessionmaker() as session:
        org = accounts.authenticate_api_key(session, key)
        session.expunge(org)
    return org


ViewerDep = Annotated[Viewer, Depends(current_viewer)]
ViewerClaimDep = Annotated[ViewerClaim, Depends(viewer_claim)]
OrgDep = Annotated[Organisation, Depends(current_org)]


def per_viewer(name: str) -> Any:
    """A dependency that counts one `name` request for the calling viewer."""

    def dependency(request: Request, viewer: ViewerDep) -> None:
        limiter_for(request).hit(name, f"viewer:{viewer.id}")

    return Depends(dependency)


def per_address(name: str) -> Any:
    """A dependency that counts one `name` request for the client address."""

    def dependency(request: Request, rt: RuntimeDep) -> None:
        limiter_for(request).hit(name, f"addr:{client_address(request)}")

    return Depends(dependency)
