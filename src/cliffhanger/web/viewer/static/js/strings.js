// Compatibility layer over i18n.js for modules written before the catalogs existed.
//
// Their keys (`feed.label`, `unlock.title`, `app.loading`…) live in `static/i18n/{locale}/app.json`
// and resolve as `app.<key>`; a key that is not there is looked up as given, so
// `t('player.speed')` reaches `player.json`. New code should import from i18n.js directly.

import { has, plural, setLocale, t as translate } from './i18n.js';

/** Text for `key`, with `{name}` placeholders filled from `params`. */
export function t(key, params = {}) {
  const appKey = `app.${key}`;
  return translate(has(appKey) ? appKey : key, params);
}

/** Switch the app's language (see i18n.setLocale). */
export function setLanguage(code) {
  return setLocale(code);
}

/** "60 coins", "1 coin", "1,200 coins" in the current language. */
export const coins = (amount) => plural('app.coins', amount);

/** "3 episodes", "1 episode". */
export const episodes = (amount) => plural('app.episodes', amount);
