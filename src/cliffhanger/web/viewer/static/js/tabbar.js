// The bottom tab bar: For You, Discover, Search, My List, Profile. Hidden in the player.

import { h } from './dom.js';
import { t } from './i18n.js';
import { uiIcon } from './ui.js';

const TABS = [
  { route: 'home', href: '/', icon: 'forYou', label: 'app.tabs.forYou' },
  { route: 'discover', href: '/discover', icon: 'discover', label: 'app.tabs.discover' },
  { route: 'search', href: '/search', icon: 'search', label: 'app.tabs.search' },
  { route: 'my-list', href: '/my-list', icon: 'bookmark', label: 'app.tabs.myList' },
  { route: 'settings', href: '/settings', icon: 'user', label: 'app.tabs.profile' },
];

export class TabBar {
  constructor(parent) {
    this.links = new Map();
    this.list = h('ul', { class: 'tabbar__list' });
    this.element = h('nav', { class: 'tabbar', hidden: true }, this.list);
    parent.append(this.element);
    this.current = null;
    this.render();
  }

  /** Rebuild the labels (after a language change). */
  render() {
    this.element.setAttribute('aria-label', t('app.tabs.label'));
    this.links.clear();
    this.list.replaceChildren(
      ...TABS.map((tab) => {
        const link = h(
          'a',
          { class: 'tabbar__link', href: tab.href, dataset: { tab: tab.route } },
          uiIcon(tab.icon, 'icon tabbar__icon'),
          h('span', { class: 'tabbar__label' }, t(tab.label)),
        );
        this.links.set(tab.route, link);
        return h('li', {}, link);
      }),
    );
    this.select(this.current);
  }

  /** Mark the tab of `routeName` as the current page (none for series pages). */
  select(routeName) {
    this.current = routeName;
    for (const [route, link] of this.links) {
      if (route === routeName) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
  }

  show(visible) {
    this.element.hidden = !visible;
    document.body.classList.toggle('has-tabbar', visible);
  }
}
