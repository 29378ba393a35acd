// TikTok Minis: the `TTMinis` JS SDK that TikTok's WebView puts on the page (never loaded from
// the network by us). `TTMinis.init({clientKey})` comes before any other SDK call; the client key
// is in `<meta name="cliffhanger-tiktok-client-key">` (rendered from CLIFFHANGER_TIKTOK_CLIENT_KEY).
//
// Calls follow TikTok's documentation (developers.tiktok.com, "TikTok Minis SDK"):
//   login({success({code}), fail})                 silent login → code for POST /api/v1/auth/tiktok
//   pay(callback({is_success, error}), {trade_order_id})
//   createRewardedVideoAd({adUnitId}) → show(): Promise, onClose(({isEnded}) => …), onError(cb)
//   on('minis.share', handler) + share(callback({is_success}), {title, desc, imageUrl, query})
//   reportEvent({eventName, params, callback})
// Older SDK builds answered login with `{authResponse: {code}}`; both shapes are read.

const CLIENT_KEY_META = 'cliffhanger-tiktok-client-key';
const AD_UNIT_META = 'cliffhanger-tiktok-ad-unit-id';
const LINK_KEY = 'cliffhanger.tiktok';
const LOGIN_TIMEOUT_MS = 5_000;

function withTimeout(promise, ms, what) {
  let timer = 0;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class TikTokPlatform {
  constructor(win = window) {
    this.name = 'tiktok';
    this.win = win;
    this.api = null;
    this.initialized = false;
    this.shareContent = null;
    this.ads = new Map(); // adUnitId -> RewardedVideoAd (one instance per unit)
    this.loggingIn = null;
  }

  get sdk() {
    return this.win.TTMinis ?? null;
  }

  meta(name) {
    return this.win.document.querySelector(`meta[name="${name}"]`)?.getAttribute('content')?.trim() || null;
  }

  /** `TTMinis.init` once, before anything else touches the SDK. False when it cannot run. */
  init() {
    if (this.initialized) return true;
    const sdk = this.sdk;
    const clientKey = this.meta(CLIENT_KEY_META);
    if (!sdk || typeof sdk.init !== 'function') {
      console.warn('TikTok platform without the TTMinis SDK; host features are off');
      return false;
    }
    if (!clientKey) {
      console.warn(`TikTok platform without <meta name="${CLIENT_KEY_META}">; host features are off`);
      return false;
    }
    sdk.init({ clientKey });
    this.initialized = true;
    // The host's share button asks us what to share.
    sdk.on?.('minis.share', () => {
      if (this.shareContent) this.share(this.shareContent);
    });
    return true;
  }

  /** Boot: init, dark navigation bar, silent login (bounded: the app does not wait forever). */
  async start({ api } = {}) {
    this.api = api ?? this.api;
    if (!this.init()) return;
    this.setBarColor('#000000');
    if (this.linkedViewer() && this.linkedViewer() === this.api?.viewer?.viewer_id) return;
    try {
      await withTimeout(this.login(), LOGIN_TIMEOUT_MS, 'TikTok login');
    } catch (err) {
      console.warn('TikTok login did not complete; watching as a guest', err);
    }
  }

  linkedViewer() {
    try {
      return JSON.parse(this.win.localStorage.getItem(LINK_KEY))?.viewer_id ?? null;
    } catch {
      return null;
    }
  }

  /**
   * Silent login: the SDK's code goes to `POST /api/v1/auth/tiktok`, which links this device's
   * viewer to the TikTok user (or logs in the viewer already linked); the app then uses the
   * returned viewer token. Resolves the server's answer.
   */
  login() {
    if (!this.init()) return Promise.reject(new Error('TikTok SDK unavailable'));
    this.loggingIn ??= new Promise((resolve, reject) => {
      this.sdk.login({
        success: (result) => {
          const code = result?.code ?? result?.authResponse?.code;
          if (code) resolve(code);
          else reject(new Error('TikTok login answered without a code'));
        },
        fail: (result) => reject(Object.assign(new Error('TikTok login failed'), { detail: result?.error ?? result })),
      });
    })
      .then((code) => this.exchange(code))
      .finally(() => {
        this.loggingIn = null;
      });
    return this.loggingIn;
  }

  async exchange(code) {
    const api = this.api;
    if (!api) throw new Error('platform.start({api}) first');
    // The current viewer's token (if any) lets the server link this viewer rather than a new one.
    const result = await api.send('POST', '/auth/tiktok', { code }, api.viewer?.token ?? null);
    const viewer = { viewer_id: result.viewer_id, token: result.token };
    if (typeof api.adoptViewer === 'function') api.adoptViewer(viewer);
    else api.viewer = viewer;
    try {
      this.win.localStorage.setItem(LINK_KEY, JSON.stringify({ viewer_id: result.viewer_id, open_id: result.open_id }));
    } catch {
      // not remembered: the next visit logs in again
    }
    return result;
  }

  /** Pay a TikTok trade order (Beans). The server learns the outcome from TikTok's webhook. */
  pay(order) {
    if (!this.init()) return Promise.resolve({ status: 'failed', error: 'sdk_unavailable' });
    if (!order?.trade_order_id) return Promise.resolve({ status: 'failed', error: 'no_trade_order_id' });
    return new Promise((resolve) => {
      this.sdk.pay(
        (result) => resolve(result?.is_success ? { status: 'paid' } : { status: 'failed', error: result?.error ?? null }),
        { trade_order_id: order.trade_order_id },
      );
    });
  }

  /** A rewarded video ad for a server ad session; resolves {isEnded} from the SDK's onClose. */
  showRewardedAd(adSession) {
    if (!this.init()) return Promise.reject(new Error('TikTok SDK unavailable'));
    const adUnitId = adSession?.ad_unit_id ?? this.meta(AD_UNIT_META);
    if (!adUnitId) return Promise.reject(new Error('no TikTok ad unit id'));
    let ad = this.ads.get(adUnitId);
    if (!ad) {
      ad = this.sdk.createRewardedVideoAd({ adUnitId });
      this.ads.set(adUnitId, ad);
    }
    return new Promise((resolve, reject) => {
      const done = () => {
        ad.offClose?.(onClose);
        ad.offError?.(onError);
      };
      const onClose = (result) => {
        done();
        resolve({ isEnded: Boolean(result?.isEnded) });
      };
      const onError = (error) => {
        done();
        reject(Object.assign(new Error('rewarded ad failed'), { detail: error }));
      };
      ad.onClose(onClose);
      ad.onError?.(onError);
      Promise.resolve()
        .then(() => ad.show())
        .catch(onError);
    });
  }

  /** Share through TikTok (runs inside the host's `minis.share` flow). */
  share(payload) {
    if (!this.init()) return Promise.resolve({ shared: false });
    return new Promise((resolve) => {
      this.sdk.share((result) => resolve({ shared: Boolean(result?.is_success) }), {
        title: payload.title,
        desc: payload.desc,
        imageUrl: payload.imageUrl,
        query: payload.query,
      });
    });
  }

  setShareContent(payload) {
    this.shareContent = payload;
  }

  reportEvent(eventName, params = {}) {
    if (!this.init()) return;
    try {
      this.sdk.reportEvent({ eventName, params, callback: () => {} });
    } catch (err) {
      console.warn('TTMinis.reportEvent failed', err);
    }
  }

  /**
   * The host's navigation bar colour. TikTok reads the bar colours from `minis.config.json`
   * (`navbar`); a SDK build with `setNavigationBarColor` is also told at run time.
   */
  setBarColor(color) {
    let meta = this.win.document.querySelector('meta[name="theme-color"]');
    if (!meta) {
      meta = this.win.document.createElement('meta');
      meta.name = 'theme-color';
      this.win.document.head.append(meta);
    }
    meta.setAttribute('content', color);
    const sdk = this.sdk;
    if (!this.initialized || typeof sdk?.setNavigationBarColor !== 'function') return;
    try {
      sdk.setNavigationBarColor({ frontColor: isDark(color) ? '#ffffff' : '#000000', backgroundColor: color });
    } catch (err) {
      console.warn('setNavigationBarColor failed', err);
    }
  }

  /** TikTok's UI language when the SDK tells it, else the WebView's. */
  locale() {
    if (!this.init()) return null;
    try {
      const sdk = this.sdk;
      const info = sdk.getSystemInfoSync?.() ?? sdk.getEnvInfoSync?.() ?? null;
      return info?.language ?? info?.locale ?? this.win.navigator.language ?? null;
    } catch {
      return this.win.navigator.language ?? null;
    }
  }
}

function isDark(color) {
  const hex = /^#?([0-9a-f]{6})$/i.exec(color)?.[1];
  if (!hex) return true;
  const [r, g, b] = [0, 2, 4].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 140;
}
