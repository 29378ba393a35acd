// Every user-visible text of the viewer app lives here, so a later issue can swap the
// dictionary by language without touching the views.

const EN = {
  'app.loading': 'Loading…',
  'app.error': 'Something went wrong.',
  'app.retry': 'Try again',
  'app.home': 'Back to home',
  'app.noSeries': 'No series to watch yet. Come back soon!',
  'app.seriesNotFound': 'This series is not available.',
  'app.offline': 'You seem to be offline. Check your connection and try again.',

  'feed.label': 'Episodes of {series}',
  'feed.slide': 'Episode {n}: {title}',
  'feed.episodeOf': 'Episode {n} of {total}',
  'feed.episodeShort': 'EP {n}',
  'feed.last': 'That was the last episode.',
  'feed.first': 'This is the first episode.',
  'feed.notFound': 'Episode {n} does not exist; showing episode {shown}.',
  'feed.playbackError': 'This episode could not be played. Tap to try again.',

  'player.play': 'Play',
  'player.mute': 'Mute',
  'player.unmute': 'Unmute',
  'player.tapToUnmute': 'Tap to unmute',
  'player.sound': 'Sound',
  'player.progress': 'Playback progress',
  'player.controls': 'Player controls',

  'picker.open': 'Episodes',
  'picker.title': 'Episodes',
  'picker.close': 'Close episode list',
  'picker.summary': '{episodes} · {free} free',
  'picker.finish': 'Finish the series for {coins}',
  'picker.finished': 'All episodes unlocked',
  'picker.free': 'Free',
  'picker.tile': 'Episode {n}: {title}',
  'picker.tileFree': 'free',
  'picker.tileUnlocked': 'unlocked',
  'picker.tileLocked': 'locked, {coins}',
  'picker.tileCurrent': 'now playing',

  'lock.title': 'Episode {n} is locked',
  'lock.open': 'Unlock for {coins}',

  'unlock.title': 'Unlock episode {n}',
  'unlock.subtitle': '“{title}”',
  'unlock.price': 'Episode price',
  'unlock.balance': 'Your balance',
  'unlock.finish': 'To finish the series',
  'unlock.finishDetail': '{episodes} still locked',
  'unlock.confirm': 'Unlock for {coins}',
  'unlock.working': 'Unlocking…',
  'unlock.cancel': 'Not now',
  'unlock.close': 'Close',
  'unlock.short': 'Not enough coins: this episode costs {price} and you have {balance}. You are {missing} short.',
  'unlock.conflict': 'This unlock attempt clashed with another one. Please try again.',
  'unlock.failed': 'The unlock did not go through. Please try again.',
  'unlock.done': 'Episode {n} unlocked. Enjoy!',
  'unlock.priceLock': 'Prices are fixed for this series; they never rise mid\u2011season.',

  'wallet.balance': 'Balance: {coins}',

  'coins.one': '{n} coin',
  'coins.other': '{n} coins',
  'episodes.one': '{n} episode',
  'episodes.other': '{n} episodes',
};

const LANG = { en: EN };
let dictionary = EN;

/** Text for `key`, with `{name}` placeholders filled from `params`. */
export function t(key, params = {}) {
  const text = dictionary[key] ?? EN[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

let lang = 'en';
let numberFormat = new Intl.NumberFormat(lang);
let pluralRules = new Intl.PluralRules(lang);

export function setLanguage(code) {
  lang = code in LANG ? code : 'en';
  dictionary = LANG[lang];
  numberFormat = new Intl.NumberFormat(lang);
  pluralRules = new Intl.PluralRules(lang);
}

function plural(base, amount) {
  return t(`${base}.${pluralRules.select(amount)}`, { n: numberFormat.format(amount) });
}

/** "60 coins", "1 coin", "1,200 coins". */
export const coins = (amount) => plural('coins', amount);

/** "3 episodes", "1 episode". */
export const episodes = (amount) => plural('episodes', amount);
