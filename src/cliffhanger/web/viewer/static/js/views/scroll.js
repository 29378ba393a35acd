// Remember a screen's scroll position on its history entry, and find it again on Back.

export function keepScroll(scroller, ctx, state = {}) {
  let timer = 0;
  const save = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => ctx.router.saveState({ scroll: Math.round(scroller.scrollTop) }), 120);
  };
  scroller.addEventListener('scroll', save, { passive: true });
  if (state.scroll > 0) {
    // After layout (and again once late sections have filled in).
    requestAnimationFrame(() => {
      scroller.scrollTop = state.scroll;
    });
    window.setTimeout(() => {
      if (scroller.isConnected && scroller.scrollTop < state.scroll) scroller.scrollTop = state.scroll;
    }, 400);
  }
  return {
    destroy() {
      window.clearTimeout(timer);
    },
  };
}
