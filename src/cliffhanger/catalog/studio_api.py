"""Studio endpoints for what viewers see around the episodes: series metadata, localized text,
cast, cover, subtitles and shoppable products. Every object is checked against the caller's
organisation (another organisation's series, episode or product is 404)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from cliffhanger.accounts.deps import OrgDep
from cliffhanger.catalog import (
    images,
    localization,
    metadata,
    products,
    service,
    subtitles,
    urls,
    webvtt,
)
from cliffhanger.catalog import service as catalog
from cliffhanger.catalog.models import Episode, EpisodeSubtitle, Product, Series
from cliffhanger.catalog.schemas import (
    CastIn,
    CastList,
    CastReplace,
    CastView,
    LocalizationIn,
    LocalizationList,
    LocalizationView,
    PlacementIn,
    PlacementView,
    ProductIn,
    ProductPatch,
    SeriesCreate,
    SeriesPatch,
    StudioEpisode,
    StudioProduct,
    StudioProductList,
    StudioSeries,
    StudioSeriesDetail,
    StudioSubtitle,
    StudioSubtitleList,
)
from cliffhanger.kit.config import Settings
from cliffhanger.kit.errors import Invalid, NotFound
from cliffhanger.kit.http import RuntimeDep
from cliffhanger.kit.uploads import read_multipart

router = APIRouter(prefix="/api/v1/studio", tags=["studio"])


def _multipart_doc(fields: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": required, "properties": fields,
            }}},
        }
    }


_FILE = {"type": "string", "format": "binary"}


# ----- series metadata ---------------------------------------------------------------------


@router.patch("/series/{series_id}", response_model=StudioSeriesDetail)
def patch_series(series_id: str, body: SeriesPatch, rt: RuntimeDep,
                 org: OrgDep) -> StudioSeriesDetail:
    """Change title, synopsis, language, genres (up to 3, from GET /api/v1/studio/genres),
    tags (up to 10) or the release date. Only the fields sent change."""
    sent = body.model_fields_set
    with rt.db.session() as session:
        kwargs: dict[str, Any] = {
            name: getattr(body, name)
            for name in ("title", "synopsis", "language", "genres", "tags") if name in sent
        }
        if "published_at" in sent:
            kwargs["published_at"] = body.published_at
        series = metadata.update_series(session, org, series_id, **kwargs)
        return studio_series_detail(session, rt.settings, series)


@router.get("/genres", response_model=list[dict[str, str]])
def list_genres(org: OrgDep) -> list[dict[str, str]]:
    """The genre vocabulary a series can be filed under."""
    return [{"slug": g.slug, "name": g.name} for g in metadata.GENRES]


@router.put("/series/{series_id}/localizations/{lang}", response_model=LocalizationView,
            responses={201: {"description": "Created"}, 200: {"description": "Replaced"}})
def put_localization(series_id: str, lang: str, body: LocalizationIn, response: Response,
                     rt: RuntimeDep, org: OrgDep) -> LocalizationView:
    """The series' title and synopsis in another supported language."""
    with rt.db.session() as session:
        row, created = metadata.put_localization(session, org, series_id, lang,
                                                 title=body.title, synopsis=body.synopsis)
        response.status_code = 201 if created else 200
        return LocalizationView(lang=row.lang, title=row.title, synopsis=row.synopsis,
                                updated_at=row.updated_at)


@router.get("/series/{series_id}/localizations", response_model=LocalizationList)
def list_localizations(series_id: str, rt: RuntimeDep, org: OrgDep) -> LocalizationList:
    with rt.db.session() as session:
        catalog.series_for_org(session, org, series_id)
        return LocalizationList(items=[
            LocalizationView(lang=r.lang, title=r.title, synopsis=r.synopsis,
                             updated_at=r.updated_at)
            for r in metadata.localizations_of(session, series_id)
        ])


@router.delete("/series/{series_id}/localizations/{lang}", status_code=204)
def delete_localization(series_id: str, lang: str, rt: RuntimeDep, org: OrgDep) -> Response:
    with rt.db.session() as session:
        metadata.delete_localization(session, org, series_id, lang)
    return Response(status_code=204)


@router.get("/series/{series_id}/cast", response_model=CastList)
def get_cast(series_id: str, rt: RuntimeDep, org: OrgDep) -> CastList:
    with rt.db.session() as session:
        catalog.series_for_org(session, org, series_id)
        return CastList(items=[CastView(**vars(c)) for c in metadata.cast_of(session, series_id)])


