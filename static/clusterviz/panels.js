/* clusterviz — panels that follow the cluster.
 *
 * An open panel names what it shows (data-follow: "pod:<uid>", "node:<name>", "cp") and where it comes from
 * (data-url). Live, it is fetched again when a delta touches that object; in a replay, when the moment
 * moves (from /replays/<cluster>/…?at=<moment>: the replayed state, never the live one). At most once a
 * second; an answer to an older request than the panel's latest is dropped.
 */
import { _, interpolate } from './i18n.js';
import { marks, schedule } from './frame.js';
import { recOf, recs, selected, setSelected, state } from './model.js';
import { focusRec } from './view.js';

let panel = null, panelEmpty = [], cfg = { panelBase: '', replayBase: '' }, showPodsOf = () => false, chooseObject = () => {};

// Select a pod or a node (null: nothing) and repaint the cards of the old and the new selection.
export function select(sel) {
  const prev = setSelected(sel);
  for (const s of [prev, selected]) {
    if (!s) continue;
    const r = s.kind === 'node' ? recs.get(s.id) : (state.pods.get(s.id) ? recOf(state.pods.get(s.id)) : null);
    if (r) marks.dirty.add(r);
  }
  schedule();
}
export function processUrl(name, node) {
  return panelUrl('processes/' + encodeURIComponent(name) + '/panel', node ? { node } : {});
}

let replayAt = null;             // the moment being replayed (history.js), or null: live
let panelFetchedAt = 0, panelTimer = 0;
const PANEL_MIN_MS = 1000;
export function panelUrl(path, params) {
  const q = new URLSearchParams(params || {});
  if (replayAt !== null && cfg.replayBase) { q.set('at', String(replayAt)); return cfg.replayBase + path + '?' + q; }
  const qs = q.toString();
  return cfg.panelBase + path + (qs ? '?' + qs : '');
}
function rebase(url) {           // a panel's URL for the current mode (live or the replayed moment)
  const u = new URL(url, location.href);
  const live = cfg.panelBase, rep = cfg.replayBase;
  let path = u.pathname;
  if (rep && path.startsWith(rep)) path = path.slice(rep.length);
  else if (path.startsWith(live)) path = path.slice(live.length);
  else return url;
  u.searchParams.delete('at');
  return panelUrl(path, Object.fromEntries(u.searchParams));
}
function shown() { return panel && panel.dataset.open === '1' ? panel.querySelector('[data-url]') : null; }
function touches(d, follow) {
  if (!follow) return false;
  if (follow === 'cp') return !!d.controlPlane;
  const i = follow.indexOf(':'), kind = follow.slice(0, i), id = follow.slice(i + 1);
  if (kind === 'object') {
    const ch = d.objects;
    return !!ch && ((ch.remove || []).includes(id) || (ch.upsert || []).some((o) => o.kind + '/' + o.namespace + '/' + o.name === id));
  }
  const ch = kind === 'pod' ? d.pods : d.nodes;
  if (!ch) return false;
  const key = kind === 'pod' ? 'uid' : 'name';
  return (ch.remove || []).includes(id) || (ch.upsert || []).some((o) => o[key] === id);
}
export function refreshPanel() {
  const s = shown();
  if (!s || !window.htmx) return;
  const wait = panelFetchedAt + PANEL_MIN_MS - Date.now();
  if (wait > 0) { if (!panelTimer) panelTimer = setTimeout(() => { panelTimer = 0; refreshPanel(); }, wait); return; }
  panelFetchedAt = Date.now();
  fetchPanel(rebase(s.dataset.url));
}
function fetchPanel(url) {
  panel.dataset.url = url;
  panelGet(url);
}
// htmx.ajax's promise rejects (with no reason) when a request fails or is aborted, as an unload aborts a
// refresh in flight; answers.js already writes the failure into the panel, so the rejection is handled here.
function panelGet(url) {
  window.htmx.ajax('GET', url, { target: '#side-panel', swap: 'innerHTML' }).catch(() => {});
}
export function panelFollows(d) { const s = shown(); if (s && touches(d, s.dataset.follow)) refreshPanel(); }
export function setReplayMoment(t) {
  const changed = t !== replayAt;
  replayAt = t;
  if (changed && shown()) refreshPanel();
}
export function openPanel(url) {
  if (!panel) return;
  panel.dataset.open = '1';
  panelFetchedAt = Date.now();
  panel.dataset.url = url;
  if (window.htmx && typeof window.htmx.ajax === 'function') {
    panelGet(url);
  } else {
    const p = document.createElement('p');
    p.className = 'cv-muted';
    p.textContent = interpolate(_('Loading %(url)s … (htmx is not loaded)'), { url });
    panel.replaceChildren(p);
  }
}
// Select an object named by the server (a feed entry's link): the pod or node, or a Deployment's pods.
export function selectRef(ref) {
  const enc = encodeURIComponent;
  if (ref.kind === 'Node') {
    const r = recs.get(ref.name);
    if (!r) return false;
    focusRec(r); select({ kind: 'node', id: ref.name });
    openPanel(cfg.panelBase + 'nodes/' + enc(ref.name) + '/panel');
    return true;
  }
  if (ref.kind === 'Pod') {
    let pod = null;
    for (const p of state.pods.values()) if (p.name === ref.name && p.namespace === ref.namespace) { pod = p; break; }
    if (!pod) return false;
    focusRec(recOf(pod)); select({ kind: 'pod', id: pod.uid });
    openPanel(cfg.panelBase + 'pods/' + enc(pod.namespace) + '/' + enc(pod.name) + '/panel');
    return true;
  }
  if (ref.kind && ref.namespace !== undefined) { openObject(ref.kind + '/' + ref.namespace + '/' + ref.name); return true; }
  return showPodsOf(ref.name); // a controller's pods are named after it: show them, dim the rest
}
// the panel of a workload, Service or claim ("Kind/namespace/name"); opening it chooses the object on the map
export function objectPanelUrl(key) {
  const [kind, ns, name] = key.split('/');
  const enc = encodeURIComponent;
  if (kind === 'Service') return panelUrl('services/' + enc(ns) + '/' + enc(name) + '/panel');
  if (kind === 'PersistentVolumeClaim') return panelUrl('claims/' + enc(ns) + '/' + enc(name) + '/panel');
  return panelUrl('workloads/' + enc(kind) + '/' + enc(ns) + '/' + enc(name) + '/panel');
}
export function openObject(key) { openPanel(objectPanelUrl(key)); }
export function closePanel() {
  if (!panel) return;
  panel.replaceChildren(...panelEmpty.map((n) => n.cloneNode(true)));
  panel.dataset.open = '0';
  delete panel.dataset.url;
  select(null);
  chooseObject('');
}

