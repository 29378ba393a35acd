"""The FastAPI application factory: routers, error mapping, static files, embedded workers."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.staticfiles import NotModifiedResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cliffhanger import __version__
from cliffhanger.kit.config import Settings
from cliffhanger.kit.errors import DomainError
from cliffhanger.kit.runtime import Runtime, install

log = logging.getLogger(__name__)

WEB_DIR = Path(__file__).parent / "web" / "viewer"
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


class SecurityHeaders:
    """`nosniff` and a referrer policy on every response, the CSP on HTML pages. Plain ASGI: it
    only edits the response's start message (no per-request task group or body stream)."""

    def __init__(self, app: ASGIApp, csp: str) -> None:
        self.app = app
        self.csp = csp.encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                if b"x-content-type-options" not in names:
                    headers.append((b"x-content-type-options", b"nosniff"))
                if b"referrer-policy" not in names:
                    headers.append((b"referrer-policy", b"strict-origin-when-cross-origin"))
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                is_html = content_type.startswith(b"text/html")
                if is_html and b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", self.csp))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuse a request body over `limit` bytes with 413 before any route parses it. Multipart
    uploads are exempt: they stream to disk under their own limit (uploads.py). The body is
    read here (it is small by definition) and replayed to the app."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if headers.get("content-type", "").lower().startswith("multipart/form-data"):
            await self.app(scope, receive, send)
            return
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:
            await self.too_large(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self.too_large(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = _problem(
            413,
            {
                "type": "https://cliffhanger.dev/problems/too_large",
                "title": "Payload too large",
                "status": 413,
                "detail": f"The request body is larger than the limit of {self.limit} bytes.",
                "code": "too_large",
            },
            {"Connection": "close"},
        )
        await response(scope, receive, send)


@dataclass(frozen=True)
class _HeldFile:
    full_path: str
    version: tuple[int, int]  # (mtime_ns, size) when read
    body: bytes
    headers: dict[str, str]


class AppFiles(StaticFiles):
    """The viewer app's own files (modules, styles, catalogs: about 1 MB in all) held in memory
    after their first request: no thread hop and no file read per request, which matters when a
    cold start asks for ~45 of them at once. Each request still compares the file's mtime and
    size on disk, so a deploy or an edit is served at once."""

    MAX_HELD_BYTES = 2 * 1024 * 1024

    def __init__(self, *, directory: Path) -> None:
        super().__init__(directory=directory)
        self.held: dict[str, _HeldFile] = {}

    async def get_response(self, path: str, scope: Scope) -> Response:
        if scope["method"] in ("GET", "HEAD"):
            held = self.held.get(path)
            if held is not None:
                try:
                    st = os.stat(held.full_path)
                    current: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
                except OSError:
                    current = None
                if current == held.version:
                    return self._respond(held, scope)
                del self.held[path]
        response = await super().get_response(path, scope)
        if (
            isinstance(response, FileResponse)
            and response.status_code == 200
            and response.stat_result is not None
            and response.stat_result.st_size <= self.MAX_HELD_BYTES
        ):
            file_path = str(response.path)
            body = await anyio.to_thread.run_sync(Path(file_path).read_bytes)
            st = response.stat_result
            headers = {k: v for k, v in response.headers.items() if k != "content-length"}
            held = _HeldFile(file_path, (st.st_mtime_ns, st.st_size), body, headers)
            if len(body) == st.st_size:  # not caught mid-write
                self.held[path] = held
            return self._respond(held, scope)
        return response

    def _respond(self, held: _HeldFile, scope: Scope) -> Response:
        headers = Headers(held.headers)
        if self.is_not_modified(headers, Headers(scope=scope)):
            return NotModifiedResponse(headers)
        return Response(held.body, headers=held.headers)


def content_security_policy(settings: Settings) -> str:
    """The viewer app's policy: our own scripts only; media also from the CDN when there is one.
    Images may also come from any https origin: a studio may link a product picture hosted by
    the brand (products.py accepts https image URLs only), and an image cannot run code."""
    cdn = ""
    if settings.media_base_url.startswith(("https://", "http://")):
        cdn = " " + "/".join(settings.media_base_url.split("/", 3)[:3])
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' https: data: blob:{cdn}; media-src 'self' blob:{cdn}; worker-src 'self'; "
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

    app.add_middleware(SecurityHeaders, csp=csp)

    app.add_middleware(BodyLimit, limit=rt.settings.max_body_bytes)

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

    from cliffhanger.access.api import router as access_router
    from cliffhanger.access.api_ads import router as ads_router
    from cliffhanger.access.viewers import router as viewers_router
    from cliffhanger.analytics.api import router as analytics_router
    from cliffhanger.catalog.studio_api import router as studio_catalog_router
    from cliffhanger.discovery.api import redirects as redirects_router
    from cliffhanger.discovery.api import router as discovery_router
    from cliffhanger.discovery.series_api import router as series_router
    from cliffhanger.ingest.api import studio_router as studio_ingest_router
    from cliffhanger.orders.api import router as orders_router
    from cliffhanger.orders.api import studio as studio_pricing_router
    from cliffhanger.playback.api import router as playback_router
    from cliffhanger.playback.start import router as watch_router
    from cliffhanger.web.viewer.pages import router as pages_router

    for router in (
        viewers_router,
        series_router,
        studio_catalog_router,
        studio_ingest_router,
        access_router,
        orders_router,
        ads_router,
        studio_pricing_router,
        playback_router,
        watch_router,
        pages_router,
        discovery_router,
        redirects_router,
        analytics_router,
    ):
        app.include_router(router)

    app.mount("/static", AppFiles(directory=WEB_DIR / "static"), name="static")
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