@router.put("/series/{series_id}/cast", response_model=CastList)
def replace_cast(series_id: str, body: CastReplace, rt: RuntimeDep, org: OrgDep) -> CastList:
    """Replace the cast list (in credit order). At most one `lead`; with none, the first is."""
    with rt.db.session() as session:
        found = metadata.set_cast(session, org, series_id, [
            metadata.CastInput(m.name, m.role, m.lead) for m in body.cast
        ])
        return CastList(items=[CastView(**vars(c)) for c in found])


@router.post("/series/{series_id}/cast", status_code=201, response_model=CastList)
def add_cast(series_id: str, body: CastIn, rt: RuntimeDep, org: OrgDep) -> CastList:
    """Add one cast member at the end (`lead: true` moves the lead to them)."""
    with rt.db.session() as session:
        found = metadata.add_cast_member(session, org, series_id,
                                         metadata.CastInput(body.name, body.role, body.lead))
        return CastList(items=[CastView(**vars(c)) for c in found])


@router.delete("/series/{series_id}/cast/{cast_id}", response_model=CastList)
def remove_cast(series_id: str, cast_id: str, rt: RuntimeDep, org: OrgDep) -> CastList:
    with rt.db.session() as session:
        found = metadata.remove_cast_member(session, org, series_id, cast_id)
        return CastList(items=[CastView(**vars(c)) for c in found])


@router.put("/series/{series_id}/cover", response_model=StudioSeriesDetail,
            openapi_extra=_multipart_doc({"file": _FILE}, ["file"]))
async def put_cover(series_id: str, request: Request, rt: RuntimeDep,
                    org: OrgDep) -> StudioSeriesDetail:
    """Upload a cover image (JPEG, PNG or WebP; stored re-encoded, at most 1080x1920)."""
    def check() -> None:
        with rt.db.session() as session:
            catalog.series_for_org(session, org, series_id)

    await run_in_threadpool(check)
    form = await read_multipart(request, rt.settings.work_dir, images.MAX_IMAGE_BYTES)
    try:
        upload = form.files.get("file")
        if upload is None:
            raise Invalid("The form needs a `file` part with the image.", field="file")

        def store() -> StudioSeriesDetail:
            key = images.store_image(rt.store, upload.path, kind="covers", box=images.COVER_BOX)
            with rt.db.session() as session:
                series = catalog.series_for_org(session, org, series_id)
                series.cover_key = key
                return studio_series_detail(session, rt.settings, series)

        return await run_in_threadpool(store)
    finally:
        form.discard()


@router.delete("/series/{series_id}/cover", response_model=StudioSeriesDetail)
def delete_cover(series_id: str, rt: RuntimeDep, org: OrgDep) -> StudioSeriesDetail:
    """Go back to the first episode's poster as the cover."""
    with rt.db.session() as session:
        series = catalog.series_for_org(session, org, series_id)
        series.cover_key = None
        return studio_series_detail(session, rt.settings, series)


# ----- subtitles -----------------------------------------------------------------------------


def _studio_subtitle(settings: Settings, row: EpisodeSubtitle,
                     published: subtitles.Published | None) -> StudioSubtitle:
    url = None
    if published is not None:
        for track in published.tracks:
            if track.lang == row.lang:
                url = urls.media_url(settings, track.vtt_key)
    return StudioSubtitle(
        lang=row.lang, label=row.label, cue_count=row.cue_count,
        source_format=row.source_format,  # type: ignore[arg-type]
        sha256=row.sha256, url=url, updated_at=row.updated_at,
    )


@router.post(
    "/episodes/{episode_id}/subtitles", status_code=201, response_model=StudioSubtitle,
    responses={200: {"description": "Replaced this language's subtitles"},
               422: {"description": "Not valid WebVTT/SRT; the problem names the line"}},
    openapi_extra=_multipart_doc(
        {"lang": {"type": "string", "example": "en"},
         "label": {"type": "string", "maxLength": 64}, "file": _FILE},
        ["lang", "file"],
    ),
)
async def upload_subtitles(episode_id: str, request: Request, response: Response,
                           rt: RuntimeDep, org: OrgDep) -> StudioSubtitle:
    """Upload WebVTT or SRT (converted to WebVTT) for one language of an episode."""
    def check() -> None:
        with rt.db.session() as session:
            catalog.episode_for_org(session, org, episode_id)

    await run_in_threadpool(check)
    form = await read_multipart(request, rt.settings.work_dir, webvtt.MAX_SUBTITLE_BYTES)
    try:
        upload = form.files.get("file")
        if upload is None:
            raise Invalid("The form needs a `file` part with the subtitles.", field="file")
        if not form.fields.get("lang", "").strip():
            raise Invalid("The form needs a `lang` field (e.g. en).", field="lang")

        def store() -> tuple[StudioSubtitle, bool]:
            data = upload.path.read_bytes()
            with rt.db.session() as session:
                row, created = subtitles.put_subtitle(
                    session, org, episode_id, lang=form.fields["lang"],
                    label=form.fields.get("label"), data=data, filename=upload.filename,
                )
                episode = catalog.episode_for_org(session, org, episode_id)
                published = subtitles.ensure_published(session, rt.store, episode)
                return _studio_subtitle(rt.settings, row, published), created

        result, created = await run_in_threadpool(store)
    finally:
        form.discard()
    response.status_code = 201 if created else 200
    return result


