/* clusterviz — the wall: a kiosk view that runs for weeks on a TV, of one cluster or of every cluster (fleet).
 *
 * Plain ES2020, no eval, no innerHTML: cluster text reaches the page through textContent and fillText only.
 * Memory stays flat: each cluster's model is two Maps keyed like the wire (node name, pod uid), per-node status
 * counts and per-node pod sets updated incrementally; no delta, frame or string is kept after it is drawn.
 * One stream client (Cluster below) per cluster shown: the single wall has one, the fleet wall one per cluster.
 *
 * Level of detail, so any cluster fills any screen: every node is its own tile with its pods as cells while a
 * tile can stay MIN_TILE px or more on each side (cells large enough carry the pod's name and status word);
 * below that, nodes are gathered into groups (a label such as the zone, or blocks of names) and each node is
 * a mini-bar of its pods' statuses inside its group, so every node stays visible.
 */
import { evText } from './evidence.js';
import { nodesOf, podsOf, sharedPods } from './podtable.js';
import { BAD_HEALTH, STATUS, STATUS_COLOR, STATUS_IDX, badAgents, healthText, isFailing, nodeBad, podNotReady, silent, statusIndex, unready } from './status.js';
import { createStream, wsUrlOf } from './stream.js';


const byName = new Intl.Collator('en', { numeric: true }); // worker-2 before worker-10
const SI = STATUS_IDX;
const COLOR = STATUS_COLOR;
const FAILING = STATUS.length; // index of the "failing" counter in a node's counts
const C = { bg: '#07090c', card: '#121821', line: '#253040', text: '#eef3f8', muted: '#a3adba', bad: '#ff7a2e', track: '#1b2330', ink: '#05070a' };
const ZONE = 'topology.kubernetes.io/zone';
const POOLS = [ZONE, 'cloud.google.com/gke-nodepool', 'eks.amazonaws.com/nodegroup', 'kubernetes.azure.com/agentpool', 'node.kubernetes.io/instance-type'];
const MIN_TILE = 24; // px: a node tile narrower or lower than this cannot show its pods as cells and its marks
const LABEL_W = 96, LABEL_H = 40; // a pod cell at least this large carries its name and status word
const MAX_CELL_W = 560, MAX_CELL_H = 150;
const BLOCK = 500; // nodes per group when no label groups them
const STALE_MS = 10000, MAX_PROBLEMS = 8, NAMED_PODS = 6;
const MINI_ORDER = [SI.failed, SI.unknown, SI.terminating, SI.pending, SI.succeeded, SI.running]; // top down

const $ = (id) => document.getElementById(id);
const root = $('wall');
const cfg = JSON.parse($('wall-config').textContent);
const T = JSON.parse($('wall-labels').textContent);
const fmt = (key, args) => (T[key] || key).replace(/%\((\w+)\)s/g, (_, k) => String(args[k]));
const hhmmss = (ms) => new Date(ms).toTimeString().slice(0, 8);
const notReady = unready;
const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

