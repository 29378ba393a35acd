"""Languages: the supported locales, choosing a viewer's language, and localized series text.

The app ships in the Minis markets' languages. A series is written in one of them
(`Series.language`) and may carry a title and synopsis in any other (`series_localization`).
Viewer endpoints answer in the language asked for with `?lang=`, else the best match of the
`Accept-Language` header, else the viewer's stored locale, else English; a series without text
in that language falls back to its original text (and says so in `lang`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cliffhanger.catalog.models import Series, SeriesLocalization
from cliffhanger.kit.errors import Invalid

DEFAULT_LOCALE = "en"


@dataclass(frozen=True)
class Locale:
    code: str
    name: str
    """The language's own name for itself (what a language switcher shows)."""
    english_name: str


LOCALES: tuple[Locale, ...] = (
    Locale("en", "English", "English"),
    Locale("es", "Español", "Spanish"),
    Locale("pt-BR", "Português (Brasil)", "Portuguese (Brazil)"),
    Locale("id", "Bahasa Indonesia", "Indonesian"),
    Locale("th", "ไทย", "Thai"),
    Locale("ko", "한국어", "Korean"),
    Locale("ja", "日本語", "Japanese"),
)
SUPPORTED: frozenset[str] = frozenset(loc.code for loc in LOCALES)
_BY_LOWER = {loc.code.lower(): loc.code for loc in LOCALES}
# Primary subtags that map onto a supported locale of another spelling (pt, pt-PT -> pt-BR;
# "in" is Indonesian's pre-1989 ISO code, still sent by some Android WebViews).
_PRIMARY = {"en": "en", "es": "es", "pt": "pt-BR", "id": "id", "in": "id", "th": "th",
            "ko": "ko", "ja": "ja"}
_TAG_RE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")


def match_locale(tag: str | None) -> str | None:
    """The supported locale a language tag means (`pt` -> `pt-BR`, `es-MX` -> `es`), or None."""
    if not tag:
        return None
    tag = tag.strip().replace("_", "-")
    if not _TAG_RE.match(tag):
        return None
    exact = _BY_LOWER.get(tag.lower())
    if exact:
        return exact
    return _PRIMARY.get(tag.split("-", 1)[0].lower())


def check_locale(value: str, field: str = "lang") -> str:
    """A supported locale code in its canonical spelling; `Invalid` for anything else."""
    code = _BY_LOWER.get((value or "").strip().replace("_", "-").lower())
    if code is None:
        raise Invalid(
            f"{field} must be one of {', '.join(loc.code for loc in LOCALES)} (got {value!r}).",
            field=field, code="unsupported_language",
        )
    return code


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags of an Accept-Language header, most preferred first (q=0 dropped)."""
    if not header:
        return []
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0 and tag.strip() != "*":
            ranked.append((-q, index, tag.strip()))
    return [tag for _q, _i, tag in sorted(ranked)]


def negotiate(query_lang: str | None, accept_language: str | None,
              viewer_locale: str | None) -> str:
    """The language to answer in: `?lang=` (must be supported), else Accept-Language, else the
    viewer's stored locale, else English."""
    if query_lang:
        return check_locale(match_locale(query_lang) or query_lang)
    for tag in parse_accept_language(accept_language):
        found = match_locale(tag)
        if found:
            return found
    return match_locale(viewer_locale) or DEFAULT_LOCALE


# ----- subtitle language tags --------------------------------------------------------------------

_SUBTAG_RE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|\d{3}))?$")
_NATIVE_NAMES = {loc.code: loc.name for loc in LOCALES} | {
    "pt": "Português", "zh": "中文", "zh-Hans": "简体中文", "zh-Hant": "繁體中文",
    "vi": "Tiếng Việt", "fr": "Français", "de": "Deutsch", "ar": "العربية", "tl": "Filipino",
    "ms": "Bahasa Melayu", "hi": "हिन्दी", "ru": "Русский", "tr": "Türkçe", "it": "Italiano",
}


def canonical_tag(value: str) -> str:
    """A BCP 47 language tag (language[-Script][-REGION]) in canonical case, for subtitles.

    Subtitles are not limited to the app's UI languages, but the tag must be well formed: it
    ends up in HLS attributes and storage keys.
    """
    tag = (value or "").strip().replace("_", "-")
    if not _SUBTAG_RE.match(tag):
        raise Invalid(
            "lang must be a language tag like en, es, pt-BR or zh-Hant.", field="lang",
            code="bad_language_tag",
        )
    parts = tag.split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        out.append(part.title() if len(part) == 4 else part.upper())
    canonical = "-".join(out)
    return _BY_LOWER.get(canonical.lower(), canonical)


def language_name(tag: str) -> str:
    return _NATIVE_NAMES.get(tag) or _NATIVE_NAMES.get(tag.split("-", 1)[0]) or tag


# ----- localized series text ---------------------------------------------------------------------


@dataclass(frozen=True)
class LocalizedText:
    title: str
    synopsis: str
    lang: str
    """The language `title` and `synopsis` are in (the original's when no translation exists)."""


def localizations_for(
    session: Session, series_ids: Iterable[str], lang: str
) -> dict[str, SeriesLocalization]:
    ids = list(set(series_ids))
    if not ids:
        return {}
    rows = session.scalars(
        select(SeriesLocalization).where(
            SeriesLocalization.series_id.in_(ids), SeriesLocalization.lang == lang
        )
    )
    return {row.series_id: row for row in rows}


def localized(series: Series, lang: str, found: SeriesLocalization | None) -> LocalizedText:
    if found is not None and lang != series.language:
        return LocalizedText(found.title, found.synopsis or series.synopsis, found.lang)
    return LocalizedText(series.title, series.synopsis, series.language)
