// Home. For now: straight into the first series; a later issue puts the discovery feed here.

import { showWatch } from './watch.js';
import { t } from '../strings.js';

export async function showHome(root, { api, toast, renderMessage }) {
  const { items } = await api.listSeries();
  if (!items.length) {
    renderMessage(t('app.noSeries'));
    return null;
  }
  return showWatch(root, { api, toast, seriesId: items[0].id, episodeNumber: 1 });
}
