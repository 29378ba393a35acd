// The viewer's player choices on this device: playback speed and subtitle language.

import { RATES } from './player.js';

const KEY = 'cliffhanger.player';

function read() {
  try {
    const value = JSON.parse(window.localStorage.getItem(KEY));
    return value && typeof value === 'object' ? value : {};
  } catch {
    return {};
  }
}

function write(patch) {
  try {
    window.localStorage.setItem(KEY, JSON.stringify({ ...read(), ...patch }));
  } catch {
    // storage unavailable (private mode, some WebViews): the choice lasts for this page only
  }
}

/** The remembered playback rate (1 when none, or an unknown value). */
export function savedRate() {
  const rate = Number(read().rate);
  return RATES.includes(rate) ? rate : 1;
}

export function saveRate(rate) {
  write({ rate });
}

/** The remembered subtitle choice: a language tag, 'off', or null (never chosen: automatic). */
export function savedCaptions() {
  const value = read().captions;
  return typeof value === 'string' && value ? value : null;
}

export function saveCaptions(value) {
  write({ captions: value });
}

/**
 * The track to show: the viewer's saved choice, else the UI language, else the track the server
 * marks as default (the series' language or English). Null: no subtitles.
 * @param {{lang: string, url: string|null, default?: boolean}[]} tracks
 */
export function chooseSubtitle(tracks, saved, uiLocale) {
  const usable = (tracks ?? []).filter((track) => track.url);
  if (!usable.length || saved === 'off') return null;
  const match = (tag) => {
    if (!tag) return null;
    const lower = tag.toLowerCase();
    const base = lower.split('-')[0];
    return (
      usable.find((track) => track.lang.toLowerCase() === lower) ??
      usable.find((track) => track.lang.toLowerCase().split('-')[0] === base) ??
      null
    );
  };
  return (match(saved) ?? match(uiLocale) ?? usable.find((track) => track.default) ?? usable[0]).lang;
}
