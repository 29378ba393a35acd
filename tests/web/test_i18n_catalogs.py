"""The viewer app's language catalogs (`web/viewer/static/i18n/{locale}/{ns}.json`) stay whole:
every supported locale has every namespace the app loads, every English `app` text is translated,
no stray keys, placeholders match, plural forms fit the language."""

from __future__ import annotations

import json
import re

import pytest

from cliffhanger.web.viewer.pages import WEB_DIR

I18N = WEB_DIR / "static" / "i18n"
I18N_JS = (WEB_DIR / "static" / "js" / "i18n.js").read_text(encoding="utf-8")
LOCALES = ["en", "es", "pt-BR", "id", "th", "ko", "ja"]


def js_list(name: str) -> list[str]:
    match = re.search(rf"export const {name} = \[([^\]]*)\]", I18N_JS)
    assert match, name
    return re.findall(r"'([^']+)'", match.group(1))


# The namespaces the app loads (`app` is ours; `player` and `money` belong to their screens).
NAMESPACES = js_list("NAMESPACES")
PLURAL = {"zero", "one", "two", "few", "many", "other"}
# CLDR plural categories of cardinal numbers (what Intl.PluralRules answers).
CATEGORIES = {
    "en": {"one", "other"}, "es": {"one", "many", "other"}, "pt-BR": {"one", "many", "other"},
    "id": {"other"}, "th": {"other"}, "ko": {"other"}, "ja": {"other"},
}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def flatten(obj: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in obj.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            out.update(flatten(value, full))
        else:
            assert isinstance(value, str), f"{full}: texts are strings"
            out[full] = value
    return out


def load(locale: str, namespace: str) -> dict[str, str]:
    path = I18N / locale / f"{namespace}.json"
    assert path.exists(), f"{path} is missing (create it with {{}} at least)"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path}: a catalog is a JSON object"
    return flatten(data)


def split_plural(key: str) -> tuple[str, str | None]:
    base, _, last = key.rpartition(".")
    return (base, last) if last in PLURAL and base else (key, None)


def shape(catalog: dict[str, str]) -> tuple[set[str], dict[str, set[str]]]:
    """Plain keys, and plural bases with the categories given."""
    plain: set[str] = set()
    plurals: dict[str, set[str]] = {}
    for key in catalog:
        base, category = split_plural(key)
        if category:
            plurals.setdefault(base, set()).add(category)
        else:
            plain.add(key)
    return plain, plurals


@pytest.mark.parametrize("namespace", NAMESPACES)
@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_matches_english(locale: str, namespace: str):
    english = load("en", namespace)
    catalog = load(locale, namespace)
    en_plain, en_plurals = shape(english)
    plain, plurals = shape(catalog)

    stray = sorted(plain - en_plain)
    assert not stray, f"{locale}/{namespace}: keys English lacks: {stray}"
    assert not set(plurals) - set(en_plurals), f"{locale}/{namespace}: plural keys English lacks"
    if namespace == "app":
        assert not en_plain - plain, f"{locale}/app: untranslated: {sorted(en_plain - plain)}"
        assert not set(en_plurals) - set(plurals), f"{locale}/app: untranslated plurals"
    for base, categories in plurals.items():
        assert "other" in categories, f"{locale}/{namespace}: {base} needs an `other` form"
        extra = categories - CATEGORIES[locale]
        assert not extra, f"{locale}/{namespace}: {base} has forms {extra} the language never uses"

    for key, text in catalog.items():
        english_key = key if key in english else f"{split_plural(key)[0]}.other"
        allowed = set(PLACEHOLDER.findall(english.get(english_key, "")))
        if split_plural(key)[1]:
            allowed.add("n")
        used = set(PLACEHOLDER.findall(text))
        unknown = used - allowed
        assert not unknown, f"{locale}/{namespace}: {key} uses unknown placeholders {unknown}"
        assert text.strip(), f"{locale}/{namespace}: {key} is empty"


def test_english_plural_forms_are_complete():
    _, plurals = shape(load("en", "app"))
    for base, categories in plurals.items():
        assert categories == {"one", "other"}, base


def test_only_supported_locales_ship():
    shipped = sorted(p.name for p in I18N.iterdir() if p.is_dir())
    assert shipped == sorted(LOCALES)


def test_i18n_module_lists_the_same_locales():
    assert js_list("SUPPORTED") == LOCALES
    assert "app" in NAMESPACES and "player" in NAMESPACES