// panelEl: the side panel; config: {panelBase, replayBase}; podsOf(name): shows a controller's pods (filters.js)
// choose(key): lights up an object's pods (filters.js); an object panel that arrives chooses its object
export function initPanels(panelEl, config, podsOf, choose) {
  panel = panelEl; cfg = config; showPodsOf = podsOf; chooseObject = choose || chooseObject;
  if (panel) panel.addEventListener('htmx:afterSwap', () => {
    const chosen = panel.querySelector('[data-select]');
    if (chosen) chooseObject(chosen.dataset.select);
  });
  if (panel) document.body.addEventListener('htmx:beforeRequest', (e) => { // a link of the list beside the map
    if (e.detail.target === panel && !panel.contains(e.target) && e.detail.requestConfig) {
      panel.dataset.open = '1';
      panel.dataset.url = e.detail.requestConfig.path;
    }
  });
  panelEmpty = panel ? Array.from(panel.childNodes).map((n) => n.cloneNode(true)) : [];
  if (panel) {
    panel.addEventListener('htmx:beforeRequest', (e) => {  // links inside a panel open panels too
      if (e.detail.target === panel && e.detail.requestConfig) panel.dataset.url = e.detail.requestConfig.path;
    });
    panel.addEventListener('htmx:beforeSwap', (e) => {
      const c = e.detail.requestConfig;
      if (e.detail.target === panel && c && panel.dataset.url && c.path !== panel.dataset.url) e.preventDefault();
    });
  }

  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && panel && panel.dataset.open === '1') { closePanel(); e.preventDefault(); }
  });
  if (panel) {
    panel.addEventListener('click', (e) => {
      const t = e.target.closest('[data-close-panel], [data-panel-close], .panel-close, [data-action="close-panel"]');
      if (t) { e.preventDefault(); closePanel(); }
    });
    document.body.addEventListener('closePanel', closePanel); // HX-Trigger: closePanel
  }
}
