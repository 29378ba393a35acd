// Which platform adapter this page uses, without loading either (boot.js asks before the app
// has loaded): TikTok when the Minis SDK is on the page or `?platform=tiktok` forces it.

/** 'tiktok' or 'web' for this page. */
export function detectPlatform(win = window) {
  const forced = new URLSearchParams(win.location.search).get('platform');
  if (forced === 'tiktok' || forced === 'web') return forced;
  return win.TTMinis ? 'tiktok' : 'web';
}
