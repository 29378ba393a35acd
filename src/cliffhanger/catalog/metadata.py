"""What a series shows besides its episodes: genres, tags, cast, cover, release date,
localized text, and the folded search text built from them.

Studio writes go through `series_for_org`, so another organisation's series is `NotFound`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from cliffhanger.accounts.models import Organisation
from cliffhanger.catalog import localization
from cliffhanger.catalog.models import (
    CastMember,
    Series,
    SeriesGenre,
    SeriesLocalization,
    SeriesTag,
)
from cliffhanger.catalog.service import series_for_org
from cliffhanger.kit.db import utcnow
from cliffhanger.kit.errors import Invalid, NotFound

# ----- limits ------------------------------------------------------------------------------------

MAX_GENRES = 3
MAX_TAGS = 10
MAX_TAG_CHARS = 40
MAX_CAST = 30
MAX_NAME_CHARS = 100
MAX_TITLE_CHARS = 200
MAX_SYNOPSIS_CHARS = 5000
FUTURE_SLACK = timedelta(minutes=5)


@dataclass(frozen=True)
class Genre:
    slug: str
    name: str


GENRES: tuple[Genre, ...] = (
    Genre("romance", "Romance"),
    Genre("revenge", "Revenge"),
    Genre("billionaire", "Billionaire / CEO"),
    Genre("werewolf", "Werewolf"),
    Genre("vampire", "Vampire"),
    Genre("fantasy", "Fantasy"),
    Genre("thriller", "Thriller"),
    Genre("mystery", "Mystery"),
    Genre("comedy", "Comedy"),
    Genre("family", "Family"),
    Genre("historical", "Historical"),
    Genre("action", "Action"),
    Genre("youth", "Youth / School"),
    Genre("workplace", "Workplace"),
    Genre("horror", "Horror"),
    Genre("sci-fi", "Sci-fi"),
)
"""The genre vocabulary. Fixed so that genre pages never split into near-duplicates; the app
translates names by slug."""
GENRE_BY_SLUG = {g.slug: g for g in GENRES}
GENRE_ORDER = {g.slug: i for i, g in enumerate(GENRES)}


def check_genre(slug: str) -> Genre:
    genre = GENRE_BY_SLUG.get((slug or "").strip().lower())
    if genre is None:
        raise NotFound(f"No genre {slug!r}.")
    return genre


# ----- text folding for search -------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-cased (Unicode casefold), width-normalised text without Latin accents.

    Accents are stripped only after Latin letters, so "Café" matches "cafe" while Thai vowel
    signs and Japanese voicing marks, which change the word, are kept.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    out: list[str] = []
    latin_base = False
    for ch in decomposed:
        if unicodedata.combining(ch):
            if latin_base:
                continue
        else:
            latin_base = ch < "\u0250"
        out.append(ch)
    return _SPACES.sub(" ", unicodedata.normalize("NFC", "".join(out))).strip()


def reindex(session: Session, series: Series) -> None:
    """Rebuild `series.search_text` from its titles, tags and cast (call after any change)."""
    parts = [series.title]
    parts += session.scalars(
        select(SeriesLocalization.title).where(SeriesLocalization.series_id == series.id)
    )
    parts += session.scalars(select(SeriesTag.tag).where(SeriesTag.series_id == series.id))
    parts += session.scalars(select(CastMember.name).where(CastMember.series_id == series.id))
    series.search_text = "\n".join(fold(p) for p in parts if p)


def reindex_missing(session: Session) -> None:
    """Index series that were created without going through this module (null search text)."""
    for series in session.scalars(select(Series).where(Series.search_text.is_(None))):
        reindex(session, series)


# ----- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CastView:
    id: str
    name: str
    role: str
    lead: bool


def genres_of(session: Session, series_ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {sid: [] for sid in series_ids}
    if not series_ids:
        return out
    rows = session.execute(
        select(SeriesGenre.series_id, SeriesGenre.genre)
        .where(SeriesGenre.series_id.in_(series_ids))
        .order_by(SeriesGenre.series_id, SeriesGenre.position)
    )
    for sid, genre in rows:
        out[sid].append(genre)
    return out


def tags_of(session: Session, series_ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {sid: [] for sid in series_ids}
    if not series_ids:
        return out
    rows = session.execute(
        select(SeriesTag.series_id, SeriesTag.tag)
        .where(SeriesTag.series_id.in_(series_ids))
        .order_by(SeriesTag.series_id, SeriesTag.position)
    )
    for sid, tag in rows:
        out[sid].append(tag)
    return out


def cast_of(session: Session, series_id: str) -> list[CastView]:
    rows = session.scalars(
        select(CastMember).where(CastMember.series_id == series_id).order_by(CastMember.position)
    )
    return [CastView(c.id, c.name, c.role, c.lead) for c in rows]


def localizations_of(session: Session, series_id: str) -> list[SeriesLocalization]:
    return list(
        session.scalars(
            select(SeriesLocalization)
            .where(SeriesLocalization.series_id == series_id)
            .order_by(SeriesLocalization.lang)
        )
    )


# ----- writing -----------------------------------------------------------------------------------


def _text(value: str | None, field: str, max_len: int, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(f"{field} must not be empty.", field=field)
    if len(value) > max_len:
        raise Invalid(f"{field} must be at most {max_len} characters.", field=field)
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in value):
        raise Invalid(f"{field} must not contain control characters.", field=field)
    return value


def _set_genres(session: Session, series: Series, genres: list[str]) -> None:
    slugs: list[str] = []
    for raw in genres:
        slug = (raw or "").strip().lower()
        if slug not in GENRE_BY_SLUG:
            raise Invalid(
                f"Unknown genre {raw!r}; choose from {', '.join(g.slug for g in GENRES)}.",
                field="genres", code="unknown_genre",
            )
        if slug not in slugs:
            slugs.append(slug)
    if len(slugs) > MAX_GENRES:
        raise Invalid(f"A series has at most {MAX_GENRES} genres.", field="genres")
    session.execute(delete(SeriesGenre).where(SeriesGenre.series_id == series.id))
    session.flush()
    for position, slug in enumerate(slugs):
        session.add(SeriesGenre(series_id=series.id, genre=slug, position=position))


def normalise_tag(raw: str) -> str:
    tag = _SPACES.sub(" ", (raw or "").strip().lstrip("#").strip())
    if not tag:
        raise Invalid("A tag must not be empty.", field="tags")
    if len(tag) > MAX_TAG_CHARS:
        raise Invalid(f"A tag is at most {MAX_TAG_CHARS} characters: {tag[:50]!r}.", field="tags")
    if any(ch in tag for ch in ",#\n\t") or any(unicodedata.category(c) == "Cc" for c in tag):
        raise Invalid(f"A tag must not contain commas, # or control characters: {tag!r}.",
                      field="tags")
    return tag


def _set_tags(session: Session, series: Series, tags: list[str]) -> None:
    seen: dict[str, str] = {}
    for raw in tags:
        tag = normalise_tag(raw)
        seen.setdefault(fold(tag), tag)  # case-insensitive duplicates keep the first spelling
    if len(seen) > MAX_TAGS:
        raise Invalid(f"A series has at most {MAX_TAGS} tags (TikTok uses the first 3).",
                      field="tags")
    session.execute(delete(SeriesTag).where(SeriesTag.series_id == series.id))
    session.flush()
    for position, tag in enumerate(seen.values()):
        session.add(SeriesTag(series_id=series.id, tag=tag, position=position))


def _check_published_at(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise Invalid("published_at needs a time zone (e.g. 2026-01-31T12:00:00Z).",
                      field="published_at")
    if value > utcnow() + FUTURE_SLACK:
        raise Invalid(
            "published_at must not be in the future; release scheduling belongs to the release "
            "calendar.", field="published_at",
        )
    return value


UNSET = object()


def update_series(
    session: Session, org: Organisation, series_id: str, *, title: str | None = None,
    synopsis: str | None = None, language: str | None = None, genres: list[str] | None = None,
    tags: list[str] | None = None, published_at: datetime | object | None = UNSET,
) -> Series:
    """Change a series' metadata; only the arguments given are touched. Pricing is not here:
    prices are locked per series (commerce)."""
    series = series_for_org(session, org, series_id)
    if title is not None:
        series.title = _text(title, "title", MAX_TITLE_CHARS, required=True)
    if synopsis is not None:
        series.synopsis = _text(synopsis, "synopsis", MAX_SYNOPSIS_CHARS, required=False)
    if language is not None:
        series.language = localization.check_locale(language, "language")
    if genres is not None:
        _set_genres(session, series, genres)
    if tags is not None:
        _set_tags(session, series, tags)
    if published_at is not UNSET:
        assert published_at is None or isinstance(published_at, datetime)
        series.published_at = _check_published_at(published_at)
    session.flush()
    reindex(session, series)
    return series


@dataclass(frozen=True)
class CastInput:
    name: str
    role: str = ""
    lead: bool = False


def set_cast(session: Session, org: Organisation, series_id: str,
             members: list[CastInput]) -> list[CastView]:
    """Replace the cast list. At most one lead; with none marked, the first member is the lead."""
    series = series_for_org(session, org, series_id)
    if len(members) > MAX_CAST:
        raise Invalid(f"A cast list has at most {MAX_CAST} members.", field="cast")
    cleaned = [
        CastInput(
            _text(m.name, f"cast[{i}].name", MAX_NAME_CHARS, required=True),
            _text(m.role, f"cast[{i}].role", MAX_NAME_CHARS, required=False),
            bool(m.lead),
        )
        for i, m in enumerate(members)
    ]
    leads = [m for m in cleaned if m.lead]
    if len(leads) > 1:
        raise Invalid("Only one cast member can be the lead.", field="cast", code="two_leads")
    if cleaned and not leads:
        cleaned[0] = CastInput(cleaned[0].name, cleaned[0].role, True)
    session.execute(delete(CastMember).where(CastMember.series_id == series.id))
    for position, m in enumerate(cleaned):
        session.add(CastMember(series_id=series.id, position=position, name=m.name,
                               role=m.role, lead=m.lead))
    session.flush()
    reindex(session, series)
    return cast_of(session, series.id)


def add_cast_member(session: Session, org: Organisation, series_id: str,
                    member: CastInput) -> list[CastView]:
    current = [CastInput(c.name, c.role, c.lead) for c in cast_of(session, series_id)]
    if member.lead:
        current = [CastInput(c.name, c.role, False) for c in current]
    return set_cast(session, org, series_id, [*current, member])


def remove_cast_member(session: Session, org: Organisation, series_id: str,
                       cast_id: str) -> list[CastView]:
    series = series_for_org(session, org, series_id)
    current = cast_of(session, series.id)
    if cast_id not in {c.id for c in current}:
        raise NotFound("No such cast member.")
    rest = [CastInput(c.name, c.role, c.lead) for c in current if c.id != cast_id]
    return set_cast(session, org, series_id, rest)


def put_localization(session: Session, org: Organisation, series_id: str, lang: str, *,
                     title: str, synopsis: str = "") -> tuple[SeriesLocalization, bool]:
    """Create or replace the series' text in `lang`; returns (row, created)."""
    series = series_for_org(session, org, series_id)
    code = localization.check_locale(lang)
    if code == series.language:
        raise Invalid(
            f"{code} is the series' own language; change the series' title and synopsis instead.",
            field="lang", code="original_language",
        )
    title = _text(title, "title", MAX_TITLE_CHARS, required=True)
    synopsis = _text(synopsis, "synopsis", MAX_SYNOPSIS_CHARS, required=False)
    row = session.get(SeriesLocalization, (series.id, code))
    created = row is None
    if row is None:
        row = SeriesLocalization(series_id=series.id, lang=code, title=title, synopsis=synopsis)
        session.add(row)
    else:
        row.title, row.synopsis = title, synopsis
    session.flush()
    reindex(session, series)
    return row, created


def delete_localization(session: Session, org: Organisation, series_id: str, lang: str) -> None:
    series = series_for_org(session, org, series_id)
    code = localization.check_locale(lang)
    row = session.get(SeriesLocalization, (series.id, code))
    if row is None:
        raise NotFound(f"The series has no {code} text.")
    session.delete(row)
    session.flush()
    reindex(session, series)
