"""Viewer endpoints of discovery and the library: feed, rankings, genres, search, new releases,
Continue Watching, My List, watch progress and history, product cards, locales, click redirect."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from cliffhanger.accounts.deps import ViewerDep
from cliffhanger.catalog import localization, products
from cliffhanger.catalog import service as catalog
from cliffhanger.catalog.schemas import (
    ContinueItem,
    ContinueList,
    EpisodeProducts,
    FeedItem,
    FeedPage,
    GenreInfo,
    GenreList,
    GenreSeries,
    HistoryItem,
    HistoryList,
    LocaleList,
    LocaleView,
    MyListEntry,
    MyListPage,
    MyListState,
    ProductCardView,
    ProgressIn,
    ProgressOut,
    RankingItem,
    RankingList,
    SearchItem,
    SearchResult,
    SeriesList,
)
from cliffhanger.discovery import cards, library
from cliffhanger.discovery import feeds as discovery
from cliffhanger.discovery.presenters import LangDep, feed_episode, genre_ref, summaries
from cliffhanger.kit.errors import Invalid, NotFound
from cliffhanger.kit.http import RuntimeDep

router = APIRouter(prefix="/api/v1", tags=["discovery"])
redirects = APIRouter(tags=["discovery"])

Limit = Annotated[int, Query(ge=1, le=discovery.MAX_PAGE)]


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not cursor.isdigit() or len(cursor) > 9:
        raise Invalid("cursor is not valid; pass back next_cursor as given.", field="cursor")
    return int(cursor)


@router.get("/feed", response_model=FeedPage)
def get_feed(rt: RuntimeDep, viewer: ViewerDep, lang: LangDep, limit: Limit = 10,
             cursor: str | None = None) -> FeedPage:
    """For You: Continue Watching first, then series ranked for this viewer; one series per
    screen, with the episode to play (the opening one, or the one to resume)."""
    start = _offset(cursor)
    with rt.db.session() as session:
        entries = discovery.feed(session, viewer.id)
        page = entries[start:start + limit]
        series_cards = summaries(session, rt.settings, [e.published for e in page],
                                 viewer_id=viewer.id, lang=lang)
        items = []
        for entry, card in zip(page, series_cards, strict=True):
            series = entry.published.series
            episode = entry.resume.episode if entry.resume else entry.published.first_episode
            items.append(FeedItem(
                kind="continue" if entry.kind == "continue" else "for_you", series=card,
                episode=feed_episode(session, rt.settings, viewer.id, series, episode),
                position_s=entry.resume.position_s if entry.resume else 0.0, score=entry.score,
            ))
    more = start + limit < len(entries)
    return FeedPage(items=items, next_cursor=str(start + limit) if more else None)


@router.get("/continue-watching", response_model=ContinueList)
def get_continue_watching(rt: RuntimeDep, viewer: ViewerDep, lang: LangDep) -> ContinueList:
    with rt.db.session() as session:
        resumes = library.continue_watching(session, viewer.id)
        found = cards.published(session, [r.series_id for r in resumes])
        resumes = [r for r in resumes if r.series_id in found]
        series_cards = summaries(session, rt.settings, [found[r.series_id] for r in resumes],
                                 viewer_id=viewer.id, lang=lang)
        items = [
            ContinueItem(
                series=card, position_s=r.position_s, updated_at=r.updated_at,
                episode=feed_episode(session, rt.settings, viewer.id, found[r.series_id].series,
                                     r.episode),
            )
            for r, card in zip(resumes, series_cards, strict=True)
        ]
    return ContinueList(items=items)


@router.get("/rankings", response_model=RankingList)
def get_rankings(rt: RuntimeDep, viewer: ViewerDep, lang: LangDep,
                 by: Annotated[str, Query(pattern="^(popular|trending|new)$")] = "popular",
                 limit: Limit = 20) -> RankingList:
    """`popular`: most distinct viewers over 90 days; `trending`: over 7 days; `new`: newest."""
    with rt.db.session() as session:
        ranked = discovery.rankings(session, by)[:limit]
        series_cards = summaries(session, rt.settings, [p for p, _ in ranked],
                                 viewer_id=viewer.id, lang=lang)
    return RankingList(by=by, items=[
        RankingItem(rank=i + 1, series=card, value=value)
        for i, ((_p, value), card) in enumerate(zip(ranked, series_cards, strict=True))
    ])


@router.get("/genres", response_model=GenreList)
def get_genres(rt: RuntimeDep, viewer: ViewerDep) -> GenreList:
    """Genres that have published series, most populated first."""
    with rt.db.session() as session:
        found = discovery.genre_counts(session)
    return GenreList(items=[GenreInfo(slug=g.slug, name=g.name, series_count=n) for g, n in found])


@router.get("/genres/{genre}/series", response_model=GenreSeries)
def get_genre_series(genre: str, rt: RuntimeDep, viewer: ViewerDep, lang: LangDep,
                     sort: Annotated[str, Query(pattern="^(score|new)$")] = "score",
                     limit: Limit = 20, cursor: str | None = None) -> GenreSeries:
    start = _offset(cursor)
    with rt.db.session() as session:
        found, items = discovery.genre_series(session, viewer.id, genre, sort)
        page = summaries(session, rt.settings, items[start:start + limit], viewer_id=viewer.id,
                         lang=lang)
    return GenreSeries(genre=genre_ref(found.slug), items=page)


@router.get("/search", response_model=SearchResult)
def search(rt: RuntimeDep, viewer: ViewerDep, lang: LangDep,
           q: Annotated[str, Query(min_length=1, max_length=200)],
           limit: Limit = 30) -> SearchResult:
    """Titles (in every language), tags and cast names; every word must match somewhere."""
    with rt.db.session() as session:
        hits = discovery.search(session, q, limit)
        series_cards = summaries(session, rt.settings, [h.published for h in hits],
                                 viewer_id=viewer.id, lang=lang)
    return SearchResult(query=q, items=[
        SearchItem(series=card, matched=hit.matched)  # type: ignore[arg-type]
        for hit, card in zip(hits, series_cards, strict=True)
    ])


@router.get("/new", response_model=SeriesList)
def new_releases(rt: RuntimeDep, viewer: ViewerDep, lang: LangDep, limit: Limit = 20) -> SeriesList:
    with rt.db.session() as session:
        items = discovery.new_releases(session)[:limit]
        return SeriesList(items=summaries(session, rt.settings, items, viewer_id=viewer.id,
                                          lang=lang))


# ----- My List -------------------------------------------------------------------------------


@router.get("/my-list", response_model=MyListPage)
def get_my_list(rt: RuntimeDep, viewer: ViewerDep, lang: LangDep) -> MyListPage:
    with rt.db.session() as session:
        saved = library.my_list(session, viewer.id)
        found = cards.published(session, [i.series_id for i in saved])
        saved = [i for i in saved if i.series_id in found]
        series_cards = summaries(session, rt.settings, [found[i.series_id] for i in saved],
                                 viewer_id=viewer.id, lang=lang)
    return MyListPage(items=[
        MyListEntry(series=card, added_at=item.created_at)
        for item, card in zip(saved, series_cards, strict=True)
    ])


@router.get("/my-list/{series_id}", response_model=MyListState)
def get_my_list_item(series_id: str, rt: RuntimeDep, viewer: ViewerDep) -> MyListState:
    with rt.db.session() as session:
        catalog.viewable_series(session, series_id)
        item = library.list_item(session, viewer.id, series_id)
    return MyListState(series_id=series_id, in_my_list=item is not None,
                       added_at=item.created_at if item else None)


@router.put("/my-list/{series_id}", response_model=MyListState,
            responses={201: {"description": "Added"}, 200: {"description": "Already there"}})
def put_my_list_item(series_id: str, response: Response, rt: RuntimeDep,
                     viewer: ViewerDep) -> MyListState:
    with rt.db.session() as session:
        item, created = library.add_to_list(session, viewer.id, series_id)
    response.status_code = 201 if created else 200
    return MyListState(series_id=series_id, in_my_list=True, added_at=item.created_at)


@router.delete("/my-list/{series_id}", status_code=204)
def delete_my_list_item(series_id: str, rt: RuntimeDep, viewer: ViewerDep) -> Response:
    """Remove a series from My List (204 whether or not it was there)."""
    with rt.db.session() as session:
        library.remove_from_list(session, viewer.id, series_id)
    return Response(status_code=204)


# ----- progress and history ----------------------------------------------------------------


@router.put("/progress/{episode_id}", response_model=ProgressOut,
            responses={403: {"description": "The episode is locked for this viewer"}})
def put_progress(episode_id: str, body: ProgressIn, rt: RuntimeDep,
                 viewer: ViewerDep) -> ProgressOut:
    """Save the playback position (call every few seconds and on swipe-away)."""
    with rt.db.session() as session:
        p = library.save_progress(session, viewer.id, episode_id, body.position_s)
    return ProgressOut(episode_id=p.episode_id, series_id=p.series_id, position_s=p.position_s,
                       completed=p.completed, updated_at=p.updated_at)


@router.get("/history", response_model=HistoryList)
def get_history(rt: RuntimeDep, viewer: ViewerDep, lang: LangDep,
                limit: Annotated[int, Query(ge=1, le=library.MAX_HISTORY)] = 50) -> HistoryList:
    """Episodes the viewer watched, most recent first."""
    with rt.db.session() as session:
        entries = library.history(session, viewer.id, limit)
        found = cards.published(session, list({e.series.id for e in entries}))
        entries = [e for e in entries if e.series.id in found]
        by_id = {
            card.id: card
            for card in summaries(session, rt.settings, list(found.values()),
                                  viewer_id=viewer.id, lang=lang)
        }
        items = [
            HistoryItem(
                series=by_id[e.series.id], position_s=e.position_s, completed=e.completed,
                updated_at=e.updated_at,
                episode=feed_episode(session, rt.settings, viewer.id, e.series, e.episode),
            )
            for e in entries
        ]
    return HistoryList(items=items)


@router.delete("/history", status_code=204)
def clear_history(rt: RuntimeDep, viewer: ViewerDep) -> Response:
    """Forget the viewer's watch history and resume points."""
    with rt.db.session() as session:
        library.clear_history(session, viewer.id)
    return Response(status_code=204)


