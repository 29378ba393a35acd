// Tiny DOM helpers: build elements without innerHTML, and the app's inline SVG icons.

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * h('button', {class: 'x', 'aria-label': 'Play', onclick: fn}, child, 'text')
 * Attributes set to null/undefined/false are skipped; `true` sets an empty attribute.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'dataset') {
      Object.assign(el.dataset, value);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace every child of `el`. */
export function replaceChildren(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

// 24x24 stroke icons drawn for this app (styled in CSS: stroke=currentColor).
const ICONS = {
  play: ['M7 4.5v15l12-7.5z'],
  pause: ['M8 5v14', 'M16 5v14'],
  list: ['M8 6h13', 'M8 12h13', 'M8 18h13', 'M3 6h.01', 'M3 12h.01', 'M3 18h.01'],
  volume: ['M11 5 6 9H2v6h4l5 4z', 'M15.5 8.5a5 5 0 0 1 0 7', 'M19 5a10 10 0 0 1 0 14'],
  mute: ['M11 5 6 9H2v6h4l5 4z', 'M22 9l-6 6', 'M16 9l6 6'],
  lock: ['M5 11h14v10H5z', 'M8 11V7a4 4 0 0 1 8 0v4'],
  close: ['M18 6 6 18', 'M6 6l12 12'],
  coin: ['M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18', 'M9.5 9.5c0-1.1 1.1-2 2.5-2s2.5.9 2.5 2-1.1 1.6-2.5 2-2.5.9-2.5 2 1.1 2 2.5 2 2.5-.9 2.5-2', 'M12 6v1.5', 'M12 16.5V18'],
  check: ['M20 6 9 17l-5-5'],
  bag: ['M5.5 8h13l-1.2 12.5H6.7z', 'M9 10V6.5a3 3 0 0 1 6 0V10'],
  captions: ['M5 5h14a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2z', 'M10.5 10.2A2 2 0 1 0 10.5 13.8', 'M16.5 10.2A2 2 0 1 0 16.5 13.8'],
  speed: ['M4.6 17.5a8.5 8.5 0 1 1 14.8 0', 'M12 14l4.2-4.2', 'M12 14h.01'],
};

/** An inline SVG icon; decorative (aria-hidden) because every control carries its own label. */
export function icon(name, className = 'icon') {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', `${className} ${className}--${name}`);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  for (const d of ICONS[name]) {
    const path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', d);
    svg.append(path);
  }
  return svg;
}

/** True when the viewer asked the system for less motion. */
export function prefersReducedMotion() {
  return window.matchMedia('(prefers-reduced-motion: reduce)').matches;
}