// ------------------------------------------------------------------ one cluster: its model and its stream
class Cluster {
  constructor(name, stateUrl, wsPath, onChange) {
    Object.assign(this, { name, onChange });
    this.state = { nodes: new Map(), pods: new Map(), seq: -1, revision: 0, source: null, controlPlane: [] };
    this.perNode = new Map(); // node name ('' for unscheduled) → Int32Array(7): statuses, then failing
    this.byNode = new Map(); // node name → Set of the uids of its shown pods
    this.order = new Map(); // node name → its shown pods in drawing order; dropped when they change
    this.ns = '';
    this.names = null; // node names in drawing order; dropped when a node comes, goes or changes its group
    this.stream = createStream({
      stateUrl, wsUrl: wsPath ? wsUrlOf(wsPath) : '', initialBackoff: 1000, maxBackoff: 30000,
      onState: (st) => this.applyState(st),
      onDelta: (d) => { this.applyDeltaModel(d); this.onChange(); },
      onSource: (source) => { this.state.source = source; },
    });
  }
  get have() { return this.stream.have; }
  get wsOpen() { return this.stream.open; }
  get lastMsgAt() { return this.stream.lastMsgAt; }
  get deltas() { return this.stream.stats.deltas; }
  get resyncs() { return this.stream.stats.resyncs; }
  shown(p) { return !this.ns || p.namespace === this.ns; }
  countsOf(node) {
    let c = this.perNode.get(node);
    if (!c) { c = new Int32Array(STATUS.length + 1); this.perNode.set(node, c); }
    return c;
  }
  count(p, sign) {
    if (!this.shown(p)) return;
    const node = p.node || '';
    const c = this.countsOf(node);
    c[statusIndex(p)] += sign;
    if (isFailing(p)) c[FAILING] += sign;
    let set = this.byNode.get(node);
    if (!set) { set = new Set(); this.byNode.set(node, set); }
    if (sign > 0) set.add(p.uid); else set.delete(p.uid);
    if (!set.size) this.byNode.delete(node);
    this.order.delete(node);
  }
  recount() {
    this.perNode.clear(); this.byNode.clear(); this.order.clear();
    for (const p of this.state.pods.values()) this.count(p, 1);
    this.onChange();
  }
  sortedNodes(key) { // control plane first, then by group (when the nodes have one), then by name
    if (!this.names || this.namesKey !== key) {
      const nodes = [...this.state.nodes.values()];
      nodes.sort((a, b) => (b.controlPlane - a.controlPlane) || (key ? byName.compare(groupOf(a, key), groupOf(b, key)) : 0) || byName.compare(a.name, b.name));
      this.names = nodes.map((n) => n.name);
      this.namesKey = key;
    }
    return this.names.map((name) => this.state.nodes.get(name));
  }
  podsOn(node) { // the node's pods by status (as the map groups them), then namespace and name
    let list = this.order.get(node);
    if (list) return list;
    const pods = this.state.pods;
    list = [...(this.byNode.get(node) || [])].map((uid) => pods.get(uid));
    list.sort((a, b) => statusIndex(a) - statusIndex(b) || cmp(a.namespace, b.namespace) || cmp(a.name, b.name));
    this.order.set(node, list);
    return list;
  }
  applyState(st) {
    const pods = podsOf(st), nodes = nodesOf(st);
    const s = this.state;
    s.nodes = new Map(nodes.map((n) => [n.name, n]));
    this.names = null;
    s.pods = new Map(pods.map((p) => [p.uid, p]));
    Object.assign(s, { seq: st.seq, revision: st.revision, source: st.source, controlPlane: st.controlPlane || [] });
    this.recount();
  }
  applyDeltaModel(d) {
    const s = this.state;
    if (d.nodes.remove.length) this.names = null;
    for (const name of d.nodes.remove) s.nodes.delete(name);
    for (const n of d.nodes.upsert) {
      const old = s.nodes.get(n.name);
      if (!old || old.controlPlane !== n.controlPlane || JSON.stringify(old.labels) !== JSON.stringify(n.labels)) this.names = null;
      s.nodes.set(n.name, n);
    }
    for (const uid of d.pods.remove) {
      const old = s.pods.get(uid);
      if (old) { this.count(old, -1); s.pods.delete(uid); }
    }
    for (const p of sharedPods(d.pods.upsert)) {
      const old = s.pods.get(p.uid);
      if (old) this.count(old, -1);
      s.pods.set(p.uid, p);
      this.count(p, 1);
    }
    if (d.controlPlane) s.controlPlane = d.controlPlane;
    Object.assign(s, { seq: d.seq, revision: d.revision, source: d.source || s.source });
  }
  start() { this.stream.start(); }
  // live, connecting (never live yet: the server says so with state "connecting"), error (the server says its
  // source is in error, before or after a list: an alarm, not a wait) or stale (this page's stream broke or
  // fell silent, so what the server says now is unknown; or the server says its source is stale)
  freshness() {
    const src = this.state.source;
    if (!this.have) return { st: 'connecting', text: T.connecting };
    if (!this.wsOpen || Date.now() - this.lastMsgAt > STALE_MS) return { st: 'stale', text: fmt('noUpdate', { time: hhmmss(this.lastMsgAt) }) };
    if (src && src.state === 'error') return { st: 'error', text: this.errorText(src) };
    // never reached (connecting, or an error before any list — no resourceVersion yet —: a broken kubeconfig)
    if (src && src.state !== 'live' && (src.state === 'connecting' || !src.resourceVersion)) return { st: 'connecting', text: src.reason ? evText(src.reason) : T.notConnected };
    if (src && src.state !== 'live') {
      const at = src.lastEventAt ? src.lastEventAt * 1000 : this.lastMsgAt;
      return { st: 'stale', text: fmt('noUpdate', { time: hhmmss(at) }) + (src.reason ? ' — ' + evText(src.reason) : '') };
    }
    return { st: 'live', text: T.live + ' · ' + fmt('lastUpdate', { time: hhmmss(this.lastMsgAt) }) };
  }
  errorText(src) {
    const why = src.reason ? evText(src.reason) : T.sourceError;
    return src.lastEventAt ? fmt('noUpdate', { time: hhmmss(src.lastEventAt * 1000) }) + ' — ' + why : why;
  }
}
const HEADS = { connecting: 'notConnectedHead', error: 'errorHead', stale: 'staleHead' };

