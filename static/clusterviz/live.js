/* clusterviz — the live indicator: live, reconnecting, or stale since a given time, with the reason; and the
 * banner over the map for a cluster the server never reached (which server, which context and why).
 */
import { _, hhmmss, interpolate } from './i18n.js';
import { evText } from './evidence.js';
import { marks } from './frame.js';
import { observed, state } from './model.js';
import { setText } from './header.js';

const $ = (id) => document.getElementById(id);
let stream = null, wsPath = '', live = null, nonLiveSince = 0;
// stream: the map's stream client (stream.js); path: its websocket path ('' when there is none)
export function initLive(streamClient, path) { stream = streamClient; wsPath = path; live = $('live-indicator'); }

// A cluster the server never reached (source "connecting", or "error" with nothing seen): which server,
// which context and why, in full view over the map, not only in a tooltip.
export function renderSourceBanner() {
  const box = $('source-banner');
  if (!box) return;
  const src = state.source;
  const show = !!src && !stream.paused && !observed() && (src.state === 'connecting' || src.state === 'error');
  box.hidden = !show;
  if (!show) return;
  box.dataset.state = src.state;
  setText('source-banner-title', src.state === 'connecting' ? _('Not connected yet') : _('Cannot watch this cluster'));
  setText('source-banner-server', src.server || _('unknown'));
  setText('source-banner-context', src.context || _('unknown'));
  setText('source-banner-reason', src.reason ? evText(src.reason) : _('waiting for the first answer'));
}
export function computeIndicator() {
  if (stream.paused) return { st: 'replay', text: _('replay — not live') };
  const now = Date.now();
  const connected = !wsPath || stream.open;
  if (!connected) {
    return { st: 'reconnecting', text: stream.lastMsgAt ? interpolate(_('reconnecting… (last update %(time)s)'), { time: hhmmss(stream.lastMsgAt) }) : _('connecting…') };
  }
  if (!marks.haveState) return { st: 'reconnecting', text: _('connecting…') };
  const src = state.source;
  if (src && src.state === 'connecting') {
    nonLiveSince = 0;
    return { st: 'connecting', text: _('not connected yet') + (src.reason ? ' — ' + evText(src.reason) : '') };
  }
  if (src && src.state === 'error' && !observed()) {
    nonLiveSince = 0;
    return { st: 'stale', text: _('cannot connect') + (src.reason ? ' — ' + evText(src.reason) : '') };
  }
  if (src && src.state && src.state !== 'live') {
    if (!nonLiveSince) nonLiveSince = src.lastEventAt ? src.lastEventAt * 1000 : now;
    return { st: 'stale', text: interpolate(_('stale since %(time)s'), { time: hhmmss(nonLiveSince) }) + ' — ' + (src.reason ? evText(src.reason) : interpolate(_('source %(state)s'), { state: src.state })) };
  }
  nonLiveSince = 0;
  if (wsPath && stream.lastMsgAt && now - stream.lastMsgAt > 10000) return { st: 'stale', text: interpolate(_('stale since %(time)s'), { time: hhmmss(stream.lastMsgAt) }) + ' — ' + interpolate(_('no message for %(seconds)s s'), { seconds: Math.round((now - stream.lastMsgAt) / 1000) }) };
  return { st: 'live', text: _('live') };
}
export function updateIndicator() {
  if (!live) return;
  const { st, text } = computeIndicator();
  if (live.dataset.state !== st) live.dataset.state = st;
  const t = $('live-text');
  if (t && t.textContent !== text) t.textContent = text;
  live.title = text;
}
