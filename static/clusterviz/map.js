/* clusterviz — live map of a Kubernetes cluster: the entry module of the map page.
 *
 * Native ES modules, no framework, no eval, no innerHTML with cluster strings (all cluster text goes
 * through textContent or canvas fillText). Reads its configuration from data-* attributes on #cv-app.
 *
 * stream.js  the websocket, seq, gaps and resyncs      model.js   the cluster, its counts and cards
 * layout.js  where the cards go                        view.js    pan, zoom, semantic zoom
 * draw.js    Canvas 2D drawing (raster.js: overview)   hit.js     what is under a point
 * pointer.js mouse, touch and keys                     panels.js  panels that follow the cluster
 * filters.js filters ↔ URL                             header.js  counts, summary, control plane
 * live.js    the live indicator                        status.js  the status rules and the palette
 * textview.js the map as text (nodes, failing pods) for a screen reader
 *
 * window.clusterviz is the facade the browser tests, the benchmarks and the replay bar (history.js) use.
 */
import { drawFocusRing, drawFull, drawPods, drawRecs, initDraw } from './draw.js';
import { createFeed } from './feed.js';
import { choose, formValues, initFilters, setFilter, showPodsOf } from './filters.js';
import { marks, onFrame, schedule } from './frame.js';
import { fillGroupKeys, initHeader, renderControlPlane, renderHeader } from './header.js';
import { hitTest, nodeRect, podRect } from './hit.js';
import { focus, focusRect, initKeyboard } from './keyboard.js';
import { choice, dimmed, filter, isExcluded, pendingRec, state, stats, applyDeltaModel, resetFromState } from './model.js';
import { computeIndicator, initLive, updateIndicator } from './live.js';
import { closePanel, initPanels, openObject, panelFollows, refreshPanel, selectRef, setReplayMoment } from './panels.js';
import { initPointer } from './pointer.js';
import { parseSelector, selectorMatches } from './selector.js';
import { createStream, wsUrlOf } from './stream.js';
import { initTextView, textChanged } from './textview.js';
import { cssH, cssW, fitView, focusRec, initView, measure, recVisible, relayoutKeepView, resize, view, zoomAt } from './view.js';

const $ = (id) => document.getElementById(id);
const app = $('cv-app') || document.body;
const cfg = {
  cluster: app.dataset.cluster || '',
  stateUrl: app.dataset.stateUrl || '',
  wsPath: app.dataset.wsPath || '',
  panelBase: app.dataset.panelBase || '',
  replayBase: app.dataset.replayBase || '',
};
state.cluster = cfg.cluster;
const canvas = $('cluster-canvas'), wrap = $('map-wrap');
const feedRoot = $('change-feed');
const feed = feedRoot ? createFeed(feedRoot, (ref) => selectRef(ref)) : { reset() {}, add() {}, replay() {} };

let readyResolve;
const ready = new Promise((res) => { readyResolve = res; });
let pendingDeltaApplyMs = -1;

// ---------------------------------------------------------------- one frame: what the marks say, no more
function frame() {
  const t0 = performance.now();
  if (marks.cp && marks.haveState) { renderControlPlane(); marks.cp = false; }
  if (marks.header && marks.haveState) { renderHeader(); marks.header = false; }
  if (!marks.haveState) return;
  const full = marks.full || marks.dirty.size > 2500;
  if (full) drawFull();
  else if (marks.dirty.size || marks.dirtyPods.size) drawChanged();
  else return;
  drawFocusRing(focusRect());
  marks.dirty.clear(); marks.dirtyPods.clear(); marks.full = false;
  countFrame(performance.now() - t0, full);
}
function drawChanged() {
  const list = [];
  for (const r of marks.dirty) if (recVisible(r)) list.push(r);
  drawRecs(list, true);
  if (marks.dirtyPods.size) drawPods(marks.dirtyPods);
}
function countFrame(dt, full) {
  stats.lastDrawMs = dt;
  stats.renders++;
  if (full) stats.lastRenderMs = dt;
  if (pendingDeltaApplyMs >= 0) { stats.lastDeltaMs = pendingDeltaApplyMs + dt; pendingDeltaApplyMs = -1; }
  if (full && !document.body.dataset.rendered) {
    document.body.dataset.rendered = '1';
    readyResolve();
  }
}