// ------------------------------------------------------------------ what is wrong, named
function problems(cl, nodes) {
  const list = [];
  for (const p of cl.state.controlPlane) {
    if (BAD_HEALTH[p.health]) list.push(['process', fmt('unhealthy', { name: p.name, health: healthText(p.health) })]);
  }
  for (const n of nodes) {
    if (silent(n)) list.push(['node', n.lastReportedAt ? fmt('notReporting', { name: n.name, time: hhmmss(n.lastReportedAt * 1000) }) : fmt('notReportingNoTime', { name: n.name })]);
    else if (n.ready !== 'True') list.push(['node', fmt('notReady', { name: n.name })]);
    else for (const a of badAgents(n)) list.push(['agent', fmt('agentUnhealthy', { node: n.name, name: a.name, health: healthText(a.health) })]);
  }
  return list.concat(podProblems(cl, nodes));
}
function podProblems(cl, nodes) {
  const failing = [];
  for (const n of nodes) if ((cl.perNode.get(n.name) || [])[FAILING]) for (const p of cl.podsOn(n.name)) if (isFailing(p)) failing.push(p);
  const list = [];
  if (failing.length <= NAMED_PODS) {
    for (const p of failing) list.push(['pod', fmt('failingPod', { pod: p.namespace + '/' + p.name, status: p.status, node: p.node })]);
  } else {
    const byNs = new Map();
    for (const p of failing) { const e = byNs.get(p.namespace); if (e) e.count++; else byNs.set(p.namespace, { count: 1, pod: p.name }); }
    for (const [ns, e] of byNs) list.push(['pod', fmt('failing', { count: e.count, ns, pod: e.pod })]);
  }
  const unscheduled = (cl.perNode.get('') || [])[SI.pending] || 0;
  if (unscheduled) list.push(['pending', fmt('unscheduled', { count: unscheduled })]);
  return list;
}
// "Nothing is wrong" is only said of a live picture; otherwise the first line says what cannot be known.
function problemItems(cl, list, max) {
  const fresh = cl.freshness();
  const unsure = fresh.st === 'live' ? [] : [['unknown', fresh.st === 'connecting' ? T.unknownConnecting : T.unknownStale]];
  const items = list.length ? [...unsure, ...list.slice(0, max)] : unsure.length ? unsure : [['ok', T.allGood]];
  if (list.length > max) items.push(['more', fmt('more', { count: list.length - max })]);
  return items;
}
function renderList(ul, items, classOf) {
  const key = items.map((i) => i[0] + ':' + i[1]).join('\n');
  if (ul.dataset.key === key) return;
  ul.dataset.key = key;
  ul.replaceChildren(...items.map(([kind, text]) => {
    const li = document.createElement('li');
    li.dataset.kind = kind;
    if (classOf) li.className = classOf;
    li.textContent = text;
    return li;
  }));
}
function totals(cl, nodes) {
  const t = { nodes: nodes.length, pods: 0, notReady: 0, failing: 0, unscheduled: 0 };
  for (const n of nodes) {
    if (notReady(n)) t.notReady++;
    const c = cl.perNode.get(n.name);
    if (c) { for (let i = 0; i < STATUS.length; i++) t.pods += c[i]; t.failing += c[FAILING]; }
  }
  const u = cl.perNode.get('');
  if (u) { for (let i = 0; i < STATUS.length; i++) t.pods += u[i]; t.failing += u[FAILING]; t.unscheduled = u[SI.pending]; }
  return t;
}

// ------------------------------------------------------------------ grouping
function groupKey(cl, wanted) {
  if (wanted) return wanted;
  for (const key of POOLS) for (const n of cl.state.nodes.values()) if (n.labels && n.labels[key]) return key;
  return '';
}
const groupOf = (n, key) => (n.labels && n.labels[key]) || '–';
function groupsOf(nodes, key) {
  const buckets = new Map();
  if (key) for (const n of nodes) { const g = groupOf(n, key); if (!buckets.has(g)) buckets.set(g, []); buckets.get(g).push(n); }
  if (key && buckets.size >= 2 && buckets.size <= 64) return [...buckets].map(([v, m]) => ({ label: v, members: m }));
  const out = []; // blocks of names, each a run of nodes in name order
  for (let i = 0; i < nodes.length; i += BLOCK) {
    const m = nodes.slice(i, i + BLOCK);
    out.push({ label: m[0].name + ' … ' + m[m.length - 1].name, members: m });
  }
  return out;
}

// ------------------------------------------------------------------ geometry
function grid(n, w, h, aspect) { // the column count that makes the largest tiles of about this aspect
  let best = { cols: 1, rows: n, tw: w, th: h / Math.max(n, 1), score: -1 };
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    const tw = w / cols, th = h / rows;
    const score = Math.min(tw, th * aspect);
    if (score > best.score) best = { cols, rows, tw, th, score };
    if (tw < 1) break;
  }
  return best;
}
function cellGrid(n, w, h) { // pod cells: labelled rectangles where they fit, else the largest squares
  const rect = grid(n, w, h, 2.4);
  if (rect.tw >= LABEL_W && rect.th >= LABEL_H) return { cols: rect.cols, cw: Math.min(rect.tw, MAX_CELL_W), ch: Math.min(rect.th, MAX_CELL_H), labels: true };
  let side = Math.floor(Math.sqrt((w * h) / n));
  while (side > 1 && Math.floor(w / side) * Math.floor(h / side) < n) side--;
  const s = Math.min(side, LABEL_H);
  return { cols: Math.max(1, Math.floor(w / s)), cw: s, ch: s, labels: false };
}

