"""FastAPI plumbing shared by every router: the runtime of the running app."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from cliffhanger.kit.runtime import Runtime


async def get_runtime(request: Request) -> Runtime:
    # `async` so FastAPI calls it on the event loop: a sync dependency costs every request a
    # round trip through the threadpool, for what is an attribute read.
    rt: Runtime = request.app.state.runtime
    return rt


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
