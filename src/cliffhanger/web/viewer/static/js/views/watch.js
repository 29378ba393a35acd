// The watch view: one series in the vertical feed, with its HUD, episode picker and unlock sheet.

import { h } from '../dom.js';
import { EpisodeFeed } from '../feed.js';
import { Hud } from '../hud.js';
import { EpisodePicker } from '../picker.js';
import { replaceWatchRoute, seriesPath } from '../route.js';
import { anySheetOpen } from '../sheet.js';
import { getLocale } from '../i18n.js';
import { seriesKey, takePrefetch } from '../prefetch.js';
import { t } from '../strings.js';
import { uiIcon } from '../ui.js';

/**
 * @param {HTMLElement} root
 * @param {{api: import('../api.js').ApiClient, toast: import('../toast.js').Toast,
 *          seriesId: string, episodeNumber: number, router?: import('../router.js').Router}} options
 * @returns {Promise<EpisodeFeed>} the feed; its `destroy()` ends the view (players, listeners)
 */
export async function showWatch(root, { api, toast, seriesId, episodeNumber, router = null }) {
  // The balance is informative: playback does not wait for it.
  const walletAnswer = api.wallet().catch(() => null);
  const series = await (takePrefetch(seriesKey(seriesId, getLocale())) ?? api.getSeries(seriesId));
  let balance = null;

  const view = document.createElement('div');
  view.className = 'watch';
  root.replaceChildren(view);

  const hud = new Hud(view, {
    onPicker: () => picker.open(series, feed.index),
    onToggleMute: () => feed.setMuted(!feed.muted),
    onTogglePlay: () => feed.togglePlay(),
  });
  hud.setSeries(series);
  hud.setBalance(balance);
  walletAnswer.then((wallet) => {
    if (wallet && balance === null) {
      balance = wallet.balance_coins;
      hud.setBalance(balance);
    }
  });
  if (router) {
    // Back to where the viewer came from in the app, else to the series page.
    view.classList.add('watch--with-back');
    view.append(
      h(
        'button',
        { type: 'button', class: 'icon-button watch__back', 'aria-label': t('nav.back'), onclick: () => router.back(seriesPath(series.id)) },
        uiIcon('back'),
      ),
    );
  }

  const offerFor = (episode, problem) => {
    const coinsOption = problem?.unlock_options?.find((o) => o.method === 'coins');
    if (problem?.balance_coins !== undefined) balance = problem.balance_coins;
    hud.setBalance(balance);
    return {
      price: coinsOption?.price_coins ?? episode.price_coins,
      balance,
      costToFinish: problem?.cost_to_finish_coins ?? series.cost_to_finish_coins ?? null,
      lockedCount: series.episodes.filter((e) => !e.unlocked).length,
      paywall: problem?.paywall ?? null, // the 402's paywall: ad allowance, pass, packs, price lock
    };
  };

  const refreshSeries = async () => {
    try {
      const fresh = await api.getSeries(seriesId);
      series.cost_to_finish_coins = fresh.cost_to_finish_coins;
      feed.updateEpisodes(fresh.episodes);
    } catch (err) {
      console.warn('series refresh failed', err);
    }
  };

  // The unlock sheet (with the shop, ads and checkout behind it) is loaded when first needed,
  // or once the first episode is playing, not in front of the first frame.
  let unlock = null;
  let unlockLoading = null;
  const loadUnlock = () => {
    unlockLoading ??= import('../unlock.js').then(({ UnlockSheet }) => {
      unlock = new UnlockSheet({
        api,
        onUnlocked: (episode, result) => {
          balance = result.balance_coins;
          hud.setBalance(balance);
          feed.markUnlocked(episode.id);
          toast.show(t('unlock.done', { n: episode.number }));
          refreshSeries();
        },
      });
      return unlock;
    });
    return unlockLoading;
  };
  const openUnlock = (episode, offer) => {
    loadUnlock().then(
      (sheet) => {
        if (feed.destroyed || feed.activeEpisode?.id !== episode.id) return; // swiped on meanwhile
        sheet.open(episode, offer);
      },
      (err) => {
        unlockLoading = null;
        console.error('unlock sheet failed to load', err);
        toast.show(t('feed.playbackError'));
      },
    );
  };

  const picker = new EpisodePicker({ onChoose: (index) => feed.goTo(index) });

  const feed = new EpisodeFeed(view, {
    api,
    series,
    callbacks: {
      onActiveChange: (episode, index) => {
        hud.setEpisode(episode, index, series.episodes.length);
        replaceWatchRoute(series.id, episode.number);
        if (unlock?.isOpen && unlock.episode?.id !== episode.id) unlock.close();
      },
      onLocked: (episode, problem) => openUnlock(episode, offerFor(episode, problem)),
      onUnlockRequest: (episode) => openUnlock(episode, offerFor(episode, feed.locks.get(episode.id))),
      onEnded: (episode, index) => {
        if (index < series.episodes.length - 1) feed.next();
        else toast.show(t('feed.last'));
      },
      onTime: (video) => hud.setProgress(video.currentTime, video.duration),
      onPlayState: (state) => hud.setPlayState(state),
      onBoundary: (edge) => toast.show(t(edge === 'last' ? 'feed.last' : 'feed.first')),
      onError: () => toast.show(t('feed.playbackError')),
      isBlocked: anySheetOpen,
    },
  });
  // The feed sits under the HUD in paint order.
  view.prepend(feed.element);

  let index = series.episodes.findIndex((e) => e.number === episodeNumber);
  if (index === -1) {
    index = 0;
    if (episodeNumber > 1 && series.episodes.length > 0) {
      toast.show(t('feed.notFound', { n: episodeNumber, shown: series.episodes[0].number }));
    }
  }
  if (series.episodes.length > 0) feed.goTo(index, { animate: false });
  // Have the sheet ready before a viewer reaches a locked episode.
  setTimeout(() => {
    if (!feed.destroyed) loadUnlock().catch(() => {});
  }, 1500);
  return feed;
}
