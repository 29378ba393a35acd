// Input for the vertical feed: swipe (touch, pen or mouse drag), wheel/trackpad, keyboard, tap.

const DRAG_START_PX = 10;      // movement before a press becomes a drag instead of a tap
const SWIPE_FRACTION = 0.18;   // of the feed height, to commit a swipe
const SWIPE_VELOCITY = 0.45;   // px per ms, a quick flick commits even when short
const WHEEL_THRESHOLD = 40;    // accumulated deltaY (px) for one step
const WHEEL_QUIET_MS = 180;    // trackpad inertia ends after this much silence
const SEEK_STEP_S = 5;         // ←/→

const INTERACTIVE = 'button, a, input, select, textarea, [role="button"], [role="slider"]';

/**
 * Wire gestures on `surface`. Handlers: next(), previous(), tap(), drag(offsetPx), dragEnd(),
 * and for keys toggleMute(), seekBy(seconds), toggleCaptions(), openMenu('speed').
 * Returns a function removing every listener.
 */
export function attachFeedGestures(surface, handlers, { isBlocked = () => false } = {}) {
  let press = null;
  let dragged = false; // the click that ends a mouse drag is not a tap
  let wheelSum = 0;
  let wheelLocked = false;
  let wheelTimer = 0;

  function onPointerDown(event) {
    if (isBlocked() || !event.isPrimary || event.button > 0) return;
    if (event.target.closest(INTERACTIVE)) return;
    dragged = false;
    press = { id: event.pointerId, y: event.clientY, x: event.clientX, t: event.timeStamp, dragging: false };
  }

  function onPointerMove(event) {
    if (!press || event.pointerId !== press.id) return;
    const dy = event.clientY - press.y;
    if (!press.dragging && Math.abs(dy) > DRAG_START_PX && Math.abs(dy) > Math.abs(event.clientX - press.x)) {
      press.dragging = true;
      surface.setPointerCapture?.(event.pointerId);
    }
    if (press.dragging) {
      event.preventDefault();
      handlers.drag(dy);
    }
  }

  function onPointerUp(event) {
    if (!press || event.pointerId !== press.id) return;
    const { dragging, y, t } = press;
    press = null;
    const dy = event.clientY - y;
    const elapsed = Math.max(1, event.timeStamp - t);
    if (!dragging) return; // a tap: handled on click, after the browser's own tap detection
    dragged = true;
    const far = Math.abs(dy) > surface.clientHeight * SWIPE_FRACTION;
    const fast = Math.abs(dy) / elapsed > SWIPE_VELOCITY;
    if (event.type === 'pointerup' && (far || fast)) {
      if (dy < 0) handlers.next();
      else handlers.previous();
    } else {
      handlers.dragEnd();
    }
  }

  // Taps are clicks, not pointerups: a control that appears under the finger on pointerup
  // (the play button after a pause) would otherwise receive the tap's click as well.
  function onClick(event) {
    if (isBlocked() || dragged || event.target.closest(INTERACTIVE)) return;
    handlers.tap();
  }

  function onWheel(event) {
    if (isBlocked() || event.ctrlKey) return; // ctrl+wheel is pinch-zoom
    event.preventDefault();
    window.clearTimeout(wheelTimer);
    wheelTimer = window.setTimeout(() => {
      wheelLocked = false;
      wheelSum = 0;
    }, WHEEL_QUIET_MS);
    if (wheelLocked) return;
    wheelSum += event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY;
    if (Math.abs(wheelSum) < WHEEL_THRESHOLD) return;
    wheelLocked = true; // one step per gesture, however long the inertia tail
    if (wheelSum > 0) handlers.next();
    else handlers.previous();
    wheelSum = 0;
  }

  function onKeyDown(event) {
    if (isBlocked() || event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) return;
    const target = event.target;
    if (target instanceof Element && target.closest('input, textarea, select, [contenteditable]')) return;
    switch (event.key) {
      case 'ArrowDown':
      case 'PageDown':
        handlers.next();
        break;
      case 'ArrowUp':
      case 'PageUp':
        handlers.previous();
        break;
      case ' ':
      case 'k':
        if (target instanceof Element && target.closest(INTERACTIVE)) return; // Space clicks buttons
        handlers.tap();
        break;
      case 'ArrowLeft':
      case 'ArrowRight':
        if (target instanceof Element && target.closest('[role="slider"], input')) return; // it seeks itself
        handlers.seekBy?.(event.key === 'ArrowLeft' ? -SEEK_STEP_S : SEEK_STEP_S);
        break;
      case 'm':
        handlers.toggleMute?.();
        break;
      case 'c':
        handlers.toggleCaptions?.();
        break;
      case 's':
        handlers.openMenu?.('speed');
        break;
      default:
        return;
    }
    event.preventDefault();
  }

  surface.addEventListener('pointerdown', onPointerDown);
  surface.addEventListener('pointermove', onPointerMove);
  surface.addEventListener('pointerup', onPointerUp);
  surface.addEventListener('pointercancel', onPointerUp);
  surface.addEventListener('click', onClick);
  surface.addEventListener('wheel', onWheel, { passive: false });
  document.addEventListener('keydown', onKeyDown);
  return () => {
    surface.removeEventListener('pointerdown', onPointerDown);
    surface.removeEventListener('pointermove', onPointerMove);
    surface.removeEventListener('pointerup', onPointerUp);
    surface.removeEventListener('pointercancel', onPointerUp);
    surface.removeEventListener('click', onClick);
    surface.removeEventListener('wheel', onWheel);
    document.removeEventListener('keydown', onKeyDown);
    window.clearTimeout(wheelTimer);
  };
}
