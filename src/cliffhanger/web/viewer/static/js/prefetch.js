// Answers asked for before the code that needs them has loaded (boot.js asks, the views take).
// Each answer is taken once: a later visit to the same screen asks the API again.

const answers = new Map(); // key -> Promise

/** Keep `promise` under `key` until taken; a failure surfaces to whoever takes it, not before. */
export function putPrefetch(key, promise) {
  promise.catch(() => {}); // not an unhandled rejection while nobody has taken it yet
  answers.set(key, promise);
  return promise;
}

/** The promise kept under `key`, or null; either way the key is gone afterwards. */
export function takePrefetch(key) {
  const promise = answers.get(key) ?? null;
  answers.delete(key);
  return promise;
}

export const seriesKey = (seriesId, lang) => `series:${seriesId}:${lang}`;
export const playbackKey = (episodeId, lang) => `playback:${episodeId}:${lang}`;
export const playerKey = (episodeId) => `player:${episodeId}`;

/** True while `key` holds an answer nobody has taken. */
export function hasPrefetch(key) {
  return answers.has(key);
}