// ------------------------------------------------------------------ drawing one cluster into a rectangle
class Painter {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { alpha: false });
    Object.assign(this, { w: 1, h: 1, dpr: 1 });
    this.hitNames = []; this.hitBad = []; this.hitRects = new Float32Array(0); this.hits = 0;
    this.stats = { mode: '', tiles: 0, groups: 0, cells: 0, labelled: 0, cellArea: 0, hatched: 0, drawMs: 0 };
  }
  resize() {
    const box = this.canvas.parentElement.getBoundingClientRect();
    this.dpr = window.devicePixelRatio || 1;
    this.w = Math.max(1, Math.floor(box.width)); this.h = Math.max(1, Math.floor(box.height));
    this.canvas.width = Math.round(this.w * this.dpr); this.canvas.height = Math.round(this.h * this.dpr);
  }
  font(px, weight) { this.ctx.font = (weight || '') + ' ' + Math.floor(px) + 'px system-ui, "Noto Sans CJK KR", sans-serif'; }
  clip(text, maxW) {
    const ctx = this.ctx;
    if (ctx.measureText(text).width <= maxW) return text;
    let lo = 0, hi = text.length;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (ctx.measureText(text.slice(0, mid) + '…').width <= maxW) lo = mid; else hi = mid - 1; }
    return lo > 0 ? text.slice(0, lo) + '…' : '';
  }
  text(s, x, y, maxW, color) { if (maxW < 8) return; this.fill(color); this.ctx.fillText(this.clip(s, maxW), x, y); }
  hit(name, x, y, w, h, bad) {
    if (this.hitRects.length < (this.hits + 1) * 4) { const r = new Float32Array(Math.max(64, this.hitRects.length * 2)); r.set(this.hitRects); this.hitRects = r; }
    const r = this.hitRects, k = this.hits * 4;
    r[k] = x; r[k + 1] = y; r[k + 2] = w; r[k + 3] = h;
    this.hitBad[this.hits] = bad;
    this.hitNames[this.hits++] = name;
  }
  draw(cl, nodes, key) {
    const t0 = performance.now();
    const ctx = this.ctx;
    Object.assign(this.stats, { tiles: 0, groups: 0, cells: 0, labelled: 0, cellArea: 0, hatched: 0 });
    this.hits = 0;
    this.stale = cl.freshness().st !== 'live';
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    this.lastFill = '';
    this.fill(C.bg); ctx.fillRect(0, 0, this.w, this.h);
    ctx.textBaseline = 'top';
    const g = grid(Math.max(1, nodes.length), this.w, this.h, 1.6);
    if (Math.min(g.tw, g.th) >= MIN_TILE) {
      this.stats.mode = 'nodes';
      nodes.forEach((n, i) => this.nodeTile(cl, n, (i % g.cols) * g.tw, Math.floor(i / g.cols) * g.th, g.tw, g.th));
    } else {
      this.stats.mode = 'groups';
      this.groups(cl, groupsOf(nodes, key));
    }
    this.hitNames.length = this.hits; this.hitBad.length = this.hits;
    this.stats.drawMs = performance.now() - t0;
  }
  nodeTile(cl, n, x, y, w, h) {
    const ctx = this.ctx, bad = nodeBad(n);
    const gap = w > 60 ? 4 : 2;
    x += gap / 2; y += gap / 2; w -= gap; h -= gap;
    this.fill(C.card); ctx.fillRect(x, y, w, h);
    this.hit(n.name, x, y, w, h, bad);
    this.stats.tiles++;
    const pad = Math.max(2, Math.min(10, w * 0.03));
    const fs = Math.max(10, Math.min(30, h * 0.11, w / 10));
    let top = y + pad;
    if (h >= 48 && w >= 48) { top = this.tileHead(n, x + pad, top, w - 2 * pad, fs, bad); }
    this.pods(cl, n, x + pad, top, w - 2 * pad, y + h - pad - top);
    if (bad) { ctx.strokeStyle = C.bad; ctx.lineWidth = Math.max(2, Math.min(5, w / 30)); ctx.strokeRect(x + ctx.lineWidth / 2, y + ctx.lineWidth / 2, w - ctx.lineWidth, h - ctx.lineWidth); }
  }
  tileHead(n, x, y, w, fs, bad) { // the node's name, then what is wrong with it (NotReady, an agent unhealthy)
    this.font(fs, '700');
    this.text(n.name, x, y, w, bad ? C.bad : C.text);
    const why = [];
    if (silent(n)) why.push(T.silentShort); else if (n.ready !== 'True') why.push(T.notReadyShort);
    for (const a of badAgents(n)) why.push(a.name + ' ' + healthText(a.health));
    if (n.controlPlane) why.unshift(T.controlPlaneShort);
    y += fs * 1.2;
    if (why.length) { this.font(fs * 0.8, '600'); this.text(why.join(' · '), x, y, w, bad ? C.bad : C.muted); y += fs; }
    return y + fs * 0.2;
  }
  pods(cl, n, x, y, w, h) {
    if (h < 2 || w < 2) return;
    const pods = cl.podsOn(n.name);
    if (pods.length) {
      const g = cellGrid(pods.length, w, h);
      const cap = g.labels ? this.tileFont(pods, g.cw, g.ch) : 0; // one size of name in a tile
      if (g.cw >= 2) pods.forEach((p, i) => this.cell(p, x + (i % g.cols) * g.cw, y + Math.floor(i / g.cols) * g.ch, g.cw, g.ch, cap));
      else this.bar(cl.perNode.get(n.name), x, y, w, Math.min(h, 12));
    }
    // its pods as last reported, not as now: a silent node's, or every node's while the picture is not live
    if (silent(n) || this.stale) { this.hatch(x, y, w, h); this.stats.hatched++; }
  }
  fill(color) { if (this.lastFill !== color) { this.ctx.fillStyle = color; this.lastFill = color; } } // setting a colour costs a parse
  tileFont(pods, w, h) {
    let fs = Infinity;
    for (const p of pods) { const m = this.cellMetrics(w, h); fs = Math.min(fs, this.nameLines(p.name, m.big, m.room, m.height).fs); }
    return fs;
  }
  cellMetrics(w, h) { // as cell() leaves it: the gap, then the padding
    const cw = w - Math.min(4, Math.max(1, Math.round(w * 0.04))), ch = h - Math.min(4, Math.max(1, Math.round(w * 0.04)));
    const big = Math.max(14, Math.min(34, ch * 0.3, cw / 8)), pad = Math.max(4, big * 0.4);
    return { big, pad, room: cw - 2 * pad, height: ch - 2 * pad };
  }
  cell(p, x, y, w, h, labels) { // labels: 0, or the size of the names
    const ctx = this.ctx, color = COLOR[statusIndex(p)];
    if (!labels) { x = Math.floor(x); y = Math.floor(y); w = Math.floor(w); h = Math.floor(h); } // whole pixels: no anti-aliasing
    const gap = w >= 8 ? Math.min(4, Math.max(1, Math.round(w * 0.04))) : w >= 3 ? 1 : 0;
    const cw = w - gap, ch = h - gap;
    this.fill(color); ctx.fillRect(x, y, cw, ch);
    this.stats.cells++; this.stats.cellArea += cw * ch;
    const hollow = podNotReady(p) && cw >= 6;
    if (hollow) { const b = Math.max(2, Math.min(5, cw * 0.12)); this.fill(C.card); ctx.fillRect(x + b, y + b, cw - 2 * b, ch - 2 * b); }
    if (p.restarts > 0 && cw >= 6) { // a dark corner: it restarted
      const k = Math.min(cw, ch) * (labels ? 0.22 : 0.45);
      this.fill(C.ink); ctx.beginPath(); ctx.moveTo(x + cw - k, y); ctx.lineTo(x + cw, y); ctx.lineTo(x + cw, y + k); ctx.closePath(); ctx.fill();
    }
    if (labels) this.cellText(p, x, y, cw, ch, hollow ? color : C.ink, labels);
  }
  // name, then status · ready · restarts. The name shrinks to fit down to 14 px; longer, it breaks at a
  // dash into two lines if the cell is high enough (a name is never cut while it could be read whole)
  cellText(p, x, y, w, h, color, cap) {
    const big = Math.min(cap, Math.max(14, Math.min(34, h * 0.3, w / 8)));
    const pad = Math.max(4, Math.max(14, Math.min(34, h * 0.3, w / 8)) * 0.4), room = w - 2 * pad;
    const lines = this.nameLines(p.name, big, room, h - 2 * pad);
    this.font(lines.fs, '700');
    lines.text.forEach((line, i) => this.text(line, x + pad, y + pad + i * lines.fs * 1.15, room, color));
    const below = y + pad + lines.text.length * lines.fs * 1.15 + lines.fs * 0.1;
    const small = Math.max(12, Math.min(lines.fs, big * 0.85));
    if (below + small <= y + h - pad / 2) {
      const parts = [p.status, p.readyContainers + '/' + p.totalContainers];
      if (p.restarts > 0) parts.push('↻' + p.restarts);
      this.font(small, '600');
      this.text(parts.join(' · '), x + pad, below, room, color);
    }
    this.stats.labelled++;
  }
  fitSize(text, fs, room) { // the largest size up to fs at which the text fits in room (widths do not scale exactly)
    this.font(fs, '700');
    const tw = this.ctx.measureText(text).width;
    if (tw <= room) return fs;
    let size = Math.floor(fs * room / tw);
    for (this.font(size, '700'); size > 6 && this.ctx.measureText(text).width > room; this.font(size, '700')) size--;
    return size;
  }
  nameLines(name, fs, room, height) {
    const one = this.fitSize(name, fs, room);
    if (one >= 14 || height < 2.4 * 14) return { fs: Math.max(one, 10), text: [name] };
    let cut = -1; // the dash nearest the middle
    for (let i = name.indexOf('-'); i > 0; i = name.indexOf('-', i + 1)) if (cut < 0 || Math.abs(i - name.length / 2) < Math.abs(cut - name.length / 2)) cut = i;
    if (cut < 0) return { fs: Math.max(one, 10), text: [name] };
    const text = [name.slice(0, cut + 1), name.slice(cut + 1)];
    const two = Math.min(this.fitSize(text[0], fs, room), this.fitSize(text[1], fs, room), Math.floor(height / 2.4));
    return two > one ? { fs: two, text } : { fs: Math.max(one, 10), text: [name] };
  }
  bar(c, x, y, w, h) { // stacked status bar, left to right
    const ctx = this.ctx;
    this.fill(C.track); ctx.fillRect(x, y, w, h);
    let t = 0; if (c) for (let i = 0; i < STATUS.length; i++) t += c[i];
    if (!t) return;
    let at = x;
    for (let i = 0; i < STATUS.length; i++) {
      if (!c[i]) continue;
      const bw = (c[i] / t) * w;
      this.fill(COLOR[i]); ctx.fillRect(at, y, Math.max(bw, 1), h);
      at += bw;
    }
  }
  miniBar(c, x, y, w, h) { // stacked status bar: running at the bottom, the troubles on top and never thinner than 2 px
    const ctx = this.ctx;
    this.fill(C.track); ctx.fillRect(x, y, w, h);
    let t = 0; if (c) for (let i = 0; i < STATUS.length; i++) t += c[i];
    if (!t) return;
    let at = y;
    for (const i of MINI_ORDER) {
      if (!c[i]) continue;
      const bh = i === SI.running ? y + h - at : Math.min(y + h - at, Math.max(2, (c[i] / t) * h));
      this.fill(COLOR[i]); ctx.fillRect(x, at, w, bh);
      at += bh;
    }
  }
  hatch(x, y, w, h) {
    const ctx = this.ctx;
    ctx.save();
    ctx.beginPath(); ctx.rect(x, y, w, h); ctx.clip();
    ctx.strokeStyle = C.bg; ctx.lineWidth = 2;
    ctx.beginPath();
    for (let d = -h; d < w; d += 9) { ctx.moveTo(x + d, y + h); ctx.lineTo(x + d + h, y); }
    ctx.stroke();
    ctx.restore();
  }
  groups(cl, groups) { // each group a panel; each node in it a mini-bar of its pods' statuses
    const g = grid(groups.length, this.w, this.h, 1.6);
    this.stats.groups = groups.length;
    groups.forEach((grp, i) => this.group(cl, grp, (i % g.cols) * g.tw, Math.floor(i / g.cols) * g.th, g.tw, g.th));
  }
  group(cl, grp, x, y, w, h) {
    const ctx = this.ctx;
    x += 3; y += 3; w -= 6; h -= 6;
    this.fill(C.card); ctx.fillRect(x, y, w, h);
    const fs = Math.max(12, Math.min(26, h * 0.06, w / 18));
    const bad = grp.members.filter(notReady).length;
    this.font(fs, '700');
    const head = grp.label + ' · ' + fmt('nodes', { count: grp.members.length }) + (bad ? ' · ' + fmt('notReadyCount', { count: bad }) : '');
    this.text(head, x + 8, y + 6, w - 16, bad ? C.bad : C.text);
    const top = y + fs * 1.5 + 6, ih = y + h - 6 - top, iw = w - 12;
    const m = grid(grp.members.length, iw, ih, 0.6);
    grp.members.forEach((n, k) => this.mini(cl, n, x + 6 + (k % m.cols) * m.tw, top + Math.floor(k / m.cols) * m.th, m.tw, m.th));
  }
  mini(cl, n, x, y, w, h) {
    const ctx = this.ctx, gap = w >= 5 ? 1 : 0;
    this.miniBar(cl.perNode.get(n.name), x, y, w - gap, h - gap);
    if (silent(n) || this.stale) { this.hatch(x, y, w - gap, h - gap); this.stats.hatched++; }
    const bad = nodeBad(n);
    if (bad) { ctx.strokeStyle = C.bad; ctx.lineWidth = 2; ctx.strokeRect(x + 1, y + 1, Math.max(1, w - gap - 2), Math.max(1, h - gap - 2)); }
    this.hit(n.name, x, y, w, h, bad);
    this.stats.tiles++;
  }
  nodeAt(x, y) {
    const r = this.hitRects;
    for (let i = 0; i < this.hits; i++) { const k = i * 4; if (x >= r[k] && y >= r[k + 1] && x < r[k] + r[k + 2] && y < r[k + 1] + r[k + 3]) return this.hitNames[i]; }
    return null;
  }
  tiles() { // [name, x, y, w, h, marked as a problem] of every node drawn, in CSS px of the canvas
    const out = [];
    for (let i = 0; i < this.hits; i++) out.push([this.hitNames[i], ...this.hitRects.subarray(i * 4, i * 4 + 4), this.hitBad[i]]);
    return out;
  }
}