@router.get("/episodes/{episode_id}/subtitles", response_model=StudioSubtitleList)
def list_subtitles(episode_id: str, rt: RuntimeDep, org: OrgDep) -> StudioSubtitleList:
    with rt.db.session() as session:
        episode = catalog.episode_for_org(session, org, episode_id)
        published = subtitles.ensure_published(session, rt.store, episode)
        return StudioSubtitleList(items=[
            _studio_subtitle(rt.settings, row, published)
            for row in subtitles.tracks_of(session, episode.id)
        ])


@router.get("/episodes/{episode_id}/subtitles/{lang}.vtt",
            responses={200: {"content": {"text/vtt": {}}}})
def get_subtitle_text(episode_id: str, lang: str, rt: RuntimeDep, org: OrgDep) -> Response:
    """The stored WebVTT (after SRT conversion), for checking in the studio."""
    with rt.db.session() as session:
        catalog.episode_for_org(session, org, episode_id)
        code = localization.canonical_tag(lang)
        for row in subtitles.tracks_of(session, episode_id):
            if row.lang == code:
                return Response(row.vtt, media_type="text/vtt; charset=utf-8")
    raise NotFound(f"The episode has no {code} subtitles.")


@router.delete("/episodes/{episode_id}/subtitles/{lang}", status_code=204)
def delete_subtitles(episode_id: str, lang: str, rt: RuntimeDep, org: OrgDep) -> Response:
    with rt.db.session() as session:
        subtitles.delete_subtitle(session, org, episode_id, lang)
        episode = catalog.episode_for_org(session, org, episode_id)
        subtitles.ensure_published(session, rt.store, episode)
    return Response(status_code=204)


# ----- products ------------------------------------------------------------------------------


def _studio_product(session: Any, settings: Settings, product: Product) -> StudioProduct:
    placements = products.placements_of(session, [product.id])[product.id]
    clicks = products.click_counts(session, [p.id for p in placements])
    views = [
        PlacementView(id=p.id, episode_id=p.episode_id, start_s=p.start_s, end_s=p.end_s,
                      clicks=clicks.get(p.id, 0))
        for p in placements
    ]
    return StudioProduct(
        id=product.id, series_id=product.series_id, title=product.title,
        price_text=product.price_text, link=product.link,
        image_url=products.image_url(settings, product), placements=views,
        clicks=sum(v.clicks for v in views),
    )


@router.post("/series/{series_id}/products", status_code=201, response_model=StudioProduct)
def create_product(series_id: str, body: ProductIn, rt: RuntimeDep,
                   org: OrgDep) -> StudioProduct:
    with rt.db.session() as session:
        product = products.create_product(
            session, org, series_id, title=body.title, price_text=body.price_text,
            link=body.link, image_url=body.image_url,
        )
        return _studio_product(session, rt.settings, product)


@router.get("/series/{series_id}/products", response_model=StudioProductList)
def list_products(series_id: str, rt: RuntimeDep, org: OrgDep) -> StudioProductList:
    with rt.db.session() as session:
        return StudioProductList(items=[
            _studio_product(session, rt.settings, p)
            for p in products.list_products(session, org, series_id)
        ])


@router.patch("/products/{product_id}", response_model=StudioProduct)
def patch_product(product_id: str, body: ProductPatch, rt: RuntimeDep,
                  org: OrgDep) -> StudioProduct:
    sent = body.model_fields_set
    kwargs: dict[str, Any] = {
        name: getattr(body, name) for name in ("title", "price_text", "link") if name in sent
    }
    if "image_url" in sent:
        kwargs["image_url"] = body.image_url
    with rt.db.session() as session:
        product = products.update_product(session, org, product_id, **kwargs)
        return _studio_product(session, rt.settings, product)


@router.put("/products/{product_id}/image", response_model=StudioProduct,
            openapi_extra=_multipart_doc({"file": _FILE}, ["file"]))
