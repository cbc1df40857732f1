/* clusterviz — replay on the map: a slider into the cluster's recorded history, play/pause, back to live.
 *
 * Uses the map's facade (map.js: pauseLive/resumeLive/applyState/applyDelta — a replayed delta passes the stream
 * client's seq rules like a live one). A module; no eval,
 * cluster text only through textContent. Configuration from data-* attributes on #replay-bar.
 * Moments are epoch seconds of the cluster's clock; the URL keeps ?at= so a replay can be bookmarked.
 */
import { _, interpolate } from './i18n.js';
import { clusterviz } from './map.js';

const TICK_MS = 500;

function fmt(t) {
  if (typeof t !== 'number' || !isFinite(t)) return '';
  return new Date(t * 1000).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}
function parseAt(text) {
  if (!text) return null;
  const n = Number(text);
  if (isFinite(n)) return n;
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : text + 'Z');
  return isFinite(ms) ? ms / 1000 : null;
}
function getJSON(url) {
  return fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' }).then((r) => {
    if (!r.ok) throw new Error('HTTP ' + r.status);
    return r.json();
  });
}

function init() {
  const bar = document.getElementById('replay-bar');
  const cv = clusterviz;
  if (!bar || !cv) return;
  const d = bar.dataset;
  const $ = (id) => document.getElementById(id);
  const slider = $('replay-slider'), banner = $('replay-banner'), timeEl = $('replay-time');
  const playBtn = $('replay-play'), speedSel = $('replay-speed'), liveBtn = $('replay-live'), exportA = $('replay-export');

  if (d.imported === '1') {                       // an imported snapshot: one moment, never live
    document.body.classList.add('cv-replay');
    banner.hidden = false;
    timeEl.textContent = fmt(Number(d.importedAt));
    bar.dataset.mode = 'replay';
    return;
  }

  const range = { from: null, to: null };
  const cur = { t: null, checkpoint: null, seq: null };
  let mode = 'live', playing = false, timer = 0, busy = false, req = 0, inputTimer = 0;

  function setUrl(t) {
    const u = new URL(location.href);
    if (t === null) u.searchParams.delete('at'); else u.searchParams.set('at', String(Math.round(t)));
    history.replaceState(history.state, '', u.pathname + u.search + u.hash);
  }
  function render(t) {
    if (cv.setReplayMoment) cv.setReplayMoment(t);  // open panels show this moment too
    timeEl.textContent = fmt(t);
    timeEl.dateTime = new Date(t * 1000).toISOString();
    if (slider && document.activeElement !== slider) slider.value = String(Math.round(t));
    exportA.href = d.exportUrl + '?at=' + encodeURIComponent(String(t));
    setUrl(t);
  }
  function latest() {
    const liveAt = cv.state && cv.state.at && mode === 'live' ? cv.state.at : 0;
    return Math.max(range.to || 0, liveAt);
  }
  function loadRange() {
    return getJSON(d.rangeUrl).then((r) => {
      range.from = r.from; range.to = r.to;
      if (r.from === null || r.from === undefined) {
        slider.disabled = true; playBtn.disabled = true;
        slider.title = _('Nothing recorded yet');
        setTimeout(() => loadRange().catch(() => {}), 3000);
        return;
      }
      slider.title = '';
      slider.min = String(Math.ceil(r.from));  // whole seconds inside the recorded range
      slider.max = String(Math.ceil(latest()));
      if (mode === 'live') slider.value = slider.max;
      slider.disabled = false; playBtn.disabled = false;
    });
  }
  function enterReplay() {
    if (mode === 'replay') return;
    mode = 'replay';
    cv.pauseLive();
    document.body.classList.add('cv-replay');
    banner.hidden = false;
    liveBtn.disabled = false;
    bar.dataset.mode = 'replay';
    loadRange().catch(() => {});
  }
  function backToLive() {
    pause();
    req++;
    mode = 'live';
    cur.t = cur.checkpoint = cur.seq = null;
    document.body.classList.remove('cv-replay');
    banner.hidden = true;
    liveBtn.disabled = true;
    bar.dataset.mode = 'live';
    exportA.href = d.exportUrl;
    setUrl(null);
    cv.resumeLive();
    loadRange().catch(() => {});
  }
  function showAt(t) {
    enterReplay();
    const id = ++req;
    busy = true;
    return getJSON(d.stateUrl + '?at=' + encodeURIComponent(String(t))).then((st) => {
      if (id !== req) return;
      cv.applyState(st);
      cur.t = t; cur.checkpoint = st.history ? st.history.checkpoint : null; cur.seq = st.seq;
      render(t);
    }).catch((e) => {
      if (id !== req) return;
      timeEl.textContent = fmt(t) + ' ' + interpolate(_('(not recorded: %(reason)s)'), { reason: e.message });
    }).finally(() => { if (id === req) busy = false; });
  }
  function stepTo(t) {
    if (cur.checkpoint === null) return showAt(t);
    const id = ++req;
    busy = true;
    const q = '?checkpoint=' + cur.checkpoint + '&seq=' + cur.seq + '&to=' + encodeURIComponent(String(t));
    return getJSON(d.deltasUrl + q).then((r) => {
      if (id !== req) return null;
      if (r.resync) { busy = false; return showAt(t); }
      for (const delta of r.deltas) { cv.applyDelta(delta); cur.seq = delta.seq; }
      cur.t = t;
      render(t);
      return null;
    }).catch(() => {}).finally(() => { if (id === req) busy = false; });
  }
  function tick() {
    if (!playing || busy || cur.t === null) return;
    const speed = Number(speedSel.value) || 1;
    const end = latest();
    const next = Math.min(cur.t + speed * TICK_MS / 1000, end);
    if (next > cur.t) stepTo(next);
    if (next >= end) {  // caught up with what was known: look again, stop if nothing newer is recorded
      busy = true;
      loadRange().catch(() => {}).then(() => { busy = false; if (latest() <= next) pause(); });
    }
  }
  function play() {
    if (playing) return;
    const start = cur.t === null ? Number(slider.value) : cur.t;
    playing = true;
    playBtn.textContent = _('Pause'); playBtn.setAttribute('aria-pressed', 'true');
    (cur.t === null ? showAt(start) : Promise.resolve()).then(() => { timer = setInterval(tick, TICK_MS); });
  }
  function pause() {
    playing = false;
    clearInterval(timer); timer = 0;
    playBtn.textContent = _('Play'); playBtn.setAttribute('aria-pressed', 'false');
  }

  slider.addEventListener('input', () => {
    pause();
    const t = Number(slider.value);
    timeEl.textContent = fmt(t);
    clearTimeout(inputTimer);
    inputTimer = setTimeout(() => showAt(t), 150);
  });
  playBtn.addEventListener('click', () => { if (playing) pause(); else play(); });
  liveBtn.addEventListener('click', backToLive);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && mode === 'replay' && e.target === document.body) backToLive();
  });

  // expose for tests and other scripts
  cv.replay = {
    showAt, backToLive, play, pause,
    mode: () => mode, moment: () => cur.t, playing: () => playing, range: () => Object.assign({}, range),
  };

  const wanted = parseAt(new URLSearchParams(location.search).get('at'));
  if (wanted !== null) enterReplay();
  loadRange().catch(() => {}).then(() => { if (wanted !== null) showAt(wanted); });
  setInterval(() => { if (mode === 'live') loadRange().catch(() => {}); }, 30000);
}

init();