// ------------------------------------------------------------------ frames: coalesced; once a second when still
function frames(draw) {
  let scheduled = false;
  return () => {
    if (scheduled) return;
    scheduled = true;
    const run = () => { scheduled = false; draw(); };
    if (cfg.animate) requestAnimationFrame(run); else setTimeout(run, 1000);
  };
}
function setText(el, text) { if (el.textContent !== text) el.textContent = text; }
function setCount(el, n) { setText(el, String(n)); el.dataset.nonzero = n > 0 ? '1' : '0'; }
// A cluster that never showed anything (never listed: "not connected yet", or an error before any list) counts
// nothing: "–", not a 0 that would claim an empty cluster.
function observed(cl) {
  const s = cl.state;
  return s.nodes.size > 0 || s.pods.size > 0 || !s.source || s.source.state === 'live';
}
function setCounts(cl, pairs) {
  const seen = observed(cl);
  for (const [el, n] of pairs) { if (seen) setCount(el, n); else { setText(el, '–'); el.dataset.nonzero = '0'; } }
}
function leaderOf(p) { return p.leader ? p.leader.split('_')[0] : ''; }

// ------------------------------------------------------------------ the wall of one cluster
function singleWall() {
  const view = { groupKey: cfg.group || '', groupValue: '', rotation: 0 };
  const painter = new Painter($('wall-canvas'));
  const stats = { draws: 0, problems: [], ...painter.stats };
  let dirty = true;
  const schedule = frames(() => { if (dirty && cl.have) { dirty = false; draw(); } });
  const cl = new Cluster(cfg.cluster, root.dataset.stateUrl, root.dataset.wsPath, () => { dirty = true; schedule(); });
  cl.ns = cfg.ns || '';
  const key = () => groupKey(cl, view.groupKey);
  const visibleNodes = () => cl.sortedNodes(key()).filter((n) => !view.groupValue || groupOf(n, key()) === view.groupValue);
  function renderHeader(nodes) {
    const t = totals(cl, nodes);
    setCounts(cl, [[$('wall-nodes'), t.nodes], [$('wall-pods'), t.pods], [$('wall-notready'), t.notReady],
      [$('wall-failing'), t.failing], [$('wall-pending'), t.unscheduled]]);
    const scope = [cl.ns && fmt('namespace', { name: cl.ns }), view.groupValue && fmt('group', { key: key(), value: view.groupValue })];
    setText($('wall-scope'), scope.filter(Boolean).join(' · '));
    renderList($('wall-problems'), problemItems(cl, problems(cl, nodes), MAX_PROBLEMS));
    renderControlPlane();
  }
  function renderControlPlane() { // each process: its health in words and colour, and who leads
    const ul = $('wall-cp');
    const procs = cl.state.controlPlane;
    const key = procs.map((p) => p.name + ':' + p.health + ':' + (p.leader || '')).join('|');
    if (ul.dataset.key === key && ul.childElementCount) return;
    ul.dataset.key = key;
    if (!procs.length) { const li = document.createElement('li'); li.dataset.health = 'unknown'; li.textContent = T.noControlPlane; ul.replaceChildren(li); return; }
    ul.replaceChildren(...procs.map((p) => {
      const li = document.createElement('li');
      li.dataset.process = p.name; li.dataset.health = p.health;
      const name = document.createElement('b'); name.textContent = p.name;
      const health = document.createElement('span'); health.className = 'wall-cp-health'; health.textContent = healthText(p.health);
      li.append(name, ' ', health);
      const leader = leaderOf(p);
      if (leader) { const l = document.createElement('span'); l.className = 'wall-cp-leader'; l.textContent = fmt('leader', { name: leader }); li.append(' ', l); }
      return li;
    }));
  }
  function draw() {
    const nodes = visibleNodes();
    renderHeader(nodes);
    painter.draw(cl, nodes, key());
    Object.assign(stats, painter.stats, { draws: stats.draws + 1 });
    stats.problems = [...$('wall-problems').children].map((li) => li.dataset.kind);
    root.dataset.mode = stats.mode;
    document.body.dataset.rendered = '1';
  }
  function renderFreshness() {
    const { st, text } = cl.freshness();
    const live = $('wall-live');
    if (live.dataset.state !== st) { live.dataset.state = st; dirty = true; schedule(); } // the problems' first line
    setText($('wall-live-text'), st === 'live' ? text : T[st] || st);
    const banner = $('wall-stale');
    banner.hidden = st === 'live' || (st === 'connecting' && !cl.have);
    banner.dataset.state = st;
    if (!banner.hidden) { setText($('wall-stale-head'), T[HEADS[st]]); setText($('wall-stale-text'), text); }
    if (!cl.have) renderList($('wall-problems'), problemItems(cl, [], MAX_PROBLEMS));
  }
  function rotationValues() {
    if (cfg.rotate === 'namespaces') {
      if (cfg.namespaces.length) return cfg.namespaces;
      return [...new Set([...cl.state.pods.values()].map((p) => p.namespace))].sort();
    }
    if (cfg.rotate === 'groups') return [...new Set([...cl.state.nodes.values()].map((n) => groupOf(n, key())))].sort();
    return [];
  }
  function rotate() {
    if (cfg.rotate === 'clusters') {
      const i = cfg.clusters.indexOf(cfg.cluster);
      const next = cfg.clusters[(i + 1) % cfg.clusters.length];
      if (next && next !== cfg.cluster) location.assign('/wall/' + encodeURIComponent(next) + '/' + location.search);
      return;
    }
    const values = rotationValues();
    if (!values.length) return;
    view.rotation = (view.rotation + 1) % values.length;
    if (cfg.rotate === 'namespaces') { cl.ns = values[view.rotation]; cl.recount(); }
    if (cfg.rotate === 'groups') { view.groupValue = values[view.rotation]; dirty = true; }
    schedule();
  }
  new ResizeObserver(() => { painter.resize(); dirty = true; schedule(); }).observe($('wall-map'));
  setInterval(renderFreshness, 1000);
  if (cfg.rotate) setInterval(rotate, cfg.every * 1000);
  cl.start();
  renderFreshness();
  Object.defineProperties(stats, { deltas: { get: () => cl.deltas }, resyncs: { get: () => cl.resyncs } });
  window.clusterviz = {
    state: cl.state, stats, view, cluster: cl,
    applyState: (st) => cl.stream.offerState(st),
    applyDelta: (d) => cl.stream.offerDelta(d),
    rotate,
    freshness: () => cl.freshness().st,
    redraw: () => { renderFreshness(); dirty = true; if (cl.have) { dirty = false; draw(); } },
    nodeAt: (x, y) => painter.nodeAt(x, y),
    tiles: () => painter.tiles(),
  };
}