// ---------------------------------------------------------------- applying what the stream delivers
function applyState(st) {
  const t0 = performance.now();
  resetFromState(st);
  feed.reset(st.feed || []);
  const t1 = performance.now();
  const first = !marks.haveState;
  marks.haveState = true;
  // the DOM above the map first, so that the map's size is final before the layout
  renderControlPlane(); marks.cp = false;
  renderHeader(); marks.header = false;
  if (first) fillGroupKeys();
  const t2 = performance.now();
  if (first) { measure(); view.auto = true; fitView(false); } else relayoutKeepView();
  stats.stateApply = { modelMs: t1 - t0, domMs: t2 - t1, layoutMs: performance.now() - t2 };
  marks.full = true;
  stats.lastStateApplyMs = performance.now() - t0;
  schedule();
  updateIndicator();
  textChanged();
}
function applyDelta(d) {
  const t0 = performance.now();
  if (applyDeltaModel(d)) relayoutKeepView();
  if (d.feed) feed.add(d.feed);
  if (!stream.paused) panelFollows(d);
  if (d.objects && !stream.paused) objectsChanged();
  const dt = performance.now() - t0;
  stats.lastDeltaApplyMs = dt;
  stats.deltas++;
  pendingDeltaApplyMs = (pendingDeltaApplyMs >= 0 ? pendingDeltaApplyMs : 0) + dt;
  schedule();
  textChanged();
}
// the list beside the map (an htmx fragment, templates/dashboard/objects.html) is fetched again when a delta
// changes an object (htmx throttles it); in a replay it is hidden: it is the live cluster's
const objectList = $('object-list');
function objectsChanged() { if (objectList) document.body.dispatchEvent(new CustomEvent('cv-objects')); }
function showObjectList(on) { if (objectList) { objectList.classList.toggle('cv-replaying', !on); if (on) objectsChanged(); } }
function applySource(source) {
  const changed = JSON.stringify(source) !== JSON.stringify(state.source);
  state.source = source;
  if (changed) { marks.header = true; marks.cp = true; schedule(); }
}
// the socket early.js opened while the page loaded, with every event it saw
function adoptEarly() {
  const early = window.clustervizEarly;
  return early && early.path === cfg.wsPath ? early.adopt() : null;
}

const stream = createStream({
  stateUrl: cfg.stateUrl,
  wsUrl: cfg.wsPath ? wsUrlOf(cfg.wsPath) : '',
  onState: applyState, onDelta: applyDelta, onSource: applySource, onStatus: updateIndicator,
  adopt: adoptEarly,
});
Object.defineProperties(stats, {
  resyncs: { get: () => stream.stats.resyncs, enumerable: true },
  reconnects: { get: () => stream.stats.reconnects, enumerable: true },
  lastResync: { get: () => stream.stats.lastResync, enumerable: true },
});

// ---------------------------------------------------------------- boot
initDraw(canvas);
initView(canvas, wrap);
initHeader();
initLive(stream, cfg.wsPath);
initPanels($('side-panel'), cfg, showPodsOf, choose);
initPointer(canvas, wrap, $('map-tooltip'));
initKeyboard($('map-focus'));
initFilters();
initTextView($('text-view'), $('text-view-toggle'));
if (filter.show) openObject(filter.show); // the choice the URL keeps, with its panel
onFrame(frame);

const onClick = (id, fn) => { const b = $(id); if (b) b.addEventListener('click', fn); };
onClick('zoom-in', () => zoomAt(1.4, cssW / 2, cssH / 2));
onClick('zoom-out', () => zoomAt(1 / 1.4, cssW / 2, cssH / 2));
onClick('zoom-fit', () => fitView(true));
onClick('zoom-pending', () => focusRec(pendingRec));
const sw = $('cluster-switch');
if (sw) sw.addEventListener('change', () => {
  const base = cfg.panelBase.replace(/[^/]+\/$/, encodeURIComponent(sw.value) + '/');
  location.assign(base + location.search);
});

new ResizeObserver(() => resize()).observe(wrap);
resize();
setInterval(updateIndicator, 1000);

export const clusterviz = {
  state,
  indicator: () => { updateIndicator(); return $('live-indicator') ? $('live-indicator').dataset.state : computeIndicator().st; },
  layout: { nodeRect, podRect, hitTest: (x, y) => { const h = hitTest(x, y); return h && { kind: h.kind, node: h.rec && h.rec.name, pod: h.pod && h.pod.uid, agent: h.agent && h.agent.name }; } },
  stats,
  view,
  stream,
  applyState: (obj) => stream.offerState(obj),
  applyDelta: (obj) => stream.offerDelta(obj),
  parseSelector,
  selectorMatches: (sel, labels) => { const p = parseSelector(sel); if (!p.ok) throw new Error(p.error); return selectorMatches(p.reqs, labels); },
  setFilter: (f) => setFilter(Object.assign(formValues(), f), true),
  fit: () => fitView(true),
  zoom: (factor) => zoomAt(factor, cssW / 2, cssH / 2),
  closePanel,
  ready,
  // replay (static/clusterviz/history.js): stop applying live messages, show any state, then go back
  pauseLive: () => { stream.pause(); feed.replay(true); showObjectList(false); updateIndicator(); },
  resumeLive: () => { setReplayMoment(null); feed.replay(false); showObjectList(true); stream.resume('back to live'); updateIndicator(); },
  // the chosen workload, Service or claim ("Kind/namespace/name"): its pods lit, the rest dimmed
  choose,
  choice: () => ({ key: choice.key, found: !!choice.view, excluded: [...choice.excluded.keys()], reasons: Object.fromEntries(choice.excluded) }),
  isDimmed: (uid) => { const p = state.pods.get(uid); return !!p && dimmed.has(p); },
  isExcluded: (uid) => { const p = state.pods.get(uid); return !!p && isExcluded(p); }, // drawn outlined (draw.js)
  setReplayMoment,                // the moment replayed (epoch seconds), for the panels; null: live
  refreshPanel,
  select: selectRef,
  isLive: () => !stream.paused,
  focus: () => (focus ? { kind: focus.kind, node: focus.rec ? focus.rec.name : undefined, pod: focus.uid } : null),
  focusRect,
};
window.clusterviz = clusterviz;

stream.start();
updateIndicator();
