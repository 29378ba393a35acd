"""The FastAPI application factory: routers, error mapping, static files, embedded workers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from cliffhanger import __version__
from cliffhanger.config import Settings
from cliffhanger.errors import DomainError
from cliffhanger.runtime import Runtime, install

log = logging.getLogger(__name__)

WEB_DIR = Path(__file__).parent / "web"
PROBLEM = "application/problem+json"


def _problem(
    status: int, body: dict[str, object], headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        body,
        status_code=status,
        media_type=PROBLEM,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


class MediaFiles(StaticFiles):
    """Published HLS files: immutable per version prefix, so caches may keep them for long."""

    def file_response(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response


def content_security_policy(settings: Settings) -> str:
    """The viewer app's policy: our own scripts only; media also from the CDN when there is one."""
    cdn = ""
    if settings.media_base_url.startswith(("https://", "http://")):
        cdn = " " + "/".join(settings.media_base_url.split("/", 3)[:3])
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data: blob:{cdn}; media-src 'self' blob:{cdn}; worker-src 'self'; "
        f"connect-src 'self'{cdn}; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    embedded_workers: bool | None = None,
) -> FastAPI:
    """Build the app. `embedded_workers` runs queue consumer threads in this process (the
    embedded default when the queue is on SQLite); scale-out deployments run
    `cliffhanger worker`."""
    rt = runtime or Runtime.build(settings or Settings())
    install(rt)
    run_workers = (
        embedded_workers
        if embedded_workers is not None
        else (not rt.settings.queue_is_redis and rt.settings.queue_workers > 0)
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        install(rt)
        consumer = None
        if run_workers:
            consumer = rt.queue.consumer(rt.settings.queue_workers or 1, embedded=True)
            consumer.start()
            log.info("embedded queue consumer started with %s threads", rt.settings.queue_workers)
        try:
            yield
        finally:
            if consumer is not None:
                rt.stop_event.set()
                consumer.stop(graceful=True)

    app = FastAPI(
        title="Cliffhanger",
        version=__version__,
        lifespan=lifespan,
        description="Series engine, viewer and studio API for vertical mini-drama series.",
    )
    app.state.runtime = rt
    csp = content_security_policy(rt.settings)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", csp)
        return response

    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        return _problem(exc.status, exc.problem(), getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid"}
        where = ".".join(str(p) for p in first["loc"] if p != "body")
        return _problem(
            422,
            {
                "type": "https://cliffhanger.dev/problems/invalid",
                "title": "Invalid request",
                "status": 422,
                "detail": f"{where}: {first['msg']}" if where else str(first["msg"]),
                "code": "invalid",
                "errors": errors,
            },
        )

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    from cliffhanger.accounts.api import router as viewers_router
    from cliffhanger.analytics.api import router as analytics_router
    from cliffhanger.catalog.api import router as catalog_router
    from cliffhanger.catalog.api import studio as studio_router
    from cliffhanger.catalog.studio_api import router as studio_meta_router
    from cliffhanger.catalog.viewer_api import redirects as redirects_router
    from cliffhanger.catalog.viewer_api import router as discovery_router
    from cliffhanger.commerce.api import router as commerce_router
    from cliffhanger.playback.api import router as playback_router
    from cliffhanger.web.pages import router as pages_router

    for router in (
        viewers_router,
        catalog_router,
        studio_router,
        commerce_router,
        playback_router,
        pages_router,
        discovery_router,
        redirects_router,
        studio_meta_router,
        analytics_router,
    ):
        app.include_router(router)

    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    media_root = rt.store.local_path("hls")
    if media_root is not None and rt.settings.media_base_url == "/media":
        media_root.mkdir(parents=True, exist_ok=True)
        app.mount("/media/hls", MediaFiles(directory=media_root), name="media")
        # Covers and product pictures (named by content hash, so immutable too).
        images_root = rt.store.local_path("img")
        assert images_root is not None
        images_root.mkdir(parents=True, exist_ok=True)
        app.mount("/media/img", MediaFiles(directory=images_root), name="media-img")
    return app