// the control plane in one line: its troubles by name, "healthy" only when every process is and the picture
// is live (otherwise as last seen, never in green)
function controlPlaneLine(cl) {
  const procs = cl.state.controlPlane;
  const bad = procs.filter((p) => BAD_HEALTH[p.health]);
  const unknown = procs.filter((p) => !BAD_HEALTH[p.health] && p.health !== 'healthy');
  let line = { health: 'healthy', text: T.cpHealthy };
  if (!procs.length) line = { health: 'unknown', text: T.noControlPlane };
  else if (bad.length) line = { health: 'bad', text: bad.map((p) => p.name + ' ' + healthText(p.health)).join(' · ') };
  else if (unknown.length) line = { health: 'unknown', text: unknown.map((p) => p.name + ' ' + healthText(p.health)).join(' · ') };
  if (cl.freshness().st !== 'live' && procs.length) line = { health: 'unknown', text: fmt('lastSeen', { what: line.text }) };
  return line;
}

// ------------------------------------------------------------------ the fleet: every cluster on one screen
function fleetWall() {
  const cards = [];
  const board = $('fleet');
  const cols = Math.ceil(Math.sqrt(cfg.fleet.length * 1.2));
  board.style.setProperty('--fleet-cols', String(Math.min(cols, cfg.fleet.length)));
  for (const c of cfg.fleet) {
    const el = document.querySelector('[data-fleet-cluster="' + CSS.escape(c.name) + '"]');
    const card = { el, dirty: true, painter: new Painter(el.querySelector('canvas')), draws: 0 };
    card.schedule = frames(() => { if (card.dirty && card.cl.have) { card.dirty = false; drawCard(card); } });
    card.cl = new Cluster(c.name, c.stateUrl, c.wsPath, () => { card.dirty = true; card.schedule(); });
    new ResizeObserver(() => { card.painter.resize(); card.dirty = true; card.schedule(); }).observe(el.querySelector('.fleet-map'));
    cards.push(card);
  }
  const q = (card, sel) => card.el.querySelector(sel);
  function drawCard(card) {
    const cl = card.cl, nodes = renderWords(card);
    card.painter.draw(cl, nodes, groupKey(cl, ''));
    card.draws++;
    document.body.dataset.rendered = '1';
  }
  // the card's counts, control-plane line and problems: at once when its freshness turns, the canvas a frame later
  function renderWords(card) {
    const cl = card.cl, nodes = cl.sortedNodes(groupKey(cl, ''));
    const t = totals(cl, nodes);
    setCounts(cl, [[q(card, '[data-count=nodes]'), t.nodes], [q(card, '[data-count=pods]'), t.pods],
      [q(card, '[data-count=notready]'), t.notReady], [q(card, '[data-count=failing]'), t.failing]]);
    const cp = controlPlaneLine(cl);
    q(card, '.fleet-cp').dataset.health = cp.health;
    setText(q(card, '.fleet-cp'), cp.text);
    renderList(q(card, '.fleet-problems'), problemItems(cl, problems(cl, nodes), 3));
    return nodes;
  }
  function renderFreshness() {
    for (const card of cards) {
      const { st, text } = card.cl.freshness();
      if (card.el.dataset.state !== st) {
        card.el.dataset.state = st;
        if (card.cl.have) renderWords(card);
        card.dirty = true; card.schedule();
      }
      setText(q(card, '.fleet-live'), st === 'live' ? T.live : T[HEADS[st]] + ' — ' + text);
    }
    const live = cards.filter((c) => c.el.dataset.state === 'live').length;
    setText($('fleet-summary'), fmt('fleetSummary', { live, count: cards.length }));
  }
  setInterval(renderFreshness, 1000);
  for (const card of cards) card.cl.start();
  renderFreshness();
  window.clusterviz = {
    fleet: cards.map((card) => ({
      name: card.cl.name, cluster: card.cl,
      freshness: () => card.cl.freshness().st,
      stats: () => card.painter.stats,
      tiles: () => card.painter.tiles(),
    })),
    redraw: () => { for (const card of cards) if (card.cl.have) drawCard(card); },
  };
}

if (root.dataset.kind === 'fleet') fleetWall(); else singleWall();
