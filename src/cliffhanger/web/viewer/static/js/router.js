// Client-side navigation: same-origin links to app routes load no page; Back and Forward work.
//
// Every history entry the router makes carries `idx` (its position in this visit), so a view can
// tell whether "back" stays inside the app, and whatever a view saves with `saveState` (scroll
// position, feed index) to find its place again when the viewer comes back.

import { parseRoute } from './route.js';

export class Router {
  /** @param {(route: object, state: object) => void} onRoute */
  constructor(onRoute) {
    this.onRoute = onRoute;
    this.onPop = () => this.onRoute(this.route, this.state);
    this.onClick = (event) => this.intercept(event);
  }

  get route() {
    return parseRoute(window.location.pathname, window.location.search);
  }

  get state() {
    return window.history.state || {};
  }

  start() {
    if ('scrollRestoration' in window.history) window.history.scrollRestoration = 'manual';
    if (typeof this.state.idx !== 'number') window.history.replaceState({ ...this.state, idx: 0 }, '');
    window.addEventListener('popstate', this.onPop);
    document.addEventListener('click', this.onClick);
    this.onRoute(this.route, this.state);
  }

  /** Go to `url` (path + query) inside the app: a new history entry unless `replace`. */
  navigate(url, { replace = false } = {}) {
    const target = new URL(url, window.location.href);
    const here = window.location.pathname + window.location.search;
    const path = target.pathname + target.search;
    if (!replace && path === here) {
      // Tapping the tab you are on does not stack entries; it takes you back to the top.
      document.querySelector('main .screen, main .foryou__feed')?.scrollTo({ top: 0 });
      return;
    }
    const idx = replace ? this.state.idx ?? 0 : (this.state.idx ?? 0) + 1;
    if (replace) window.history.replaceState({ idx }, '', path);
    else window.history.pushState({ idx }, '', path);
    this.onRoute(this.route, this.state);
  }

  /** True when the previous history entry is a page of this app. */
  get canGoBack() {
    return (this.state.idx ?? 0) > 0;
  }

  /** Back inside the app, else to `fallback` (a deep link has nothing to go back to). */
  back(fallback = '/') {
    if (this.canGoBack) window.history.back();
    else this.navigate(fallback, { replace: true });
  }

  /** Remember view state (scroll position…) on the current entry, for Back/Forward. */
  saveState(patch) {
    window.history.replaceState({ ...this.state, ...patch }, '');
  }

  /**
   * Change the query of the current entry (e.g. the search text) without a new entry. Only the
   * query: a late call from a screen the viewer already left does not touch the new page.
   */
  replaceQuery(url) {
    const target = new URL(url, window.location.href);
    if (target.pathname !== window.location.pathname) return;
    if (target.search === window.location.search) return;
    window.history.replaceState(this.state, '', target.pathname + target.search);
  }

  intercept(event) {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.target instanceof Element ? event.target.closest('a[href]') : null;
    if (!link || link.target || link.hasAttribute('download') || link.dataset.external !== undefined) return;
    const url = new URL(link.href, window.location.href);
    if (url.origin !== window.location.origin) return;
    if (parseRoute(url.pathname, url.search).name === 'not-found') return;
    event.preventDefault();
    this.navigate(url.pathname + url.search, { replace: link.dataset.replace !== undefined });
  }
}