async def put_product_image(product_id: str, request: Request, rt: RuntimeDep,
                            org: OrgDep) -> StudioProduct:
    """Upload the product picture (JPEG, PNG or WebP; stored re-encoded, at most 600x600)."""
    def check() -> None:
        with rt.db.session() as session:
            products.product_for_org(session, org, product_id)

    await run_in_threadpool(check)
    form = await read_multipart(request, rt.settings.work_dir, images.MAX_IMAGE_BYTES)
    try:
        upload = form.files.get("file")
        if upload is None:
            raise Invalid("The form needs a `file` part with the image.", field="file")

        def store() -> StudioProduct:
            with rt.db.session() as session:
                product = products.set_product_image(session, rt.store, org, product_id,
                                                     upload.path)
                return _studio_product(session, rt.settings, product)

        return await run_in_threadpool(store)
    finally:
        form.discard()


@router.delete("/products/{product_id}", status_code=204)
def delete_product(product_id: str, rt: RuntimeDep, org: OrgDep) -> Response:
    """Delete a product with its placements and click records."""
    with rt.db.session() as session:
        products.delete_product(session, org, product_id)
    return Response(status_code=204)


@router.post("/products/{product_id}/placements", status_code=201, response_model=StudioProduct)
def add_placement(product_id: str, body: PlacementIn, rt: RuntimeDep,
                  org: OrgDep) -> StudioProduct:
    """Show the product during [start_s, end_s) of an episode of its series."""
    with rt.db.session() as session:
        products.add_placement(session, org, product_id, episode_id=body.episode_id,
                               start_s=body.start_s, end_s=body.end_s)
        return _studio_product(session, rt.settings,
                               products.product_for_org(session, org, product_id))


@router.delete("/placements/{placement_id}", status_code=204)
def delete_placement(placement_id: str, rt: RuntimeDep, org: OrgDep) -> Response:
    with rt.db.session() as session:
        products.delete_placement(session, org, placement_id)
    return Response(status_code=204)


def _studio_series(series: Series) -> StudioSeries:
    return StudioSeries(
        id=series.id, title=series.title, synopsis=series.synopsis,
        free_episodes=series.free_episodes, price_coins=series.price_coins,
        created_at=series.created_at,
    )


def studio_episode(episode: Episode) -> StudioEpisode:
    return StudioEpisode(
        id=episode.id, series_id=episode.series_id, number=episode.number, title=episode.title,
        status=episode.status.value, error=episode.error, progress=episode.progress,
        attempts=episode.attempts, duration_s=round(episode.duration_s, 3), width=episode.width,
        height=episode.height, encrypted=episode.encrypted,
        renditions=episode.renditions.split(",") if episode.renditions else [],
    )


def studio_series_detail(
    session: Session, settings: Settings, series: Series
) -> StudioSeriesDetail:
    episodes = [studio_episode(e) for e in service.org_episodes(session, series)]
    return StudioSeriesDetail(
        **_studio_series(series).model_dump(), episodes=episodes, language=series.language,
        published_at=series.published_at,
        cover_url=urls.media_url(settings, series.cover_key) if series.cover_key else None,
        genres=metadata.genres_of(session, [series.id])[series.id],
        tags=metadata.tags_of(session, [series.id])[series.id],
        cast=[CastView(**vars(c)) for c in metadata.cast_of(session, series.id)],
        localizations=[loc.lang for loc in metadata.localizations_of(session, series.id)],
    )


@router.post("/series", status_code=201, response_model=StudioSeries)
def create_series(body: SeriesCreate, rt: RuntimeDep, org: OrgDep) -> StudioSeries:
    with rt.db.session() as session:
        series = service.create_series(
            session, org, title=body.title, synopsis=body.synopsis,
            free_episodes=body.free_episodes, price_coins=body.price_coins,
        )
        metadata.reindex(session, series)
        return _studio_series(series)


@router.get("/series", response_model=list[StudioSeries])
def list_studio_series(rt: RuntimeDep, org: OrgDep) -> list[StudioSeries]:
    with rt.db.session() as session:
        return [_studio_series(s) for s in service.list_org_series(session, org)]


@router.get("/series/{series_id}", response_model=StudioSeriesDetail)
def get_studio_series(series_id: str, rt: RuntimeDep, org: OrgDep) -> StudioSeriesDetail:
    with rt.db.session() as session:
        series = service.series_for_org(session, org, series_id)
        return studio_series_detail(session, rt.settings, series)


@router.get("/episodes/{episode_id}", response_model=StudioEpisode)
def get_studio_episode(episode_id: str, rt: RuntimeDep, org: OrgDep) -> StudioEpisode:
    with rt.db.session() as session:
        return studio_episode(service.episode_for_org(session, org, episode_id))