# ----- products, locales, click redirect ---------------------------------------------------


@router.get("/episodes/{episode_id}/products", response_model=EpisodeProducts)
def get_episode_products(episode_id: str, rt: RuntimeDep, viewer: ViewerDep) -> EpisodeProducts:
    with rt.db.session() as session:
        _series, episode = catalog.viewable_episode(session, episode_id)
        found = products.cards_for_episodes(session, rt.settings, viewer.id, [episode.id])
    return EpisodeProducts(
        episode_id=episode_id,
        items=[ProductCardView(**vars(c)) for c in found[episode_id]],
    )


@router.get("/locales", response_model=LocaleList)
def get_locales(request: Request) -> LocaleList:
    """The app's UI languages (no viewer token needed)."""
    detected = localization.negotiate(None, request.headers.get("accept-language"), None)
    return LocaleList(
        default=localization.DEFAULT_LOCALE, detected=detected,
        items=[LocaleView(code=loc.code, name=loc.name, english_name=loc.english_name)
               for loc in localization.LOCALES],
    )


@redirects.get("/r/p/{placement_id}", status_code=302, response_class=RedirectResponse,
               responses={302: {"description": "To the product's stored link"}})
def product_click(placement_id: str, rt: RuntimeDep, v: str | None = None) -> RedirectResponse:
    """Record a product card click and redirect to the product's link (only ever that link)."""
    if len(placement_id) > 64:
        raise NotFound("No such product.")
    with rt.db.session() as session:
        link = products.record_click(session, rt.settings, placement_id, v[:2000] if v else None)
    return RedirectResponse(
        link, status_code=302,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "strict-origin-when-cross-origin"},
    )
