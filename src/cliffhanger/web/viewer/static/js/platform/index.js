// The platform adapter: one small interface the app calls, backed at run time by our own web
// implementation (`web.js`) or by TikTok Minis (`tiktok.js`, the `TTMinis` SDK that TikTok's
// WebView provides). TikTok is chosen when `window.TTMinis` exists, or with `?platform=tiktok`.
//
//   platform.name                      'web' | 'tiktok'
//   await platform.start({api})        once at boot: SDK init (TikTok: init first), login, bar colour
//   await platform.login()             → {viewer_id, token, open_id} | null (web: anonymous, null)
//   platform.linkedViewer()            the viewer id a platform login linked on this device, or null
//   await platform.pay(order)          order from POST /api/v1/orders → {status: 'paid'|'redirected'|'failed'|'cancelled', error?}
//   await platform.showRewardedAd(ad)  ad session from the ads API → {isEnded: boolean}
//   await platform.share(payload)      {title, desc, imageUrl, query} → {shared: boolean}
//   platform.setShareContent(payload)  what the host's own share button shares (TikTok: minis.share)
//   platform.reportEvent(name, params) host analytics (TikTok: drama_episode_play …); web: no-op
//   platform.setBarColor(color)        host navigation bar / browser theme colour
//   platform.locale()                  the host app's language tag, or null

import { setPlatformLocaleDetector } from '../i18n.js';
import { detectPlatform } from './detect.js';
import { TikTokPlatform } from './tiktok.js';
import { WebPlatform } from './web.js';

function create() {
  return detectPlatform() === 'tiktok' ? new TikTokPlatform(window) : new WebPlatform(window);
}

/** The adapter of this page. */
export const platform = create();

// Evaluated with the module graph, so before the app loads its language catalogs.
setPlatformLocaleDetector(() => platform.locale());
