/* clusterviz — the map's model: the cluster as the wire sent it, and the counts and cards kept from it.
 *
 * state.nodes Map name→NodeView, state.pods Map uid→PodSummary (the wire objects, untouched). One "rec" per
 * node card (plus one for pods not scheduled yet) holds its pods in drawing order; a pod's square is slot i of
 * its card. A delta is applied in place and marks what the next frame repaints (frame.js). Importing this
 * module touches no DOM (tests/js/model.test.mjs).
 */
import { marks } from './frame.js';
import { nodesOf, podsOf, sharedPods } from './podtable.js';
import { selectorMatches } from './selector.js';
import { STATUS_IDX, UNKNOWN_IDX, isFailing, unready } from './status.js';

export const state = { nodes: new Map(), pods: new Map(), seq: -1, revision: 0, at: 0, source: null, controlPlane: [], cluster: '', rollouts: new Map(), objects: new Map() };
export const stats = { lastRenderMs: 0, lastDeltaMs: 0, lastDeltaApplyMs: 0, lastDrawMs: 0, lastLayoutMs: 0, renders: 0, deltas: 0, layouts: 0, mode: 'detail', hatched: [], outlined: 0, crossed: 0 };
export const counts = { statuses: [0, 0, 0, 0, 0, 0], failing: 0, notReady: 0, unscheduled: 0, matching: 0, namespaces: new Map(), namespacesChanged: true };

export function mkRec(node, kind) {
  return { name: node ? node.name : '', node, kind, pods: [], x: 0, y: 0, w: 0, h: 0, perRow: 1, cap: 0, head: 0, matchCount: 0 };
}
export let recs = new Map();            // node name → rec (one card)
export const pendingRec = mkRec(null, 'pending');
export let dimmed = new WeakSet();      // pods not matching the filter
export let filter = { ns: '', selector: '', q: '', group: '', reqs: [], active: false, qLower: '', show: '' };
export let selected = null;             // {kind: 'pod'|'node', id}

export const recOf = (p) => (p.node && recs.get(p.node)) || pendingRec;
export function setSelected(sel) { const prev = selected; selected = sel; return prev; }

// A pod of an older ReplicaSet revision than the one its Deployment rolls out to (the server says which).
export function rolloutOf(p) {
  return p.owner && p.owner.kind === 'Deployment' && typeof p.revision === 'number' ? state.rollouts.get(p.namespace + '/' + p.owner.name) : undefined;
}
export function isOld(p) { const r = rolloutOf(p); return r !== undefined && p.revision < r; }

// Whether the picture rests on anything the cluster said: a source that was never live and sent nothing
// shows no counts and makes no claims ("every pod placed", "managed control plane") about what it never saw.
export function sourceLive() { return !state.source || state.source.state === 'live'; }
export function observed() { return state.nodes.size > 0 || state.pods.size > 0 || sourceLive(); }

function countPod(p, sign) {
  const si = STATUS_IDX[p.statusClass];
  counts.statuses[si === undefined ? UNKNOWN_IDX : si] += sign;
  if (isFailing(p)) counts.failing += sign;
  if (!p.node) counts.unscheduled += sign;
  const n = (counts.namespaces.get(p.namespace) || 0) + sign;
  if (n <= 0) { counts.namespaces.delete(p.namespace); counts.namespacesChanged = true; } else { if (n === 1 && sign > 0) counts.namespacesChanged = true; counts.namespaces.set(p.namespace, n); }
  if (!filter.active || !dimmed.has(p)) counts.matching += sign;
}

// ---------------------------------------------------------------- the filter
// ---------------------------------------------------------------- the chosen object (a workload, Service or claim)
// Its pods light up, the rest dim (the filter's dimming). The server decides which pods an object groups: a
// workload's by owner, a Service's ready endpoints (its matching pods without traffic are `excluded`), a
// claim's mounting pods; here they are only looked up.
// A Service's excluded pods keep the server's reason ('notReady', 'terminating', 'noEndpoint'): drawn outlined
// on the map, named in the summary and the text view.
export const choice = { key: '', lit: null, excluded: new Map(), view: null };
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet']);
export function setChoice(key) { choice.key = key || ''; refreshChoice(); }
export function refreshChoice() {
  const v = choice.key ? state.objects.get(choice.key) || null : null;
  choice.view = v;
  choice.excluded = new Map();
  if (!choice.key) { choice.lit = null; return; }
  const pk = (name) => (v ? v.namespace : '') + '/' + name;
  if (!v || WORKLOADS.has(v.kind)) { choice.lit = null; return; }
  if (v.kind === 'Service') {
    choice.lit = new Set(v.endpoints.filter((e) => e.ready && e.pod).map((e) => pk(e.pod)));
    choice.excluded = new Map(v.excluded.map((e) => [pk(e.pod), e.reason]));
  } else choice.lit = new Set((v.pods || []).map(pk));
}
// whether a pod is one of the chosen object's (a Service's: one of its ready endpoints)
export function chosen(p) {
  const v = choice.view;
  if (!v) return false; // chosen but gone: nothing is its pod
  if (WORKLOADS.has(v.kind)) return !!p.owner && p.namespace === v.namespace && p.owner.kind === v.kind && p.owner.name === v.name;
  return choice.lit.has(p.namespace + '/' + p.name);
}
export function isExcluded(p) { return choice.excluded.has(p.namespace + '/' + p.name); }

