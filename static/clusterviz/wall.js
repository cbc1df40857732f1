/* clusterviz — the wall: a kiosk view that runs for weeks on a TV.
 *
 * Plain ES2020, no eval, no innerHTML: cluster text reaches the page through textContent and fillText only.
 * Memory stays flat: the model is two Maps keyed like the wire (node name, pod uid) plus per-node status
 * counts updated incrementally; no delta, frame or string is kept after it has been applied or drawn.
 *
 * Level of detail: one tile per node while tiles stay readable (each pod a square while squares fit, else a
 * stacked status bar); beyond that, nodes are aggregated into groups (a label such as the zone or node
 * pool, or blocks of names) drawn as tiles with stacked pod-status bars, so any cluster fits any screen.
 */
(() => {
  'use strict';

  const STATUS = ['running', 'pending', 'succeeded', 'failed', 'terminating', 'unknown'];
  const byName = new Intl.Collator('en', { numeric: true }); // worker-2 before worker-10
  const SI = Object.create(null);
  STATUS.forEach((s, i) => { SI[s] = i; });
  const COLOR = ['#1fae86', '#ecdc4f', '#56b4e9', '#e8641a', '#cc79a7', '#8f98a3'];
  const FAILING = STATUS.length; // index of the "failing" counter in a node's counts
  const FAILING_RE = /BackOff|Err|Error|OOMKilled|Evicted|CreateContainer|InvalidImageName|DeadlineExceeded|Failed/;
  const C = { bg: '#07090c', card: '#121821', line: '#253040', text: '#eef3f8', muted: '#8d99a8', bad: '#e8641a', track: '#1b2330' };
  const ZONE = 'topology.kubernetes.io/zone';
  const POOLS = [ZONE, 'cloud.google.com/gke-nodepool', 'eks.amazonaws.com/nodegroup', 'kubernetes.azure.com/agentpool', 'node.kubernetes.io/instance-type'];
  const MIN_TILE_W = 64, MIN_TILE_H = 40, MIN_SQ = 3, STALE_MS = 10000, MAX_PROBLEMS = 8;

  const $ = (id) => document.getElementById(id);
  const root = $('wall');
  const cfg = JSON.parse($('wall-config').textContent);
  const T = JSON.parse($('wall-labels').textContent);
  const fmt = (key, args) => (T[key] || key).replace(/%\((\w+)\)s/g, (_, k) => String(args[k]));
  // words not in wall-labels come from Django's JavaScript catalog (/jsi18n/, loaded before this file); without it, English
  const _ = (s) => (window.gettext ? window.gettext(s) : s);
  // the server's table of evidence and reason shapes in the viewer's language (dashboard/access/evidence.py)
  const EVIDENCE = (() => {
    const node = $('evidence-i18n');
    try { return node ? JSON.parse(node.textContent).map(([p, t]) => [new RegExp(p), t]) : []; } catch (e) { return []; }
  })();
  function evText(text) {
    for (const [re, template] of EVIDENCE) {
      const m = re.exec(text);
      if (m) return template.replace(/%\((\w+)\)s/g, (_m, k) => evText((m.groups || {})[k] || ''));
    }
    return text;
  }
  const HEALTH_TEXT = { healthy: _('healthy'), degraded: _('degraded'), unhealthy: _('unhealthy'), unknown: _('unknown') };
  const canvas = $('wall-canvas');
  const ctx = canvas.getContext('2d', { alpha: false });

  // ------------------------------------------------------------------ model
  const state = { nodes: new Map(), pods: new Map(), seq: -1, revision: 0, source: null, controlPlane: [] };
  const perNode = new Map(); // node name ('' for unscheduled) → Int32Array(7): statuses, then failing
  const view = { ns: cfg.ns || '', groupKey: cfg.group || '', groupValue: '', rotation: 0 };
  const stats = { deltas: 0, draws: 0, mode: '', tiles: 0, resyncs: 0, hatched: 0, problems: [] };
  let haveState = false, dirty = true, lastMsgAt = 0;

  const isFailing = (p) => p.statusClass === 'failed' || FAILING_RE.test(p.status || '');
  const shown = (p) => !view.ns || p.namespace === view.ns;
  function countsOf(node) {
    let c = perNode.get(node);
    if (!c) { c = new Int32Array(STATUS.length + 1); perNode.set(node, c); }
    return c;
  }
  function count(p, sign) {
    if (!shown(p)) return;
    const c = countsOf(p.node || '');
    c[SI[p.statusClass] ?? SI.unknown] += sign;
    if (isFailing(p)) c[FAILING] += sign;
  }
  function recount() {
    perNode.clear();
    for (const p of state.pods.values()) count(p, 1);
    dirty = true;
  }
  function applyState(st) {
    const pods = window.clustervizPods.podsOf(st);
    state.nodes = new Map(st.nodes.map((n) => [n.name, n]));
    state.pods = new Map(pods.map((p) => [p.uid, p]));
    Object.assign(state, { seq: st.seq, revision: st.revision, source: st.source, controlPlane: st.controlPlane || [] });
    haveState = true;
    recount();
    schedule();
  }
  function applyDeltaModel(d) {
    for (const name of d.nodes.remove) { state.nodes.delete(name); }
    for (const n of d.nodes.upsert) state.nodes.set(n.name, n);
    for (const uid of d.pods.remove) {
      const old = state.pods.get(uid);
      if (old) { count(old, -1); state.pods.delete(uid); }
    }
    for (const p of d.pods.upsert) {
      const old = state.pods.get(p.uid);
      if (old) count(old, -1);
      state.pods.set(p.uid, p);
      count(p, 1);
    }
    if (d.controlPlane) state.controlPlane = d.controlPlane;
    Object.assign(state, { seq: d.seq, revision: d.revision, source: d.source || state.source });
    stats.deltas++;
    dirty = true;
  }

  // ------------------------------------------------------------------ stream: state, deltas, resync on gaps
  let ws = null, wsOpen = false, backoff = 1000, resyncing = false, pending = [];
  function handleDelta(d) {
    if (!haveState || resyncing) { if (pending.length < 1000) pending.push(d); return 'buffered'; }
    if (d.seq <= state.seq) return 'ignored';
    if (d.seq !== state.seq + 1) { resync(); return 'gap'; }
    applyDeltaModel(d);
    schedule();
    return 'applied';
  }
  function replayPending() {
    const buf = pending.sort((a, b) => a.seq - b.seq);
    pending = [];
    for (const d of buf) if (d.seq > state.seq) handleDelta(d);
  }
  function resync() {
    if (resyncing) return;
    resyncing = true;
    stats.resyncs++;
    fetch(root.dataset.stateUrl, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then((r) => { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then((st) => { resyncing = false; lastMsgAt = Date.now(); applyState(st); replayPending(); })
      .catch(() => { resyncing = false; setTimeout(resync, backoff); });
  }
  function connect() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const sock = new WebSocket(proto + '//' + location.host + root.dataset.wsPath);
    ws = sock;
    sock.onopen = () => { wsOpen = true; backoff = 1000; };
    sock.onmessage = (ev) => {
      if (ws !== sock) return;
      lastMsgAt = Date.now();
      let msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      if (msg.type === 'state') { resyncing = false; applyState(msg); replayPending(); }
      else if (msg.type === 'delta') handleDelta(msg);
      else if (msg.type === 'heartbeat') {
        if (msg.source) state.source = msg.source;
        if (haveState && msg.seq > state.seq) resync();
      }
    };
    sock.onclose = () => {
      if (ws !== sock) return;
      ws = null; wsOpen = false;
      setTimeout(connect, backoff * (0.75 + Math.random() * 0.5));
      backoff = Math.min(30000, backoff * 2);
    };
  }

  // ------------------------------------------------------------------ header: counts, what is wrong, staleness
  function setText(id, text) { const el = $(id); if (el.textContent !== text) el.textContent = text; }
  function setCount(id, n) { setText(id, String(n)); $(id).dataset.nonzero = n > 0 ? '1' : '0'; }
  function visibleNodes() {
    const out = [];
    for (const n of state.nodes.values()) {
      if (!view.groupValue || groupOf(n) === view.groupValue) out.push(n);
    }
    return out;
  }
  const silent = (n) => n.reporting === false; // decided by the server: the kubelet stopped reporting
  function problems(nodes) {
    const list = [];
    for (const n of nodes) {
      if (silent(n)) list.push(['node', n.lastReportedAt ? fmt('notReporting', { name: n.name, time: hhmmss(n.lastReportedAt * 1000) }) : fmt('notReportingNoTime', { name: n.name })]);
      else if (n.ready !== 'True') list.push(['node', fmt('notReady', { name: n.name })]);
    }
    for (const p of state.controlPlane) {
      if (p.health === 'unhealthy' || p.health === 'degraded') list.push(['process', fmt('unhealthy', { name: p.name, health: HEALTH_TEXT[p.health] || p.health })]);
    }
    const failingByNs = new Map();
    let unscheduled = 0;
    for (const p of state.pods.values()) {
      if (!shown(p)) continue;
      if (isFailing(p)) failingByNs.set(p.namespace, (failingByNs.get(p.namespace) || 0) + 1);
      if (!p.node && p.statusClass === 'pending') unscheduled++;
    }
    for (const [ns, n] of failingByNs) list.push(['pod', fmt('failing', { count: n, ns })]);
    if (unscheduled) list.push(['pending', fmt('unscheduled', { count: unscheduled })]);
    return list;
  }
  // "Nothing is wrong" is only said of a live picture; otherwise the first line says what cannot be known.
  function renderProblems(list) {
    const ul = $('wall-problems');
    const fresh = freshness();
    const unsure = fresh.st === 'live' ? [] : [['unknown', fresh.st === 'connecting' ? T.unknownConnecting : T.unknownStale]];
    const items = list.length ? [...unsure, ...list.slice(0, MAX_PROBLEMS)] : unsure.length ? unsure : [['ok', T.allGood]];
    if (list.length > MAX_PROBLEMS) items.push(['more', fmt('more', { count: list.length - MAX_PROBLEMS })]);
    const key = items.map((i) => i[0] + ':' + i[1]).join('\n');
    if (ul.dataset.key === key) return;
    ul.dataset.key = key;
    ul.replaceChildren(...items.map(([kind, text]) => {
      const li = document.createElement('li');
      li.dataset.kind = kind;
      li.textContent = text;
      return li;
    }));
  }
  function renderHeader(nodes, names) {
    let pods = 0, failing = 0, unscheduled = 0, notReady = 0;
    for (const n of nodes) if (n.ready !== 'True' || silent(n)) notReady++;
    for (const [name, c] of perNode) {
      if (name && !names.has(name)) continue;
      for (let i = 0; i < STATUS.length; i++) pods += c[i];
      failing += c[FAILING];
      if (!name) unscheduled = c[SI.pending];
    }
    setCount('wall-nodes', nodes.length); setCount('wall-pods', pods);
    setCount('wall-notready', notReady); setCount('wall-failing', failing); setCount('wall-pending', unscheduled);
    const scope = [view.ns && fmt('namespace', { name: view.ns }), view.groupValue && fmt('group', { key: groupKey(), value: view.groupValue })];
    setText('wall-scope', scope.filter(Boolean).join(' · '));
    renderProblems(problems(nodes));
  }
  function hhmmss(ms) { return new Date(ms).toTimeString().slice(0, 8); }
  // live, connecting (never live yet: the server says so with state "connecting"), or stale (the stream or
  // the source broke after it was live, or the source is in error)
  function freshness() {
    const now = Date.now();
    const src = state.source;
    if (!haveState) return { st: 'connecting', text: T.connecting };
    if (!wsOpen || now - lastMsgAt > STALE_MS) return { st: 'stale', text: fmt('noUpdate', { time: hhmmss(lastMsgAt) }) };
    if (src && src.state === 'connecting') return { st: 'connecting', text: T.notConnected + (src.reason ? ' — ' + evText(src.reason) : '') };
    if (src && src.state !== 'live') {
      const at = src.lastEventAt ? src.lastEventAt * 1000 : lastMsgAt;
      return { st: 'stale', text: fmt('noUpdate', { time: hhmmss(at) }) + (src.reason ? ' — ' + evText(src.reason) : '') };
    }
    return { st: 'live', text: T.live + ' · ' + fmt('lastUpdate', { time: hhmmss(lastMsgAt) }) };
  }
  function renderFreshness() {
    const { st, text } = freshness();
    const live = $('wall-live');
    if (live.dataset.state !== st) { live.dataset.state = st; dirty = true; schedule(); } // the problems' first line
    setText('wall-live-text', st === 'live' ? text : T[st] || st);
    const banner = $('wall-stale');
    banner.hidden = st === 'live' || (st === 'connecting' && !haveState);
    banner.dataset.state = st;
    if (!banner.hidden) { setText('wall-stale-head', st === 'connecting' ? T.notConnectedHead : T.staleHead); setText('wall-stale-text', text); }
    if (!haveState) renderProblems([]);
  }

  // ------------------------------------------------------------------ level of detail
  function groupKey() {
    if (view.groupKey) return view.groupKey;
    for (const key of POOLS) {
      for (const n of state.nodes.values()) if (n.labels && n.labels[key]) return key;
    }
    return '';
  }
  function groupOf(n) { return (n.labels && n.labels[groupKey()]) || '–'; }
  function grid(n, w, h) {
    // the column count that makes the largest tiles of aspect ~1.6 for n tiles in w×h
    let best = { cols: 1, rows: n, tw: w, th: h / Math.max(n, 1), score: -1 };
    for (let cols = 1; cols <= n; cols++) {
      const rows = Math.ceil(n / cols);
      const tw = w / cols, th = h / rows;
      const score = Math.min(tw, th * 1.6);
      if (score > best.score) best = { cols, rows, tw, th, score };
    }
    return best;
  }
  function nodeTiles(nodes) {
    return nodes.sort((a, b) => byName.compare(a.name, b.name)).map((n) => ({
      label: n.name, nodes: 1, notReady: n.ready === 'True' && !silent(n) ? 0 : 1, silent: silent(n), counts: perNode.get(n.name) || null,
    }));
  }
  function groupTiles(nodes, maxTiles) {
    const key = groupKey();
    let buckets = new Map();
    if (key) for (const n of nodes) { const g = groupOf(n); if (!buckets.has(g)) buckets.set(g, []); buckets.get(g).push(n); }
    if (!key || buckets.size < 2 || buckets.size > maxTiles) {
      // blocks of names: as many blocks as fit, each a run of nodes in name order
      const sorted = nodes.slice().sort((a, b) => byName.compare(a.name, b.name));
      const per = Math.ceil(sorted.length / Math.max(1, maxTiles));
      buckets = new Map();
      for (let i = 0; i < sorted.length; i += per) {
        const block = sorted.slice(i, i + per);
        buckets.set(block[0].name + ' … ' + block[block.length - 1].name, block);
      }
    }
    const tiles = [];
    for (const [label, members] of [...buckets].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const counts = new Int32Array(STATUS.length + 1);
      let notReady = 0, quiet = 0;
      for (const n of members) {
        if (n.ready !== 'True' || silent(n)) notReady++;
        if (silent(n)) quiet++;
        const c = perNode.get(n.name);
        if (c) for (let i = 0; i < counts.length; i++) counts[i] += c[i];
      }
      tiles.push({ label, nodes: members.length, notReady, silent: quiet === members.length, counts });
    }
    return tiles;
  }

  // ------------------------------------------------------------------ drawing
  let cssW = 0, cssH = 0, dpr = 1;
  function resize() {
    const box = $('wall-map').getBoundingClientRect();
    dpr = window.devicePixelRatio || 1;
    cssW = Math.max(1, Math.floor(box.width)); cssH = Math.max(1, Math.floor(box.height));
    canvas.width = Math.round(cssW * dpr); canvas.height = Math.round(cssH * dpr);
    dirty = true; schedule();
  }
  function font(px, weight) { return (weight || '') + ' ' + Math.round(px) + 'px system-ui, sans-serif'; }
  function clipText(text, maxW) {
    if (ctx.measureText(text).width <= maxW) return text;
    let lo = 0, hi = text.length;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (ctx.measureText(text.slice(0, mid) + '…').width <= maxW) lo = mid; else hi = mid - 1; }
    return lo > 0 ? text.slice(0, lo) + '…' : '';
  }
  function total(c) { let t = 0; if (c) for (let i = 0; i < STATUS.length; i++) t += c[i]; return t; }
  function drawBar(c, x, y, w, h) {
    ctx.fillStyle = C.track; ctx.fillRect(x, y, w, h);
    const t = total(c);
    if (!t) return;
    let at = x;
    for (let i = 0; i < STATUS.length; i++) {
      if (!c[i]) continue;
      const bw = (c[i] / t) * w;
      ctx.fillStyle = COLOR[i]; ctx.fillRect(at, y, Math.max(bw, 1), h);
      at += bw;
    }
  }
  function drawSquares(c, x, y, w, h) {
    // pods as squares, grouped by status; returns false when they do not fit at MIN_SQ
    const t = total(c);
    if (!t) return true;
    const side = Math.floor(Math.sqrt((w * h) / t));
    const sq = Math.min(side, 14);
    if (sq < MIN_SQ) return false;
    const per = Math.max(1, Math.floor(w / sq));
    if (Math.ceil(t / per) * sq > h) return false;
    const gap = sq >= 6 ? 1 : 0;
    let k = 0;
    for (let i = 0; i < STATUS.length; i++) {
      ctx.fillStyle = COLOR[i];
      for (let j = 0; j < c[i]; j++, k++) ctx.fillRect(x + (k % per) * sq, y + Math.floor(k / per) * sq, sq - gap, sq - gap);
    }
    return true;
  }
  let stale = false; // the picture is not live (set per draw)
  function hatch(x, y, w, h) {
    ctx.save();
    ctx.beginPath(); ctx.rect(x, y, w, h); ctx.clip();
    ctx.strokeStyle = C.bg; ctx.lineWidth = 2;
    ctx.beginPath();
    for (let d = -h; d < w; d += 9) { ctx.moveTo(x + d, y + h); ctx.lineTo(x + d + h, y); }
    ctx.stroke();
    ctx.restore();
  }
  function drawTile(t, x, y, w, h, grouped) {
    const pad = Math.max(3, Math.min(10, w * 0.04));
    ctx.fillStyle = C.card; ctx.fillRect(x + 1, y + 1, w - 2, h - 2);
    const strip = Math.max(3, Math.min(8, h * 0.04));
    if (t.notReady) { ctx.fillStyle = C.bad; ctx.fillRect(x + 1, y + 1, w - 2, strip); }
    const fs = Math.max(10, Math.min(22, h * 0.16, w / 9));
    let top = y + strip + pad;
    if (h > fs * 2.2) {
      ctx.fillStyle = t.notReady ? C.bad : C.text; ctx.font = font(fs, '600'); ctx.textBaseline = 'top';
      ctx.fillText(clipText(t.label, w - 2 * pad), x + pad, top);
      top += fs * 1.25;
      if (grouped && h > fs * 3.6) {
        ctx.fillStyle = C.muted; ctx.font = font(fs * 0.8);
        const line = fmt('nodes', { count: t.nodes }) + (t.notReady ? ' · ' + t.notReady + ' NotReady' : '') + ' · ' + total(t.counts);
        ctx.fillText(clipText(line, w - 2 * pad), x + pad, top);
        top += fs;
      }
    }
    const bw = w - 2 * pad, bh = y + h - pad - top;
    if (bh < 2) return;
    if (grouped || !drawSquares(t.counts, x + pad, top, bw, bh)) drawBar(t.counts, x + pad, top, bw, Math.min(bh, Math.max(6, h * 0.5)));
    // its pods as last reported, not as now: a silent node's, or every tile while the picture is not live
    if (t.silent || stale) { hatch(x + pad, top, bw, bh); stats.hatched++; }
  }
  function draw() {
    const nodes = visibleNodes();
    stats.hatched = 0;
    stale = freshness().st !== 'live';
    renderHeader(nodes, new Set(nodes.map((n) => n.name)));
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = C.bg; ctx.fillRect(0, 0, cssW, cssH);
    const maxTiles = Math.max(1, Math.floor(cssW / MIN_TILE_W) * Math.floor(cssH / MIN_TILE_H));
    const grouped = nodes.length > maxTiles;
    const tiles = grouped ? groupTiles(nodes, maxTiles) : nodeTiles(nodes);
    const g = grid(Math.max(1, tiles.length), cssW, cssH);
    tiles.forEach((t, i) => drawTile(t, (i % g.cols) * g.tw, Math.floor(i / g.cols) * g.th, g.tw, g.th, grouped));
    stats.mode = grouped ? 'groups' : 'nodes'; stats.tiles = tiles.length; stats.draws++;
    stats.problems = [...$('wall-problems').children].map((li) => li.dataset.kind);
    root.dataset.mode = stats.mode;
    document.body.dataset.rendered = '1';
  }

  // ------------------------------------------------------------------ frames: coalesced; once a second when still
  let scheduled = false;
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    const run = () => { scheduled = false; if (dirty && haveState) { dirty = false; draw(); } };
    if (cfg.animate) requestAnimationFrame(run); else setTimeout(run, 1000);
  }

  // ------------------------------------------------------------------ rotation
  function rotationValues() {
    if (cfg.rotate === 'namespaces') {
      if (cfg.namespaces.length) return cfg.namespaces;
      return [...new Set([...state.pods.values()].map((p) => p.namespace))].sort();
    }
    if (cfg.rotate === 'groups') return [...new Set([...state.nodes.values()].map(groupOf))].sort();
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
    if (cfg.rotate === 'namespaces') { view.ns = values[view.rotation]; recount(); }
    if (cfg.rotate === 'groups') { view.groupValue = values[view.rotation]; dirty = true; }
    schedule();
  }

  // ------------------------------------------------------------------ boot
  new ResizeObserver(resize).observe($('wall-map'));
  setInterval(renderFreshness, 1000);
  if (cfg.rotate) setInterval(rotate, cfg.every * 1000);
  connect();
  setTimeout(() => { if (!haveState) resync(); }, 4000); // the websocket sends the state first; this is the fallback
  renderFreshness();

  window.clusterviz = {
    state, stats, view,
    applyState: (st) => { lastMsgAt = Date.now(); applyState(st); },
    applyDelta: (d) => { lastMsgAt = Date.now(); return handleDelta(d); },
    rotate,
    freshness: () => freshness().st,
    redraw: () => { renderFreshness(); dirty = true; if (haveState) { dirty = false; draw(); } },
  };
})();
