// Languages of the viewer app: catalogs, locale detection and choice, plurals and numbers.
//
// Catalogs are JSON files per locale and namespace under `static/i18n/{locale}/{namespace}.json`
// (`app`: everything but the player, `player`: the player, `money`: paywall, shop, ads, wallet). A file is a flat or nested object;
// nested keys join with dots and every key gets its namespace as prefix: `{"tabs": {"search":
// "Search"}}` in `app.json` is `app.tabs.search`. Text may carry `{name}` placeholders.
//
//   await loadLocale();                 // once, before the first render
//   t('app.search.title')               // "Search"
//   t('app.series.resume', {n: 4})      // "Resume from episode 4"
//   plural('app.coins', 1200)           // "1,200 coins" (app.coins.one / .other / … by Intl.PluralRules)
//   await setLocale('ja')               // persists, sets <html lang>, fires `localechange` on window
//
// A missing key falls back to English, then to the key itself.

export const SUPPORTED = ['en', 'es', 'pt-BR', 'id', 'th', 'ko', 'ja'];
export const NAMESPACES = ['app', 'player', 'money'];
export const DEFAULT_LOCALE = 'en';
const STORAGE_KEY = 'cliffhanger.locale';
const CATALOG_ROOT = new URL('../i18n/', import.meta.url); // static/i18n/{locale}/{namespace}.json
const COMBINED_ROOT = new URL('../../i18n/', import.meta.url); // /i18n/{locale}.json (web/pages.py)

let locale = DEFAULT_LOCALE;
let messages = {}; // flattened catalog of the current locale
let english = {}; // flattened English catalog, the fallback
// Made on first use: the first Intl object of a page loads the engine's locale data (~50 ms
// measured in Chromium), which must not sit in front of the first frame.
let pluralRules = null;
let numberFormat = null;
const loaded = new Map(); // locale -> Promise<flattened catalog>
let platformDetector = null;

/**
 * The supported locale for a BCP 47 tag, or null: `pt`, `pt-PT` → `pt-BR`; `es-MX` → `es`;
 * `ja-JP` → `ja`; `in` (the old code for Indonesian) → `id`.
 */
export function matchLocale(tag) {
  if (!tag || typeof tag !== 'string') return null;
  const clean = tag.trim().replace(/_/g, '-');
  const exact = SUPPORTED.find((code) => code.toLowerCase() === clean.toLowerCase());
  if (exact) return exact;
  const base = clean.split('-')[0].toLowerCase();
  if (base === 'pt') return 'pt-BR';
  if (base === 'in') return 'id';
  return SUPPORTED.find((code) => code.toLowerCase() === base) ?? null;
}

/**
 * Let a platform adapter say which language the host app runs in (e.g. TikTok's). Register
 * before `loadLocale()`; `fn` returns a BCP 47 tag or null.
 */
export function setPlatformLocaleDetector(fn) {
  platformDetector = typeof fn === 'function' ? fn : null;
}

/**
 * The host platform's language, when the platform exposes one: a registered detector first,
 * then the TikTok Minis SDK if it is on the page. Null in a plain browser.
 */
export function detectPlatformLocale() {
  try {
    if (platformDetector) return matchLocale(platformDetector());
    const tt = window.TTMinis;
    if (!tt) return null;
    // Hook: read the environment's language if the SDK exposes it; the TikTok platform
    // adapter should register the documented call with setPlatformLocaleDetector().
    const env = typeof tt.getEnvInfoSync === 'function' ? tt.getEnvInfoSync() : tt.env;
    return matchLocale(env?.language ?? env?.locale ?? null);
  } catch {
    return null;
  }
}

function storedLocale() {
  try {
    return matchLocale(window.localStorage.getItem(STORAGE_KEY));
  } catch {
    return null; // storage unavailable (private mode, some WebViews)
  }
}

/** Stored choice, else the platform's language, else the browser's, else English. */
export function detectLocale() {
  const stored = storedLocale();
  if (stored) return stored;
  const platform = detectPlatformLocale();
  if (platform) return platform;
  const languages = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const tag of languages) {
    const found = matchLocale(tag);
    if (found) return found;
  }
  return DEFAULT_LOCALE;
}