export function podMatches(p) {
  if (!filter.active) return true;
  if (filter.show && !chosen(p)) return false;
  if (filter.ns && p.namespace !== filter.ns) return false;
  if (filter.reqs.length && !selectorMatches(filter.reqs, p.labels)) return false;
  if (filter.qLower) {
    const q = filter.qLower;
    if (p.name.toLowerCase().indexOf(q) < 0 && !(p.node && p.node.toLowerCase().indexOf(q) >= 0)) return false;
  }
  return true;
}
// f: {ns, selector, q, group, reqs} with the selector already parsed (filters.js)
export function setFilterSpec(f) {
  const groupChanged = f.group.trim() !== filter.group;
  filter = { ns: f.ns, selector: f.selector, q: f.q, group: f.group.trim(), reqs: f.reqs, qLower: f.q.trim().toLowerCase(), show: f.show || '' };
  filter.active = !!(filter.ns || filter.reqs.length || filter.qLower || filter.show);
  if (filter.show !== choice.key) setChoice(filter.show);
  return groupChanged;
}
export function recomputeFilter() {
  dimmed = new WeakSet();
  let m = 0;
  for (const p of state.pods.values()) {
    if (podMatches(p)) m++; else dimmed.add(p);
  }
  counts.matching = m;
}

export function groupKeyOf(n) {
  if (!filter.group) return '';
  const v = n.labels ? n.labels[filter.group] : undefined;
  return v === undefined ? '\u0000' : String(v);
}

// ---------------------------------------------------------------- a whole state
export function resetFromState(st) {
  const pods = podsOf(st), nodes = nodesOf(st); // first: a table it cannot read leaves the model as it was
  state.nodes = new Map();
  state.pods = new Map();
  state.cluster = st.cluster || state.cluster;
  state.seq = typeof st.seq === 'number' ? st.seq : 0;
  state.revision = st.revision || 0;
  state.at = st.at || 0;
  state.source = st.source || null;
  state.controlPlane = st.controlPlane || [];
  state.rollouts = new Map(Object.entries(st.rollouts || {}));
  state.objects = new Map((st.objects || []).map((o) => [objectKey(o), o]));
  refreshChoice();
  for (const n of nodes) state.nodes.set(n.name, n);
  rebuildRecs(true);
  placePods(pods);
  counts.namespacesChanged = true;
}

// one pass over the pods: model map, counters, card lists (a hot loop at 150k pods)
function placePods(pods) {
  const cs = [0, 0, 0, 0, 0, 0];
  let failing = 0, unscheduled = 0, matching = 0;
  const nsMap = new Map();
  let lastNs = null, lastNsCount = 0;
  dimmed = new WeakSet();
  const fa = filter.active;
  const podsMap = state.pods;
  let lastNode = null, lastRec = pendingRec;
  for (let i = 0; i < pods.length; i++) {
    const p = pods[i];
    podsMap.set(p.uid, p);
    const si = STATUS_IDX[p.statusClass];
    cs[si === undefined ? UNKNOWN_IDX : si]++;
    if (isFailing(p)) failing++;
    const nn = p.node;
    if (!nn) { unscheduled++; pendingRec.pods.push(p); }
    else {
      if (nn !== lastNode) { lastNode = nn; lastRec = recs.get(nn) || pendingRec; }
      lastRec.pods.push(p);
    }
    if (p.namespace !== lastNs) {
      if (lastNs !== null) nsMap.set(lastNs, (nsMap.get(lastNs) || 0) + lastNsCount);
      lastNs = p.namespace; lastNsCount = 0;
    }
    lastNsCount++;
    if (fa && !podMatches(p)) dimmed.add(p); else matching++;
  }
  if (lastNs !== null) nsMap.set(lastNs, (nsMap.get(lastNs) || 0) + lastNsCount);
  counts.statuses = cs; counts.failing = failing; counts.unscheduled = unscheduled; counts.matching = matching;
  counts.namespaces = nsMap;
}

