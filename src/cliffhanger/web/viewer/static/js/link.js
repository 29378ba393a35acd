// Pairs the parts of one watch view that are built separately — the feed and the HUD — without
// the view having to introduce them: each registers under the view's root element, and when
// both are there the HUD binds its player controls (scrubber, speed, captions) to the feed.

const views = new WeakMap(); // root element -> {feed, hud}

/** Register `part` ({feed} or {hud}) for `root`; binds once both are known. */
export function connect(root, part) {
  const entry = views.get(root) ?? {};
  Object.assign(entry, part);
  views.set(root, entry);
  if (entry.feed && entry.hud && entry.hud.boundFeed !== entry.feed) entry.hud.bindFeed(entry.feed);
}