function flatten(object, prefix, out) {
  for (const [key, value] of Object.entries(object ?? {})) {
    const full = `${prefix}.${key}`;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) flatten(value, full, out);
    else if (typeof value === 'string') out[full] = value;
  }
  return out;
}

/**
 * All of a locale's namespaces in one request (`/i18n/{code}.json`, served from the files
 * below); should that fail, each namespace's own file.
 */
async function fetchCatalogs(code) {
  try {
    const response = await fetch(new URL(`${code}.json`, COMBINED_ROOT), {
      credentials: 'same-origin',
      cache: 'no-cache',
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const document = await response.json();
    return Object.assign({}, ...NAMESPACES.map((ns) => flatten(document[ns], ns, {})));
  } catch (err) {
    console.warn(`catalogs of ${code} did not load in one request`, err);
    const parts = await Promise.all(NAMESPACES.map((ns) => fetchNamespace(code, ns)));
    return Object.assign({}, ...parts);
  }
}

async function fetchNamespace(code, namespace) {
  try {
    const response = await fetch(new URL(`${code}/${namespace}.json`, CATALOG_ROOT), {
      credentials: 'same-origin',
      cache: 'no-cache', // revalidate (a 304 is cheap): texts must follow the deployed code
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return flatten(await response.json(), namespace, {});
  } catch (err) {
    console.warn(`catalog ${code}/${namespace}.json did not load`, err);
    return {};
  }
}

function catalogFor(code) {
  if (!loaded.has(code)) {
    loaded.set(code, fetchCatalogs(code));
  }
  return loaded.get(code);
}

function apply(code, catalog, fallback) {
  locale = code;
  messages = catalog;
  english = fallback;
  pluralRules = null;
  numberFormat = null;
  document.documentElement.lang = code;
}

/** Detect (or take) the locale and load its catalogs and the English fallback. Call once at startup. */
export async function loadLocale(code = detectLocale()) {
  const chosen = matchLocale(code) ?? DEFAULT_LOCALE;
  const [catalog, fallback] = await Promise.all([catalogFor(chosen), catalogFor(DEFAULT_LOCALE)]);
  apply(chosen, catalog, fallback);
  return chosen;
}

/** Switch language: remembered on this device, `<html lang>` updated, `localechange` fired. */
export async function setLocale(code) {
  const chosen = matchLocale(code);
  if (!chosen) throw new RangeError(`unsupported locale: ${code}`);
  try {
    window.localStorage.setItem(STORAGE_KEY, chosen);
  } catch {
    // not persisted; the choice still holds for this page
  }
  const previous = locale;
  await loadLocale(chosen);
  if (previous !== chosen) {
    window.dispatchEvent(new CustomEvent('localechange', { detail: { locale: chosen, previous } }));
  }
  return chosen;
}

export function getLocale() {
  return locale;
}

/** True when the current catalog or the English one has `key`. */
export function has(key) {
  return key in messages || key in english;
}

function fill(text, params) {
  return text.replace(/\{(\w+)\}/g, (match, name) => (params && name in params ? String(params[name]) : match));
}

/** Text for `key` (`app.…` or `player.…`) with `{name}` placeholders filled from `params`. */
export function t(key, params = undefined) {
  const text = messages[key] ?? english[key] ?? key;
  return params ? fill(text, params) : text;
}

/**
 * The plural form of `key` for `n`: `key.one`, `key.few`, `key.other`… as Intl.PluralRules picks
 * for the current locale, falling back to `key.other`. `{n}` is the formatted number.
 */
export function plural(key, n, params = {}) {
  pluralRules ??= new Intl.PluralRules(locale);
  const category = pluralRules.select(n);
  const form = `${key}.${category}`;
  const chosen = form in messages || (!(`${key}.other` in messages) && form in english) ? form : `${key}.other`;
  return t(chosen, { n: formatNumber(n), ...params });
}

/** `1234.5` → "1,234.5" in English, "1.234,5" in Spanish… */
export function formatNumber(n) {
  // Whole numbers below 1000 read the same in every supported locale (Latin digits, no
  // grouping): no need to wake Intl for them on the way to the first frame ("1×", "Episode 3").
  if (Number.isInteger(n) && n >= 0 && n < 1000) return String(n);
  numberFormat ??= new Intl.NumberFormat(locale);
  return numberFormat.format(n);
}