export function rebuildRecs(nodesOnly) {
  const old = recs;
  recs = new Map();
  counts.notReady = 0;
  for (const n of state.nodes.values()) {
    const r = old.get(n.name) || mkRec(n, 'node');
    r.node = n; r.pods = []; r.name = n.name;
    recs.set(n.name, r);
    if (unready(n)) counts.notReady++;
  }
  pendingRec.pods = [];
  if (nodesOnly) return;
  for (const p of state.pods.values()) recOf(p).pods.push(p);
}

// ---------------------------------------------------------------- a delta
// Applies it in place and marks what to repaint. Returns whether the cards must be placed again.
export function applyDeltaModel(d) {
  state.seq = d.seq; state.revision = d.revision; state.at = d.at;
  if (d.source) { if (JSON.stringify(d.source) !== JSON.stringify(state.source)) marks.cp = true; state.source = d.source; }
  const dn = d.nodes || {}, dp = d.pods || {};
  const nUp = dn.upsert || [], nRm = dn.remove || [], pUp = sharedPods(dp.upsert || []), pRm = dp.remove || [];
  let { reassign, relayout } = applyNodes(nUp, nRm);
  if (reassign) {
    applyPodsReassigning(pUp, pRm);
    relayout = true;
  } else if (applyPodsInPlace(pUp, pRm)) relayout = true;
  if (d.controlPlane) { state.controlPlane = d.controlPlane; marks.cp = true; }
  if (nUp.length || nRm.length) marks.cp = true; // control-plane node list
  if (d.rollouts) { state.rollouts = new Map(Object.entries(d.rollouts)); marks.full = true; } // old pods change look
  if (d.objects && applyObjects(d.objects)) { recomputeFilter(); marks.full = true; } // the chosen one changed
  marks.header = true;
  return relayout;
}

export const objectKey = (o) => o.kind + '/' + o.namespace + '/' + o.name;
// a delta's objects; true when the chosen object is among them (its pods may have changed)
function applyObjects(ch) {
  let hit = false;
  for (const key of ch.remove || []) { state.objects.delete(key); if (key === choice.key) hit = true; }
  for (const o of ch.upsert || []) { const key = objectKey(o); state.objects.set(key, o); if (key === choice.key) hit = true; }
  if (hit) refreshChoice();
  return hit;
}

function applyNodes(nUp, nRm) {
  let reassign = false, relayout = false;
  for (const n of nUp) {
    const old = state.nodes.get(n.name);
    state.nodes.set(n.name, n);
    if (!old) { reassign = true; continue; }
    if (unready(old) !== unready(n)) counts.notReady += unready(n) ? 1 : -1;
    const r = recs.get(n.name);
    if (r) { r.node = n; marks.dirty.add(r); }
    if (old.controlPlane !== n.controlPlane || groupKeyOf(old) !== groupKeyOf(n)) relayout = true;
  }
  for (const name of nRm) {
    if (state.nodes.delete(name)) reassign = true;
  }
  return { reassign, relayout };
}

function upsertPod(p) {
  const old = state.pods.get(p.uid);
  if (old) countPod(old, -1);
  state.pods.set(p.uid, p);
  if (filter.active && !podMatches(p)) dimmed.add(p);
  countPod(p, 1);
  return old;
}
function removePod(uid) {
  const old = state.pods.get(uid);
  if (old) { countPod(old, -1); state.pods.delete(uid); }
  return old;
}

// the node set changed: apply the pods to the model, then rebuild every card's pod list
function applyPodsReassigning(pUp, pRm) {
  for (const p of pUp) upsertPod(p);
  for (const uid of pRm) removePod(uid);
  rebuildRecs();
}

// the same nodes: move each pod within or between cards; true when a card outgrew its room
function applyPodsInPlace(pUp, pRm) {
  let relayout = false;
  for (const p of pUp) {
    const old = upsertPod(p);
    const nr = recOf(p);
    if (old) {
      const or = recOf(old);
      const i = or.pods.indexOf(old);
      if (or === nr && i >= 0) {
        or.pods[i] = p;
        // same slot: repaint just the square, unless the card's own look depends on it
        if (filter.active && dimmed.has(old) !== dimmed.has(p)) marks.dirty.add(or); else marks.dirtyPods.add(p);
        continue;
      }
      if (i >= 0) or.pods.splice(i, 1);
      marks.dirty.add(or);
    }
    nr.pods.push(p);
    if (nr.pods.length > nr.cap) relayout = true;
    marks.dirty.add(nr);
  }
  for (const uid of pRm) {
    const old = removePod(uid);
    if (!old) continue;
    const r = recOf(old);
    const i = r.pods.indexOf(old);
    if (i >= 0) r.pods.splice(i, 1);
    marks.dirty.add(r);
  }
  return relayout;
}
