/* clusterviz — live map of a Kubernetes cluster.
 *
 * Plain ES2020, no framework, no eval, no innerHTML with cluster strings (all cluster text goes
 * through textContent or canvas fillText). Reads its configuration from data-* attributes on
 * #cv-app and the json_script block #cluster-explanations.
 *
 * Model:   state.nodes Map name→NodeView, state.pods Map uid→PodView (the wire objects, untouched).
 * Layout:  one "rec" per node card (plus one for pods not scheduled yet) holding its PodView array;
 *          cards are placed once in rows (group by group); a pod's square is slot i of its card.
 * Drawing: Canvas 2D in device pixels; pods batched into one Path2D per colour; a delta redraws
 *          only the cards it touched (requestAnimationFrame-coalesced) unless the layout changed.
 */
(() => {
  'use strict';

  // i18n: Django's JavaScript catalog (/jsi18n/, loaded before this file) translates; without it, English.
  const _ = (s) => (window.gettext ? window.gettext(s) : s);
  const ngettext = (one, many, n) => (window.ngettext ? window.ngettext(one, many, n) : n === 1 ? one : many);
  const interpolate = (fmt, obj) => (window.interpolate ? window.interpolate(fmt, obj, true) : fmt.replace(/%\((\w+)\)s/g, (m, k) => String(obj[k])));
  const HEALTH_TEXT = { healthy: _('healthy'), degraded: _('degraded'), unhealthy: _('unhealthy'), unknown: _('unknown') };
  const healthText = (h) => HEALTH_TEXT[h] || h;
  // Evidence lines and source reasons in the viewer's language: the server's pattern table (dashboard/access/
  // evidence.py) as JSON in the page; a line of no known shape stays as the core wrote it (English).
  const EVIDENCE = (() => {
    const node = document.getElementById('evidence-i18n');
    try { return node ? JSON.parse(node.textContent).map(([p, t]) => [new RegExp(p), t]) : []; } catch (e) { return []; }
  })();
  function evText(text) {
    for (const [re, template] of EVIDENCE) {
      const m = re.exec(text);
      if (m) return template.replace(/%\((\w+)\)s/g, (_m, k) => evText((m.groups || {})[k] || ''));
    }
    return text;
  }

  // ---------------------------------------------------------------- constants & palette
  const STATUS = ['running', 'pending', 'succeeded', 'failed', 'terminating', 'unknown'];
  const STATUS_IDX = Object.create(null);
  STATUS.forEach((s, i) => { STATUS_IDX[s] = i; });
  const STATUS_TEXT = { running: _('running'), pending: _('pending'), succeeded: _('succeeded'), failed: _('failed'), terminating: _('terminating'), unknown: _('unknown') };
  // Okabe–Ito based, lifted slightly for a dark background (colour-blind safe).
  const STATUS_COLOR = ['#1fae86', '#ecdc4f', '#56b4e9', '#e8641a', '#cc79a7', '#8f98a3'];
  const HEALTH_COLOR = { healthy: '#1fae86', degraded: '#e69f00', unhealthy: '#e8641a', unknown: '#8f98a3' };
  const C = {
    bg: '#0e1217', card: '#19202a', cardCP: '#1b2535', border: '#2b3442', borderCP: '#3d7fc4',
    text: '#e6edf3', muted: '#8d99a8', faint: '#5b6675', bar: '#3d7fc4', barWarn: '#e69f00',
    barTrack: '#2a3340', notReady: '#e8641a', cordon: '#e69f00', group: '#c9d4e0', sel: '#ffffff',
    pendingCard: '#1d1a14', pendingBorder: '#6b5d2a', mark: '#0b0e12', hatch: '#0e1217',
  };
  const DIM_MIX = 0.22; // dimmed pods: colour mixed with the card background

  // World geometry (CSS px at zoom 1). Two geometries: "detail" cards (text, bars, agent chips) and
  // "compact" cards (status strip + pod block) used for the overview of big clusters (semantic zoom).
  const P = 10, SQ = 8;          // pod pitch and square size, both geometries
  const GEO = {
    detail: { mode: 'detail', cardW: 250, pad: 8, head: 100, bottom: 8, gap: 12, groupH: 30, perRow: 23, pendHead: 6, groupH0: 30 },
    compact: { mode: 'compact', cardW: 76, pad: 3, head: 10, bottom: 3, gap: 6, groupH: 22, perRow: 7, pendHead: 3, groupH0: 22 },
  };
  let G = GEO.detail;
  const D2C = 0.25;              // detail → compact below this scale
  const C2D_CARD_PX = 84;        // compact → detail when a compact card is wider than this (CSS px)
  const LOD_HIGH = 0.7, LOD_MID = 0.32;
  const FAILING_RE = /BackOff|Err|Error|OOMKilled|Evicted|CreateContainer|InvalidImageName|DeadlineExceeded|Failed/;

  // ---------------------------------------------------------------- config
  const app = document.getElementById('cv-app') || document.body;
  const cfg = {
    cluster: app.dataset.cluster || '',
    stateUrl: app.dataset.stateUrl || '',
    wsPath: app.dataset.wsPath || '',
    panelBase: app.dataset.panelBase || '',
    replayBase: app.dataset.replayBase || '',
  };
  let explanations = {};
  try {
    const el = document.getElementById('cluster-explanations');
    if (el) explanations = JSON.parse(el.textContent) || {};
  } catch (e) { explanations = {}; }

  const $ = (id) => document.getElementById(id);
  const canvas = $('cluster-canvas');
  const wrap = $('map-wrap');
  const ctx = canvas.getContext('2d', { alpha: false });
  const tooltip = $('map-tooltip');
  const panel = $('side-panel');
  const panelEmpty = panel ? Array.from(panel.childNodes).map((n) => n.cloneNode(true)) : [];

  // ---------------------------------------------------------------- model
  const state = { nodes: new Map(), pods: new Map(), seq: -1, revision: 0, at: 0, source: null, controlPlane: [], cluster: cfg.cluster, rollouts: new Map() };
  const stats = { lastRenderMs: 0, lastDeltaMs: 0, lastDeltaApplyMs: 0, lastDrawMs: 0, lastLayoutMs: 0, renders: 0, deltas: 0, layouts: 0, mode: 'detail', hatched: [] };
  let recs = new Map();            // node name → rec (one card)
  const pendingRec = mkRec(null, 'pending');
  let groups = [];                 // [{label, y, count}]
  let rows = [];                   // [{y, h, recs[], pending?}] sorted by y
  let layoutW = 250, layoutH = 100;
  const colsCache = { detail: { n: -1, cols: 0 }, compact: { n: -1, cols: 0, perRow: 7 } };
  const counts = { statuses: [0, 0, 0, 0, 0, 0], failing: 0, notReady: 0, unscheduled: 0, matching: 0, namespaces: new Map() };
  let nsDirty = true;
  let dimmed = new WeakSet();      // PodView objects not matching the filter
  let filter = { ns: '', selector: '', q: '', group: '', reqs: [], active: false, qLower: '' };
  let selected = null;             // {kind:'pod'|'node', id}

  function mkRec(node, kind) {
    return { name: node ? node.name : '', node, kind, pods: [], x: 0, y: 0, w: 0, h: 0, perRow: 1, cap: 0, head: 0, matchCount: 0 };
  }
  const byName = new Intl.Collator('en', { numeric: true }); // node names in the order people count them
  const recOf = (p) => (p.node && recs.get(p.node)) || pendingRec;

  // A pod of an older ReplicaSet revision than the one its Deployment rolls out to (the server says which).
  function rolloutOf(p) {
    return p.owner && p.owner.kind === 'Deployment' && typeof p.revision === 'number' ? state.rollouts.get(p.namespace + '/' + p.owner.name) : undefined;
  }
  function isOld(p) { const r = rolloutOf(p); return r !== undefined && p.revision < r; }
  const NO_FEED = { reset() {}, add() {}, replay() {} };
  function feed() { return window.clustervizFeed || NO_FEED; } // static/clusterviz/feed.js

  function isFailing(p) {
    return p.statusClass === 'failed' || (p.status !== 'Running' && p.status !== 'Completed' && FAILING_RE.test(p.status || ''));
  }

  function countPod(p, sign) {
    const si = STATUS_IDX[p.statusClass];
    counts.statuses[si === undefined ? 5 : si] += sign;
    if (isFailing(p)) counts.failing += sign;
    if (!p.node) counts.unscheduled += sign;
    const n = (counts.namespaces.get(p.namespace) || 0) + sign;
    if (n <= 0) { counts.namespaces.delete(p.namespace); nsDirty = true; } else { if (n === 1 && sign > 0) nsDirty = true; counts.namespaces.set(p.namespace, n); }
    if (!filter.active || !dimmed.has(p)) counts.matching += sign;
  }

  // ---------------------------------------------------------------- label selector
  function parseSelector(src) {
    const reqs = [];
    const s = (src || '').trim();
    if (!s) return { ok: true, reqs };
    // split on commas outside parentheses
    const parts = [];
    let depth = 0, cur = '';
    for (const ch of s) {
      if (ch === '(') depth++;
      else if (ch === ')') depth--;
      if (depth < 0) return { ok: false, reqs: [], error: _('unbalanced ")"') };
      if (ch === ',' && depth === 0) { parts.push(cur); cur = ''; } else cur += ch;
    }
    if (depth !== 0) return { ok: false, reqs: [], error: _('missing ")"') };
    parts.push(cur);
    const KEY = '((?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)';
    const VAL = '((?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?)';
    const reExists = new RegExp('^' + KEY + '$');
    const reNot = new RegExp('^!\\s*' + KEY + '$');
    const reEq = new RegExp('^' + KEY + '\\s*(==|=|!=)\\s*' + VAL + '$');
    const reSet = new RegExp('^' + KEY + '\\s+(in|notin)\\s*\\(([^()]*)\\)$');
    const reVal = new RegExp('^' + VAL + '$');
    for (const raw of parts) {
      const t = raw.trim();
      if (!t) return { ok: false, reqs: [], error: _('empty requirement') };
      let m;
      if ((m = reSet.exec(t))) {
        const vals = m[3].split(',').map((v) => v.trim());
        if (vals.some((v) => !reVal.test(v))) return { ok: false, reqs: [], error: interpolate(_('bad value in "%(requirement)s"'), { requirement: t }) };
        reqs.push({ key: m[1], op: m[2], values: new Set(vals) });
      } else if ((m = reEq.exec(t))) {
        reqs.push({ key: m[1], op: m[2] === '!=' ? '!=' : '=', values: new Set([m[3]]) });
      } else if ((m = reNot.exec(t))) {
        reqs.push({ key: m[1], op: '!' });
      } else if ((m = reExists.exec(t))) {
        reqs.push({ key: m[1], op: 'exists' });
      } else {
        return { ok: false, reqs: [], error: interpolate(_('cannot parse "%(requirement)s"'), { requirement: t }) };
      }
    }
    return { ok: true, reqs };
  }

  function selectorMatches(reqs, labels) {
    const L = labels || {};
    for (let i = 0; i < reqs.length; i++) {
      const r = reqs[i];
      const has = Object.prototype.hasOwnProperty.call(L, r.key);
      switch (r.op) {
        case '=': case 'in': if (!has || !r.values.has(L[r.key])) return false; break;
        case '!=': case 'notin': if (has && r.values.has(L[r.key])) return false; break;
        case 'exists': if (!has) return false; break;
        case '!': if (has) return false; break;
        default: return false;
      }
    }
    return true;
  }

  function podMatches(p) {
    if (!filter.active) return true;
    if (filter.ns && p.namespace !== filter.ns) return false;
    if (filter.reqs.length && !selectorMatches(filter.reqs, p.labels)) return false;
    if (filter.qLower) {
      const q = filter.qLower;
      if (p.name.toLowerCase().indexOf(q) < 0 && !(p.node && p.node.toLowerCase().indexOf(q) >= 0)) return false;
    }
    return true;
  }

  function recomputeFilter() {
    dimmed = new WeakSet();
    let m = 0;
    for (const p of state.pods.values()) {
      if (podMatches(p)) m++; else dimmed.add(p);
    }
    counts.matching = m;
  }

  // ---------------------------------------------------------------- state / delta application
  function resetFromState(st) {
    const pods = window.clustervizPods.podsOf(st); // first: a table it cannot read leaves the model as it was
    state.nodes = new Map();
    state.pods = new Map();
    state.cluster = st.cluster || state.cluster;
    state.seq = typeof st.seq === 'number' ? st.seq : 0;
    state.revision = st.revision || 0;
    state.at = st.at || 0;
    state.source = st.source || null;
    state.controlPlane = st.controlPlane || [];
    state.rollouts = new Map(Object.entries(st.rollouts || {}));
    feed().reset(st.feed || []);
    for (const n of st.nodes || []) state.nodes.set(n.name, n);
    rebuildRecs(true);
    // one pass over the pods: model map, counters, card lists (a hot loop at 150k pods)
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
      cs[si === undefined ? 5 : si]++;
      if (p.statusClass === 'failed' || (p.status !== 'Running' && p.status !== 'Completed' && FAILING_RE.test(p.status || ''))) failing++;
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
    nsDirty = true;
  }

  // "not ready" counts a node whose kubelet stopped reporting too: nobody vouches for its Ready any more
  function unready(n) { return n.ready !== 'True' || n.reporting === false; }
  function rebuildRecs(nodesOnly) {
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

  function groupKeyOf(n) {
    if (!filter.group) return '';
    const v = n.labels ? n.labels[filter.group] : undefined;
    return v === undefined ? '\u0000' : String(v);
  }

  function applyDeltaModel(d) {
    state.seq = d.seq; state.revision = d.revision; state.at = d.at;
    if (d.source) { if (JSON.stringify(d.source) !== JSON.stringify(state.source)) cpDirty = true; state.source = d.source; }
    let reassign = false, relayout = false;
    const dn = d.nodes || {};
    const dp = d.pods || {};
    const nUp = dn.upsert || [], nRm = dn.remove || [], pUp = dp.upsert || [], pRm = dp.remove || [];
    for (const n of nUp) {
      const old = state.nodes.get(n.name);
      state.nodes.set(n.name, n);
      if (!old) { reassign = true; continue; }
      if (unready(old) !== unready(n)) counts.notReady += unready(n) ? 1 : -1;
      const r = recs.get(n.name);
      if (r) { r.node = n; dirty.add(r); }
      if (old.controlPlane !== n.controlPlane || groupKeyOf(old) !== groupKeyOf(n)) relayout = true;
    }
    for (const name of nRm) {
      if (state.nodes.delete(name)) reassign = true;
    }
    const fa = filter.active;
    if (reassign) {
      // the node set changed: apply the pods to the model, then rebuild every card's pod list
      for (const p of pUp) {
        const old = state.pods.get(p.uid);
        if (old) countPod(old, -1);
        state.pods.set(p.uid, p);
        if (fa && !podMatches(p)) dimmed.add(p);
        countPod(p, 1);
      }
      for (const uid of pRm) {
        const old = state.pods.get(uid);
        if (old) { countPod(old, -1); state.pods.delete(uid); }
      }
      rebuildRecs();
      relayout = true;
    } else {
      for (const p of pUp) {
        const old = state.pods.get(p.uid);
        if (old) countPod(old, -1);
        state.pods.set(p.uid, p);
        if (fa && !podMatches(p)) dimmed.add(p);
        countPod(p, 1);
        const nr = recOf(p);
        if (old) {
          const or = recOf(old);
          const i = or.pods.indexOf(old);
          if (or === nr && i >= 0) {
            or.pods[i] = p;
            // same slot: repaint just the square, unless the card's own look depends on it
            if (fa && dimmed.has(old) !== dimmed.has(p)) dirty.add(or); else dirtyPods.add(p);
            continue;
          }
          if (i >= 0) or.pods.splice(i, 1);
          dirty.add(or);
        }
        nr.pods.push(p);
        if (nr.pods.length > nr.cap) relayout = true;
        dirty.add(nr);
      }
      for (const uid of pRm) {
        const old = state.pods.get(uid);
        if (!old) continue;
        countPod(old, -1);
        state.pods.delete(uid);
        const r = recOf(old);
        const i = r.pods.indexOf(old);
        if (i >= 0) r.pods.splice(i, 1);
        dirty.add(r);
      }
    }
    if (d.controlPlane) { state.controlPlane = d.controlPlane; cpDirty = true; }
    if (nUp.length || nRm.length) cpDirty = true; // control-plane node list
    if (d.rollouts) { state.rollouts = new Map(Object.entries(d.rollouts)); needFull = true; } // old pods change look
    if (d.feed) feed().add(d.feed);
    if (relayout) { relayoutKeepView(); }
    headerDirty = true;
  }

  // ---------------------------------------------------------------- layout
  function viewportSize() {
    const w = cssW || wrap.clientWidth || 1200, h = cssH || wrap.clientHeight || 800;
    return { w: Math.max(200, w), h: Math.max(150, h) };
  }

  function cardHeight(n, g) {
    const r = Math.max(1, Math.ceil((n + 1) / g.perRow));
    return g.head + r * P - (P - SQ) + g.bottom;
  }

  let sortedCache = null; // {key, glist}
  function buildGroups() {
    const all = Array.from(recs.values());
    all.sort((a, b) => byName.compare(a.name, b.name)); // worker-2 before worker-10
    if (!filter.group) {
      const cp = [], wk = [];
      for (const r of all) (r.node.controlPlane ? cp : wk).push(r);
      const gl = [];
      if (cp.length) gl.push({ label: _('Control plane'), recs: cp });
      if (wk.length) gl.push({ label: cp.length ? _('Workers') : _('Nodes'), recs: wk });
      return { all, glist: gl };
    }
    const m = new Map();
    for (const r of all) {
      const k = groupKeyOf(r.node);
      let a = m.get(k);
      if (!a) m.set(k, (a = []));
      a.push(r);
    }
    const keys = Array.from(m.keys()).sort((a, b) => (a === '\u0000' ? 1 : b === '\u0000' ? -1 : a < b ? -1 : a > b ? 1 : 0));
    const glist = keys.map((k) => {
      const rs = m.get(k);
      const cp = rs.filter((r) => r.node.controlPlane), wk = rs.filter((r) => !r.node.controlPlane);
      return { label: (k === '\u0000' ? interpolate(_('(no %(label)s)'), { label: filter.group }) : filter.group + '=' + k), recs: cp.concat(wk) };
    });
    return { all, glist };
  }

  // Place every card for the current geometry G. O(nodes log nodes); pods are not touched.
  function layout(forceCols) {
    const t0 = performance.now();
    stats.layouts++;
    const { all, glist } = buildGroups();
    const n = all.length;
    let avg = 0;
    for (const r of all) avg += r.pods.length;
    avg = n ? avg / n : 0;
    const cc = colsCache[G.mode];
    if (G.mode === 'compact') {
      if (forceCols || cc.n < 0) cc.perRow = Math.max(4, Math.min(24, Math.ceil(Math.sqrt((avg + 1) * 1.5))));
      G.perRow = cc.perRow;
      G.cardW = 2 * G.pad + G.perRow * P - (P - SQ);
    }
    const cellW = G.cardW + G.gap;
    // columns follow the viewport's aspect ratio; kept while the node count stays similar
    if (forceCols || cc.n < 0 || Math.abs(n - cc.n) > Math.max(2, cc.n * 0.25)) {
      const vp = viewportSize();
      const cellH = cardHeight(avg, G) + G.gap;
      const fitAt1 = Math.max(1, Math.floor((vp.w - 24 + G.gap) / cellW));
      let cols = Math.round(Math.sqrt((vp.w / vp.h) * Math.max(1, n) * cellH / cellW));
      cols = Math.max(cols, Math.min(n, fitAt1));
      cc.cols = Math.max(1, Math.min(Math.max(1, n), cols, 1000));
      cc.n = n;
    }
    const cols = cc.cols;
    layoutW = Math.max(cols * cellW - G.gap, G.cardW);
    rows = [];
    groups = [];
    let y = 0;
    // the pending (unscheduled) area is always there, with at least one free row, under its own label
    groups.push({ label: _('Pending — not scheduled yet'), y, pending: true });
    y += G.groupH;
    const pr = pendingRec;
    pr.x = 0; pr.y = y; pr.w = layoutW; pr.head = G.pendHead;
    pr.perRow = Math.max(1, Math.floor((layoutW - 2 * G.pad + (P - SQ)) / P));
    const prow = Math.max(1, Math.ceil((pr.pods.length + Math.max(4, pr.perRow >> 2)) / pr.perRow));
    pr.h = G.pendHead + prow * P - (P - SQ) + G.bottom;
    pr.cap = prow * pr.perRow;
    rows.push({ y, h: pr.h, recs: [pr], pending: true });
    y += pr.h + G.gap * 2;
    for (const g of glist) {
      groups.push({ label: g.label, y, count: g.recs.length });
      y += G.groupH;
      for (let i = 0; i < g.recs.length; i += cols) {
        const rowRecs = g.recs.slice(i, i + cols);
        let h = 0;
        for (const r of rowRecs) { const ch = cardHeight(r.pods.length, G); if (ch > h) h = ch; }
        const podRows = Math.round((h - G.head - G.bottom + (P - SQ)) / P);
        for (let j = 0; j < rowRecs.length; j++) {
          const r = rowRecs[j];
          r.x = j * cellW; r.y = y; r.w = G.cardW; r.h = h; r.perRow = G.perRow; r.cap = podRows * G.perRow; r.head = G.head;
        }
        rows.push({ y, h, recs: rowRecs });
        y += h + G.gap;
      }
      y += G.gap;
    }
    layoutH = Math.max(y, 100);
    needFull = true;
    stats.lastLayoutMs = performance.now() - t0;
    stats.mode = G.mode;
  }

  function relayoutKeepView() {
    layout(false);
    if (view.auto) fitView(false);
  }

  // ---------------------------------------------------------------- view (pan / zoom, semantic zoom)
  const view = { scale: 1, tx: 16, ty: 16, auto: true };
  let dpr = window.devicePixelRatio || 1;
  let cssW = 0, cssH = 0;

  function fitScale() {
    const vp = viewportSize();
    return Math.min((vp.w - 24) / layoutW, (vp.h - 48) / layoutH);
  }
  function setMode(m, forceCols) {
    G = GEO[m];
    layout(forceCols);
  }
  // Fit the whole cluster: detail cards if they stay legible-ish, else the compact overview.
  function fitView(user) {
    const vp = viewportSize();
    if (user || view.auto) {
      GEO.detail.groupH = GEO.detail.groupH0;
      GEO.compact.groupH = GEO.compact.groupH0;
      if (G.mode !== 'detail') setMode('detail', true); else layout(true);
      if (fitScale() < D2C + 0.03) setMode('compact', true);
      // group bands tall enough for a 12px label at this scale
      const want = Math.min(400, Math.max(G.groupH0, 22 / Math.min(1.25, fitScale())));
      if (want > G.groupH + 1) { G.groupH = want; layout(false); }
    }
    const s = Math.min(fitScale(), 1.25);
    view.scale = s;
    view.tx = Math.round((vp.w - layoutW * s) / 2);
    view.ty = Math.max(12, Math.round(Math.min(12, (vp.h - layoutH * s) / 2)));
    if (user) view.auto = true;
    needFull = true;
    schedule();
  }
  function minScale() { return Math.min(fitScale() * 0.5, 0.05); }
  function nearestRec(wx, wy) {
    let i = lowerRow(wy);
    if (i >= rows.length) i = rows.length - 1;
    if (i < 0) return null;
    const row = rows[i];
    if (row.pending) return row.recs[0];
    const col = Math.max(0, Math.min(row.recs.length - 1, Math.floor(wx / (G.cardW + G.gap))));
    return row.recs[col];
  }
  function zoomAt(factor, cx, cy) {
    let ns = Math.max(minScale(), Math.min(4, view.scale * factor));
    const wx = (cx - view.tx) / view.scale, wy = (cy - view.ty) / view.scale;
    const cardPx = (G.cardW) * ns;
    const toCompact = G.mode === 'detail' && ns < D2C && factor < 1 && state.nodes.size > 1;
    const toDetail = G.mode === 'compact' && cardPx > C2D_CARD_PX && factor > 1;
    if (toCompact || toDetail) {
      // semantic zoom: swap geometry, keep the card under the cursor where it is and as wide as it was
      const r = nearestRec(wx, wy);
      if (r) {
        const fx = Math.max(0, Math.min(1, (wx - r.x) / (r.w || 1))), fy = Math.max(0, Math.min(1, (wy - r.y) / (r.h || 1)));
        const oldW = r.w * ns;
        setMode(toCompact ? 'compact' : 'detail', false);
        ns = oldW / (r.w || 1);
        view.scale = ns;
        view.tx = cx - (r.x + fx * r.w) * ns;
        view.ty = cy - (r.y + fy * r.h) * ns;
        view.auto = false;
        needFull = true;
        schedule();
        return;
      }
    }
    const f = ns / view.scale;
    view.tx = cx - (cx - view.tx) * f;
    view.ty = cy - (cy - view.ty) * f;
    view.scale = ns;
    view.auto = false;
    needFull = true;
    schedule();
  }
  function focusRec(r) {
    if (G.mode !== 'detail') setMode('detail', false);
    const s = Math.min(1.4, Math.max(0.9, Math.min((cssW - 40) / r.w, (cssH - 40) / r.h)));
    view.scale = s;
    view.tx = cssW / 2 - (r.x + Math.min(r.w, cssW / s) / 2) * s;
    view.ty = 20 - r.y * s;
    view.auto = false;
    needFull = true;
    schedule();
  }

  function measure() {
    dpr = window.devicePixelRatio || 1;
    const r = wrap.getBoundingClientRect();
    const w0 = cssW, h0 = cssH;
    cssW = Math.max(1, Math.round(r.width));
    cssH = Math.max(1, Math.round(r.height));
    const w = Math.round(cssW * dpr), h = Math.round(cssH * dpr);
    let changed = w0 !== cssW || h0 !== cssH;
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w; canvas.height = h;
      canvas.style.width = cssW + 'px'; canvas.style.height = cssH + 'px';
      changed = true;
    }
    return changed;
  }
  function resize() {
    if (!measure()) return;
    if (view.auto && haveState) fitView(false);
    needFull = true;
    schedule();
  }

  // ---------------------------------------------------------------- rendering
  let needFull = true;
  const dirty = new Set();         // cards to repaint
  const dirtyPods = new Set();     // pods replaced in place (same card, same slot): repaint the square only
  let rafId = 0;
  let haveState = false;
  let cpDirty = true, headerDirty = true;
  let readyResolve;
  const ready = new Promise((res) => { readyResolve = res; });
  let pendingDeltaApplyMs = -1;

  function markDirty(r) { dirty.add(r); }
  function schedule() {
    if (!rafId) rafId = requestAnimationFrame(frame);
  }

  function frame() {
    rafId = 0;
    const t0 = performance.now();
    if (cpDirty && haveState) { renderControlPlane(); cpDirty = false; }
    if (headerDirty && haveState) { renderHeader(); headerDirty = false; }
    if (!haveState) return;
    let full = needFull || dirty.size > 2500;
    if (full) {
      drawFull();
    } else if (dirty.size || dirtyPods.size) {
      const list = [];
      for (const r of dirty) if (recVisible(r)) list.push(r);
      drawRecs(list, true);
      if (dirtyPods.size) drawPods(dirtyPods);
    } else {
      return;
    }
    dirty.clear(); dirtyPods.clear(); needFull = false;
    const dt = performance.now() - t0;
    stats.lastDrawMs = dt;
    stats.renders++;
    if (full) stats.lastRenderMs = dt;
    if (pendingDeltaApplyMs >= 0) { stats.lastDeltaMs = pendingDeltaApplyMs + dt; pendingDeltaApplyMs = -1; }
    if (full && !document.body.dataset.rendered) {
      document.body.dataset.rendered = '1';
      readyResolve();
    }
  }

  function recVisible(r) {
    const s = view.scale;
    const x = r.x * s + view.tx, y = r.y * s + view.ty;
    return x < cssW && y < cssH && x + r.w * s > 0 && y + r.h * s > 0;
  }

  function visibleRecs() {
    const s = view.scale;
    const y0 = -view.ty / s, y1 = (cssH - view.ty) / s;
    const x0 = -view.tx / s, x1 = (cssW - view.tx) / s;
    const out = [];
    for (let i = lowerRow(y0); i < rows.length && rows[i].y <= y1; i++) {
      for (const r of rows[i].recs) if (r.x <= x1 && r.x + r.w >= x0) out.push(r);
    }
    return out;
  }
  // first row whose bottom >= y
  function lowerRow(y) {
    let lo = 0, hi = rows.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (rows[m].y + rows[m].h < y) lo = m + 1; else hi = m;
    }
    return lo;
  }

  function drawFull() {
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    stats.hatched = []; // the cards drawn hatched (their kubelet not reporting), for tests and the curious
    if (G.mode === 'compact') {
      drawFullRaster(visibleRecs());
    } else {
      ctx.fillStyle = C.bg;
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      drawRecs(visibleRecs(), false);
    }
    drawGroupHeaders();
  }

  const mixCache = new Map();
  function mix(hex, bgHex, t) {
    const k = hex + bgHex + t;
    let v = mixCache.get(k);
    if (v) return v;
    const a = parseInt(hex.slice(1), 16), b = parseInt(bgHex.slice(1), 16);
    const ch = (sh) => Math.round(((a >> sh) & 255) * t + ((b >> sh) & 255) * (1 - t));
    v = 'rgb(' + ch(16) + ',' + ch(8) + ',' + ch(0) + ')';
    mixCache.set(k, v);
    return v;
  }
  const DIM_COLOR = STATUS_COLOR.map((c) => mix(c, C.card, DIM_MIX));

  function font(px, weight) { return (weight || '') + ' ' + px.toFixed(1) + 'px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'; }

  const fitCache = new Map();
  function fitText(t, maxW) {
    if (maxW <= 0) return '';
    const k = ctx.font + '|' + Math.round(maxW) + '|' + t;
    const c = fitCache.get(k);
    if (c !== undefined) return c;
    let out = t;
    if (ctx.measureText(t).width > maxW) {
      let lo = 0, hi = t.length;
      while (lo < hi) {
        const m = (lo + hi + 1) >> 1;
        if (ctx.measureText(t.slice(0, m) + '…').width <= maxW) lo = m; else hi = m - 1;
      }
      out = lo > 0 ? t.slice(0, lo) + '…' : '';
    }
    if (fitCache.size > 20000) fitCache.clear();
    fitCache.set(k, out);
    return out;
  }

  function pendingLabel() {
    const n = pendingRec.pods.length;
    const placed = !n && state.pods.size > 0 && sourceLive(); // a claim only about pods actually seen
    return _('Pending — not scheduled yet') + ' · ' + interpolate(ngettext('%(count)s pod', '%(count)s pods', n), { count: nf.format(n) }) + (placed ? ' ' + _('(the scheduler has placed every pod)') : '');
  }
  // Group labels are drawn at a constant screen size so they stay readable in the overview.
  function drawGroupHeaders(onlyPending) {
    const s = view.scale * dpr, ox = view.tx * dpr, oy = view.ty * dpr;
    const fpx = 12 * dpr;
    ctx.font = font(fpx, '600');
    ctx.textBaseline = 'middle';
    let lastBottom = -1e9;
    for (const g of groups) {
      if (onlyPending && !g.pending) break;
      const gy = g.y * s + oy;
      if (gy > canvas.height) break;
      const text = g.pending ? pendingLabel() : g.label + ' · ' + interpolate(ngettext('%(count)s node', '%(count)s nodes', g.count), { count: g.count });
      const hh = G.groupH * s;
      const x = Math.max(ox, 4 * dpr);
      if (hh >= fpx * 1.5) {
        if (gy + hh < 0) continue;
        ctx.fillStyle = g.pending ? STATUS_COLOR[1] : C.group;
        ctx.fillText(text, x, gy + hh * 0.5);
        lastBottom = gy + hh;
      } else {
        const h = fpx * 1.6;
        const y = Math.max(gy + hh - h, lastBottom + 2 * dpr);
        if (y + h < 0) continue;
        const tw = ctx.measureText(text).width;
        ctx.fillStyle = 'rgba(14,18,23,0.88)';
        ctx.fillRect(x - 4 * dpr, y, tw + 8 * dpr, h);
        ctx.fillStyle = g.pending ? STATUS_COLOR[1] : C.group;
        ctx.fillText(text, x, y + h / 2);
        lastBottom = y + h;
      }
    }
  }

  function fmtCpu(m) { return m >= 1000 ? (m / 1000).toFixed(m % 1000 === 0 ? 0 : 1) : m + 'm'; }
  function fmtMem(b) {
    const g = b / 1073741824;
    if (g >= 1) return (g >= 100 ? g.toFixed(0) : g.toFixed(1)) + 'Gi';
    return Math.round(b / 1048576) + 'Mi';
  }
  function shortRuntime(r) { return (r || '').replace('://', ' '); }

  // Agent chips of a detail card, in card coordinates at zoom 1: two rows at most, then "+N".
  const CHIP_Y = [66, 82], CHIP_H = 13;
  const chipCache = new Map();
  function agentChips(rec) {
    const agents = rec.node.agents || [];
    const key = agents.map((a) => a.name).join('\u0001');
    let base = chipCache.get(key);
    if (!base) {
      const m = measureCtx();
      m.font = font(9);
      base = [];
      const pad = GEO.detail.pad, maxX = GEO.detail.cardW - pad;
      let x = pad, row = 0;
      for (let i = 0; i < agents.length; i++) {
        const w = Math.ceil(m.measureText(agents[i].name).width) + 13;
        const reserve = row === 1 && i < agents.length - 1 ? 26 : 0;
        if (x + w > maxX - reserve) {
          if (row === 0) { row = 1; x = pad; i--; continue; }
          base.more = agents.length - i; base.moreX = x; break;
        }
        base.push({ x, y: CHIP_Y[row], w, i });
        x += w + 4;
      }
      chipCache.set(key, base);
    }
    return base;
  }
  let mctx = null;
  function measureCtx() { if (!mctx) mctx = document.createElement('canvas').getContext('2d'); return mctx; }

  // Per-colour coordinate buckets reused between draws (fillRect in runs of one colour).
  const NB = 15; // 6 statuses, 6 dimmed statuses, ring (terminating), restart marks, old revision (rollout)
  const bx = [], by = [], bn = new Int32Array(NB);
  for (let i = 0; i < NB; i++) { bx.push(new Int32Array(1024)); by.push(new Int32Array(1024)); }
  function bpush(k, x, y) {
    let n = bn[k];
    if (n >= bx[k].length) {
      const nx = new Int32Array(bx[k].length * 2); nx.set(bx[k]); bx[k] = nx;
      const ny = new Int32Array(by[k].length * 2); ny.set(by[k]); by[k] = ny;
    }
    bx[k][n] = x; by[k][n] = y; bn[k] = n + 1;
  }

  // draw order: dimmed first, then the calm statuses, the alarming ones last (on top when pods overlap)
  const BUCKET_ORDER = [6, 8, 11, 7, 10, 9, 0, 2, 5, 1, 4, 3];
  function podGeom() {
    const s = view.scale * dpr;
    const step = P * s;
    // below 2 device px per pod the squares grow to touch (a solid block with outliers on top)
    const sq = step < 2 ? Math.max(1, Math.ceil(step)) : Math.max(1, Math.round(SQ * s));
    const showMarks = sq >= 5;
    return { s, ox: view.tx * dpr, oy: view.ty * dpr, sq, step, showMarks, ringW: Math.max(1, Math.round(sq * 0.22)), markW: Math.max(2, Math.round(sq * 0.42)) };
  }
  function bucketPod(p, x, y, g) {
    let si = STATUS_IDX[p.statusClass];
    if (si === undefined) si = 5;
    const dim = dimmed.has(p);
    bpush(dim ? si + 6 : si, x, y);
    if (g.showMarks && !dim) {
      if (si === 4) bpush(12, x, y);
      if (p.restarts > 0) bpush(13, x, y);
    }
    if (g.sq >= 3 && !dim && isOld(p)) bpush(14, x, y); // told apart down to small squares
    return dim;
  }
  function flushBuckets(g, cardBg) {
    const sq = g.sq;
    for (const k of BUCKET_ORDER) {
      const n = bn[k];
      if (!n) continue;
      ctx.fillStyle = k < 6 ? STATUS_COLOR[k] : DIM_COLOR[k - 6];
      const X = bx[k], Y = by[k];
      for (let i = 0; i < n; i++) ctx.fillRect(X[i], Y[i], sq, sq);
      bn[k] = 0;
    }
    if (bn[12]) {
      ctx.fillStyle = cardBg || C.card;
      const w = g.ringW, X = bx[12], Y = by[12];
      for (let i = 0; i < bn[12]; i++) ctx.fillRect(X[i] + w, Y[i] + w, sq - 2 * w, sq - 2 * w);
      bn[12] = 0;
    }
    if (bn[13]) {
      ctx.fillStyle = C.mark;
      const m = g.markW, X = bx[13], Y = by[13];
      for (let i = 0; i < bn[13]; i++) ctx.fillRect(X[i] + sq - m, Y[i], m, m);
      bn[13] = 0;
    }
    if (bn[14]) { // an old revision's pod during a rollout: crossed out by a band of the card's colour
      ctx.fillStyle = cardBg || C.card;
      const w = Math.max(1, Math.round(sq * 0.3)), X = bx[14], Y = by[14], top = Math.round((sq - w) / 2);
      for (let i = 0; i < bn[14]; i++) ctx.fillRect(X[i], Y[i] + top, sq, w);
      bn[14] = 0;
    }
  }

  function cardColors(r) {
    const pend = r.kind === 'pending';
    const cp = !pend && r.node.controlPlane;
    const bg = pend ? C.pendingCard : cp ? C.cardCP : C.card;
    const border = pend ? C.pendingBorder : (r.node.ready !== 'True' ? C.notReady : cp ? C.borderCP : C.border);
    return { bg, border, cp, pend };
  }

  // Draw a list of cards with their pods. clear=true repaints the card's area first (delta redraw).
  function drawRecs(list, clear) {
    if (!list.length) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    const g = podGeom();
    const { s, ox, oy } = g;
    const sc = view.scale;
    const lod = G.mode === 'compact' ? -1 : sc >= LOD_HIGH ? 2 : sc >= LOD_MID ? 1 : 0;
    // 1. card backgrounds & borders
    for (const r of list) {
      const x = Math.round(r.x * s + ox), y = Math.round(r.y * s + oy);
      const w = Math.max(1, Math.round((r.x + r.w) * s + ox) - x), h = Math.max(1, Math.round((r.y + r.h) * s + oy) - y);
      r._dx = x; r._dy = y; r._dw = w; r._dh = h;
      if (clear) { ctx.fillStyle = C.bg; ctx.fillRect(x - 1, y - 1, w + 2, h + 2); }
      const cc = cardColors(r);
      if (w >= 4 && h >= 4) {
        ctx.fillStyle = cc.border;
        ctx.fillRect(x, y, w, h);
        const bw = (cc.cp || (!cc.pend && r.node.ready !== 'True')) && w >= 40 ? Math.max(1, Math.round(2 * dpr)) : 1;
        ctx.fillStyle = cc.bg;
        ctx.fillRect(x + bw, y + bw, w - 2 * bw, h - 2 * bw);
      } else {
        ctx.fillStyle = cc.border;
        ctx.fillRect(x, y, w, h);
      }
    }
    // 2. pods, batched by colour; pending/control-plane cards have their own background for the ring
    const sel = bucketPods(list, g, flushBuckets);
    hatchSilent(list, g);
    if (sel) drawPodSelection(sel, g);
    // 3. headers
    for (const r of list) {
      if (r.kind === 'pending') { if (clear) redrawPendingLabel(); }
      else drawNodeHeader(r, s, lod);
    }
  }

  function bucketCard(r, g, selUid) {
    const pods = r.pods, n = Math.min(pods.length, r.cap), per = r.perRow;
    const bx0 = (r.x + G.pad) * g.s + g.ox, by0 = (r.y + r.head) * g.s + g.oy;
    let mc = 0, sel = null, col = 0, row = 0;
    for (let i = 0; i < n; i++) {
      const p = pods[i];
      const x = Math.round(bx0 + col * g.step), y = Math.round(by0 + row * g.step);
      if (!bucketPod(p, x, y, g)) mc++;
      if (selUid !== null && p.uid === selUid) sel = [x, y];
      if (++col === per) { col = 0; row++; }
    }
    r.matchCount = mc;
    return sel;
  }

  // Repaint single pod squares in place (status change without moving).
  // Pods of the given cards into colour buckets, flushed with ``flush(g, background)``: ordinary worker cards
  // share one background, pending and control-plane cards each have their own (the terminating ring needs it).
  // Returns the selected pod's square, if drawn.
  function bucketPods(list, g, flush) {
    let sel = null;
    const selUid = selected && selected.kind === 'pod' ? selected.id : null;
    const special = [];
    for (const r of list) {
      if (r.kind === 'pending' || r.node.controlPlane) { special.push(r); continue; }
      sel = bucketCard(r, g, selUid) || sel;
    }
    flush(g, C.card);
    for (const r of special) { sel = bucketCard(r, g, selUid) || sel; flush(g, cardColors(r).bg); }
    return sel;
  }

  function drawPods(set) {
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    const g = podGeom();
    const selUid = selected && selected.kind === 'pod' ? selected.id : null;
    const byBg = new Map();
    let sel = null;
    const hatched = new Set();
    for (const p of set) {
      if (state.pods.get(p.uid) !== p) continue; // replaced or removed since
      const r = recOf(p);
      if (dirty.has(r)) continue;
      if (r.kind !== 'pending' && silent(r.node)) hatched.add(r);
      const i = r.pods.indexOf(p);
      if (i < 0 || i >= r.cap) continue;
      const wx = r.x + G.pad + (i % r.perRow) * P, wy = r.y + r.head + ((i / r.perRow) | 0) * P;
      const sx = wx * view.scale + view.tx, sy = wy * view.scale + view.ty;
      if (sx > cssW || sy > cssH || sx + P * view.scale < 0 || sy + P * view.scale < 0) continue;
      const bx0 = (r.x + G.pad) * g.s + g.ox, by0 = (r.y + r.head) * g.s + g.oy;
      const x = Math.round(bx0 + (i % r.perRow) * g.step), y = Math.round(by0 + ((i / r.perRow) | 0) * g.step);
      const bg = cardColors(r).bg;
      let a = byBg.get(bg);
      if (!a) byBg.set(bg, (a = []));
      a.push(p, x, y);
      if (p.uid === selUid) sel = [x, y];
    }
    for (const [bg, a] of byBg) {
      ctx.fillStyle = bg;
      const sq = g.sq, m = dpr > 1 || sq > 3 ? 1 : 0;
      for (let j = 0; j < a.length; j += 3) ctx.fillRect(a[j + 1] - m, a[j + 2] - m, sq + 2 * m, sq + 2 * m);
      for (let j = 0; j < a.length; j += 3) bucketPod(a[j], a[j + 1], a[j + 2], g);
      flushBuckets(g, bg);
    }
    if (hatched.size) hatchSilent([...hatched], g);
    if (sel) drawPodSelection(sel, g);
  }

  // A node whose kubelet is not reporting (decided by the server: node.reporting === false): its pods keep
  // their last reported colours under opaque diagonal hatching (opaque, so painting it twice changes nothing).
  function silent(n) { return !!n && n.reporting === false; }
  function hatchSilent(list, g) {
    const lw = Math.max(1, Math.round(dpr)), gap = Math.max(4, Math.round(5 * dpr));
    for (const r of list) {
      if (r.kind === 'pending' || !silent(r.node)) continue;
      const n = Math.min(r.pods.length, r.cap);
      if (!n) continue;
      const x = Math.round((r.x + G.pad) * g.s + g.ox), y = Math.round((r.y + r.head) * g.s + g.oy);
      const w = Math.ceil(Math.min(n, r.perRow) * g.step), h = Math.ceil(Math.ceil(n / r.perRow) * g.step);
      ctx.save();
      ctx.beginPath(); ctx.rect(x, y, w, h); ctx.clip();
      ctx.strokeStyle = C.hatch; ctx.lineWidth = lw;
      ctx.beginPath();
      for (let d = -h; d < w; d += gap) { ctx.moveTo(x + d, y + h); ctx.lineTo(x + d + h, y); }
      ctx.stroke();
      ctx.restore();
      if (stats.hatched.indexOf(r.name) < 0) stats.hatched.push(r.name);
    }
  }
  function lastReportedText(n) {
    if (!n.lastReportedAt) return _('the kubelet is not reporting: last reported status');
    const ago = Math.max(0, Math.round((state.at || Date.now() / 1000) - n.lastReportedAt));
    return interpolate(_('last reported %(time)s (%(seconds)s s ago): the kubelet is not reporting'), { time: hhmmss(n.lastReportedAt * 1000), seconds: ago });
  }

  function drawPodSelection(sel, g) {
    const lw = Math.max(1, Math.round(1.5 * dpr));
    ctx.strokeStyle = C.sel; ctx.lineWidth = lw;
    ctx.strokeRect(sel[0] - lw / 2 - 1, sel[1] - lw / 2 - 1, g.sq + lw + 2, g.sq + lw + 2);
  }

  // the pending label sits in its band above the pending card; repaint it when the count changes
  function redrawPendingLabel() {
    const g = groups[0];
    if (!g || !g.pending) return;
    const s = view.scale * dpr, oy = view.ty * dpr;
    const y = Math.round(g.y * s + oy), h = Math.max(1, Math.round(G.groupH * s));
    if (h < 12 * dpr * 1.5) { needFull = true; schedule(); return; } // pill mode: labels overlap cards, repaint all
    ctx.fillStyle = C.bg;
    ctx.fillRect(0, y, canvas.width, h);
    drawGroupHeaders(true);
  }

  function nodeStripColor(n, pressures) {
    return n.ready !== 'True' ? C.notReady : n.unschedulable ? C.cordon : pressures ? C.barWarn : n.controlPlane ? C.borderCP : '#3a4759';
  }
  function pressureList(n) {
    const out = [];
    const cond = n.conditions || {};
    if (cond.MemoryPressure === 'True') out.push('MemoryPressure');
    if (cond.DiskPressure === 'True') out.push('DiskPressure');
    if (cond.PIDPressure === 'True') out.push('PIDPressure');
    if (cond.NetworkUnavailable === 'True') out.push('NetworkUnavailable');
    return out;
  }
  function worstHealth(agents) {
    let w = 0;
    const rank = { healthy: 0, unknown: 1, degraded: 2, unhealthy: 3 };
    for (const a of agents || []) w = Math.max(w, rank[a.health] || 0);
    return ['healthy', 'unknown', 'degraded', 'unhealthy'][w];
  }

  function drawNodeHeader(r, s, lod) {
    const n = r.node;
    const x = r._dx, y = r._dy;
    const X = (wx) => x + wx * s, Y = (wy) => y + wy * s;
    const pad = G.pad, cw = G.cardW;
    const dimCard = filter.active && r.matchCount === 0 && !(filter.qLower && n.name.toLowerCase().indexOf(filter.qLower) >= 0);
    const pressures = pressureList(n);
    if (dimCard) ctx.globalAlpha = 0.4;
    if (lod === -1) {
      // compact overview: status strip (node condition) + worst agent health at its right end
      const hw = Math.max(1, Math.round(6 * s));
      const sw = Math.max(1, Math.round((cw - 2 * pad) * s));
      ctx.fillStyle = nodeStripColor(n, pressures.length);
      ctx.fillRect(Math.round(X(pad)), Math.round(Y(2)), sw, Math.max(1, Math.round(5 * s)));
      const wh = worstHealth(n.agents);
      if (wh !== 'healthy') {
        ctx.fillStyle = HEALTH_COLOR[wh];
        ctx.fillRect(Math.round(X(cw - pad)) - hw * 2, Math.round(Y(2)), hw * 2, Math.max(1, Math.round(5 * s)));
      }
      if (selected && selected.kind === 'node' && selected.id === n.name) outline(r);
      ctx.globalAlpha = 1;
      return;
    }
    if (lod === 0) {
      ctx.fillStyle = nodeStripColor(n, pressures.length);
      ctx.fillRect(X(pad), Y(8), (cw - 2 * pad) * s, 12 * s);
      drawBars(r, s, X, Y, false);
      drawAgentBlocks(n, s, X, Y);
      if (selected && selected.kind === 'node' && selected.id === n.name) outline(r);
      ctx.globalAlpha = 1;
      return;
    }
    ctx.textBaseline = 'alphabetic';
    const readyText = n.ready === 'True' ? 'Ready' : n.ready === 'False' ? 'NotReady' : 'Unknown';
    const readyColor = n.ready === 'True' ? STATUS_COLOR[0] : n.ready === 'False' ? C.notReady : C.muted;
    if (lod === 1) {
      // mid zoom: a big name and one status line (readiness, cordon, pressure as words), no small print
      ctx.font = font(20 * s, '600');
      ctx.fillStyle = C.text;
      ctx.fillText(fitText(n.name, (cw - 2 * pad) * s), X(pad), Y(25));
      const parts = [[readyText, readyColor]];
      if (silent(n)) parts.push([_('not reporting'), C.notReady]);
      if (n.unschedulable) parts.push([_('cordoned'), C.cordon]);
      for (const p of pressures) parts.push([p, C.barWarn]);
      if (n.ready === 'True' && !n.unschedulable && !pressures.length) parts.push([interpolate(_('%(count)s pods'), { count: r.pods.length }), C.muted]);
      ctx.font = font(14 * s, '600');
      let fx = X(pad);
      for (const [t, c] of parts) {
        ctx.fillStyle = c;
        const tt = fitText(t, X(cw - pad) - fx);
        ctx.fillText(tt, fx, Y(43));
        fx += ctx.measureText(tt).width + 8 * s;
      }
    } else {
      // line 1: name + readiness (as text, not colour alone)
      ctx.font = font(10.5 * s, '600');
      const rw = ctx.measureText(readyText).width;
      ctx.fillStyle = readyColor;
      ctx.fillText(readyText, X(cw - pad) - rw, Y(17));
      ctx.font = font(12 * s, '600');
      ctx.fillStyle = C.text;
      ctx.fillText(fitText(n.name, X(cw - pad) - rw - 8 * s - X(pad)), X(pad), Y(17));
    }
    if (lod === 2) {
      // line 2: roles · kubelet · runtime
      ctx.font = font(9.5 * s);
      ctx.fillStyle = C.muted;
      const roles = (n.roles && n.roles.length ? n.roles.join(',') : 'worker');
      ctx.fillText(fitText(roles + ' · kubelet ' + (n.kubeletVersion || '?') + ' · ' + shortRuntime(n.containerRuntime), (cw - 2 * pad) * s), X(pad), Y(31));
      // line 3: cordoned / pressure flags, then taints, arch, OS
      const flags = []; // [text, colour]
      if (silent(n)) flags.push([n.lastReportedAt ? interpolate(_('last reported %(time)s'), { time: hhmmss(n.lastReportedAt * 1000) }) : _('not reporting'), C.notReady]);
      if (n.unschedulable) flags.push(['⊘ ' + _('cordoned'), C.cordon]);
      for (const p of pressures) flags.push(['⚠ ' + p, C.barWarn]);
      const taints = (n.taints || []).length;
      let fx = X(pad);
      ctx.font = font(9.5 * s, '600');
      for (const [f, colour] of flags) {
        ctx.fillStyle = colour;
        ctx.fillText(f, fx, Y(44));
        fx += ctx.measureText(f).width + 8 * s;
      }
      ctx.font = font(9.5 * s);
      ctx.fillStyle = C.faint;
      const rest = (taints ? interpolate(ngettext('%(count)s taint', '%(count)s taints', taints), { count: taints }) + ' · ' : '') + (n.architecture || '') + ' · ' + (n.osImage || '');
      ctx.fillText(fitText(rest, X(cw - pad) - fx), fx, Y(44));
      drawBars(r, s, X, Y, true);
      // agents as chips: health as a coloured tab + the name (unhealthy names in colour too)
      const chips = agentChips(r);
      const agents = n.agents || [];
      ctx.font = font(9 * s);
      ctx.textBaseline = 'middle';
      for (const c of chips) {
        const a = agents[c.i];
        const hc = HEALTH_COLOR[a.health] || HEALTH_COLOR.unknown;
        ctx.fillStyle = '#232c38';
        roundRect(X(c.x), Y(c.y), c.w * s, CHIP_H * s, 3 * s);
        ctx.fillStyle = hc;
        ctx.fillRect(X(c.x), Y(c.y), 4 * s, CHIP_H * s);
        ctx.fillStyle = a.health === 'healthy' ? '#c9d4e0' : hc;
        ctx.fillText(a.name, X(c.x + 8), Y(c.y + CHIP_H / 2 + 0.5));
      }
      if (chips.more) { ctx.fillStyle = C.muted; ctx.fillText('+' + chips.more, X(chips.moreX), Y(CHIP_Y[1] + CHIP_H / 2 + 0.5)); }
    } else {
      drawBars(r, s, X, Y, false);
      drawAgentBlocks(n, s, X, Y);
    }
    if (selected && selected.kind === 'node' && selected.id === n.name) outline(r);
    ctx.globalAlpha = 1;
  }

  // mid/low zoom: one block per agent, health-coloured, same place as the chips
  function drawAgentBlocks(n, s, X, Y) {
    const agents = n.agents || [];
    for (let i = 0; i < agents.length && i < 11; i++) {
      ctx.fillStyle = HEALTH_COLOR[agents[i].health] || HEALTH_COLOR.unknown;
      ctx.fillRect(X(G.pad + i * 21), Y(CHIP_Y[0]), Math.max(1, 17 * s), Math.max(1, 12 * s));
    }
  }

  function outline(r) {
    const lw = Math.max(1, Math.round(2 * dpr));
    ctx.strokeStyle = C.sel; ctx.lineWidth = lw;
    ctx.strokeRect(r._dx + lw / 2, r._dy + lw / 2, r._dw - lw, r._dh - lw);
  }

  function roundRect(x, y, w, h, rad) {
    ctx.beginPath();
    if (ctx.roundRect) ctx.roundRect(x, y, w, h, rad); else ctx.rect(x, y, w, h);
    ctx.fill();
  }

  function drawBars(r, s, X, Y, labels) {
    const n = r.node, a = n.allocatable || {}, q = n.requested || {}, u = n.usage;  // usage: null without metrics
    const bars = [
      ['cpu', q.cpu || 0, a.cpu || 0, fmtCpu, false, u ? u.cpu : null],
      ['mem', q.memory || 0, a.memory || 0, fmtMem, true, u ? u.memory : null],
      ['pods', r.pods.length, a.pods || 0, String, false, null],
    ];
    const pad = G.pad;
    const bw = (G.cardW - 2 * pad - 2 * 8) / 3;
    const by = labels ? 58 : 53;
    for (let i = 0; i < 3; i++) {
      const [label, used, cap, f, unitOnce, measured] = bars[i];
      const bx0 = pad + i * (bw + 8);
      const frac = cap > 0 ? Math.min(1, used / cap) : 0;
      if (labels) {
        ctx.font = font(8.5 * s);
        ctx.fillStyle = C.muted;
        const txt = unitOnce && cap >= 1073741824 ? label + ' ' + (used / 1073741824).toFixed(1) + '/' + f(cap) : label + ' ' + f(used) + '/' + f(cap);
        ctx.fillText(fitText(txt, bw * s), X(bx0), Y(56));
      }
      ctx.fillStyle = C.barTrack;
      ctx.fillRect(X(bx0), Y(by), Math.max(1, bw * s), Math.max(1, 3 * s));
      ctx.fillStyle = frac > 0.9 ? C.barWarn : C.bar;
      ctx.fillRect(X(bx0), Y(by), frac > 0 ? Math.max(1, bw * frac * s) : 0, Math.max(1, 3 * s));
      if (typeof measured === 'number' && cap > 0) {  // measured use (metrics.k8s.io) as a tick on the requested bar
        const mx = X(bx0) + Math.min(1, measured / cap) * bw * s;
        const mw = Math.max(1, Math.round(1.5 * dpr));
        ctx.fillStyle = measured > cap * 0.9 ? C.notReady : C.text;
        ctx.fillRect(Math.min(mx, X(bx0) + bw * s - mw), Y(by) - Math.max(1, s), mw, Math.max(1, 3 * s) + 2 * Math.max(1, s));
      }
    }
  }

  // ---------------------------------------------------------------- software raster for the compact overview
  // In the overview everything is an axis-aligned rect (cards, strips, pods), so a full frame is written
  // straight into an ImageData buffer (one typed-array fill per rect row) and blitted with putImageData:
  // ~150k pods cost a few ms instead of 150k fillRect calls.
  let img = null, buf32 = null;
  const c32Cache = new Map();
  function c32(css) {
    let v = c32Cache.get(css);
    if (v !== undefined) return v;
    let r = 0, g = 0, b = 0;
    if (css.charAt(0) === '#') { const n = parseInt(css.slice(1), 16); r = (n >> 16) & 255; g = (n >> 8) & 255; b = n & 255; }
    else { const m = /(\d+)\D+(\d+)\D+(\d+)/.exec(css); if (m) { r = +m[1]; g = +m[2]; b = +m[3]; } }
    v = ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
    c32Cache.set(css, v);
    return v;
  }
  function rrect(x, y, w, h, c) {
    const W = img.width, H = img.height;
    const x0 = x < 0 ? 0 : x, x1 = x + w > W ? W : x + w;
    if (x1 <= x0) return;
    const y0 = y < 0 ? 0 : y, y1 = y + h > H ? H : y + h;
    if (x1 - x0 <= 3) {
      for (let yy = y0; yy < y1; yy++) { const o = yy * W; for (let xx = x0; xx < x1; xx++) buf32[o + xx] = c; }
    } else {
      for (let yy = y0; yy < y1; yy++) { const o = yy * W; buf32.fill(c, o + x0, o + x1); }
    }
  }
  function flushBucketsRaster(g, cardBg) {
    const sq = g.sq;
    for (const k of BUCKET_ORDER) {
      const n = bn[k];
      if (!n) continue;
      const c = c32(k < 6 ? STATUS_COLOR[k] : DIM_COLOR[k - 6]);
      const X = bx[k], Y = by[k];
      for (let i = 0; i < n; i++) rrect(X[i], Y[i], sq, sq, c);
      bn[k] = 0;
    }
    if (bn[12]) {
      const c = c32(cardBg || C.card), w = g.ringW, X = bx[12], Y = by[12];
      for (let i = 0; i < bn[12]; i++) rrect(X[i] + w, Y[i] + w, sq - 2 * w, sq - 2 * w, c);
      bn[12] = 0;
    }
    if (bn[13]) {
      const c = c32(C.mark), m = g.markW, X = bx[13], Y = by[13];
      for (let i = 0; i < bn[13]; i++) rrect(X[i] + sq - m, Y[i], m, m, c);
      bn[13] = 0;
    }
  }
  function drawFullRaster(list) {
    const W = canvas.width, H = canvas.height;
    if (!img || img.width !== W || img.height !== H) { img = ctx.createImageData(W, H); buf32 = new Uint32Array(img.data.buffer); }
    buf32.fill(c32(C.bg));
    const g = podGeom();
    const { s, ox, oy } = g;
    const faint = c32(mix('#3a4759', C.card, 0.4));
    for (const r of list) {
      const x = Math.round(r.x * s + ox), y = Math.round(r.y * s + oy);
      const w = Math.max(1, Math.round((r.x + r.w) * s + ox) - x), h = Math.max(1, Math.round((r.y + r.h) * s + oy) - y);
      r._dx = x; r._dy = y; r._dw = w; r._dh = h;
      const cc = cardColors(r);
      rrect(x, y, w, h, c32(cc.border));
      if (w >= 4 && h >= 4) {
        const bw = (cc.cp || (!cc.pend && r.node.ready !== 'True')) && w >= 40 ? Math.max(1, Math.round(2 * dpr)) : 1;
        rrect(x + bw, y + bw, w - 2 * bw, h - 2 * bw, c32(cc.bg));
      }
      if (!cc.pend) {
        const n = r.node;
        const pl = pressureList(n).length;
        const dimCard = filter.active && r.matchCount === 0 && false;
        const sx = Math.round((r.x + G.pad) * s + ox), sy = Math.round((r.y + 2) * s + oy);
        const sw = Math.max(1, Math.round((G.cardW - 2 * G.pad) * s)), sh = Math.max(1, Math.round(5 * s));
        rrect(sx, sy, sw, sh, dimCard ? faint : c32(nodeStripColor(n, pl)));
        const wh = worstHealth(n.agents);
        if (wh !== 'healthy') { const hw = Math.max(1, Math.round(6 * s)) * 2; rrect(sx + sw - hw, sy, hw, sh, c32(HEALTH_COLOR[wh])); }
      }
    }
    const sel = bucketPods(list, g, flushBucketsRaster);
    ctx.putImageData(img, 0, 0);
    hatchSilent(list, g);
    if (sel) drawPodSelection(sel, g);
    if (selected && selected.kind === 'node') { const r = recs.get(selected.id); if (r && list.indexOf(r) >= 0) outline(r); }
  }

  // ---------------------------------------------------------------- hit testing (binary search on rows, then arithmetic)
  function hitTest(cx, cy) {
    const s = view.scale;
    const wx = (cx - view.tx) / s, wy = (cy - view.ty) / s;
    const i = lowerRow(wy);
    if (i >= rows.length) return null;
    const row = rows[i];
    if (wy < row.y || wy > row.y + row.h) return null;
    const r = row.pending ? row.recs[0] : row.recs[Math.floor(wx / (G.cardW + G.gap))];
    if (!r || wx < r.x || wx > r.x + r.w) return null;
    const lx = wx - r.x - G.pad, ly = wy - r.y - r.head;
    if (ly >= -1 && lx >= -1) {
      const col = Math.floor((lx + 1) / P), rw = Math.floor((ly + 1) / P);
      if (col < r.perRow) {
        const idx = rw * r.perRow + col;
        if (idx < r.pods.length && idx < r.cap) return { kind: 'pod', pod: r.pods[idx], rec: r };
      }
    }
    if (r.kind === 'pending') return { kind: 'pending', rec: r };
    if (G.mode === 'detail') {
      const ly2 = wy - r.y, lx2 = wx - r.x;
      if (s >= LOD_HIGH) {
        for (const c of agentChips(r)) {
          if (lx2 >= c.x && lx2 <= c.x + c.w && ly2 >= c.y && ly2 <= c.y + CHIP_H) return { kind: 'agent', agent: r.node.agents[c.i], rec: r };
        }
      } else if (ly2 >= CHIP_Y[0] && ly2 <= CHIP_Y[0] + 12) {
        const k = Math.floor((lx2 - G.pad) / 21);
        const ag = r.node.agents || [];
        if (k >= 0 && k < ag.length && k < 11) return { kind: 'agent', agent: ag[k], rec: r };
      }
    }
    return { kind: 'node', rec: r };
  }

  function nodeRect(name) {
    const r = recs.get(name);
    return r ? { x: r.x * view.scale + view.tx, y: r.y * view.scale + view.ty, w: r.w * view.scale, h: r.h * view.scale } : null;
  }
  function podRect(uid) {
    const p = state.pods.get(uid);
    if (!p) return null;
    const r = recOf(p);
    const i = r.pods.indexOf(p);
    if (i < 0 || i >= r.cap) return null;
    const wx = r.x + G.pad + (i % r.perRow) * P, wy = r.y + r.head + Math.floor(i / r.perRow) * P;
    return { x: wx * view.scale + view.tx, y: wy * view.scale + view.ty, w: SQ * view.scale, h: SQ * view.scale };
  }

  // ---------------------------------------------------------------- pointer interaction
  const pointers = new Map();
  let drag = null, pinch = null;

  function localXY(e) {
    const r = canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }
  canvas.addEventListener('pointerdown', (e) => {
    canvas.setPointerCapture(e.pointerId);
    const [x, y] = localXY(e);
    pointers.set(e.pointerId, { x, y });
    if (pointers.size === 1) drag = { x, y, sx: x, sy: y, moved: false };
    else if (pointers.size === 2) {
      const [a, b] = Array.from(pointers.values());
      pinch = { d: Math.hypot(a.x - b.x, a.y - b.y), scale: view.scale };
      drag = null;
    }
  });
  canvas.addEventListener('pointermove', (e) => {
    const [x, y] = localXY(e);
    if (pointers.has(e.pointerId)) pointers.set(e.pointerId, { x, y });
    if (pinch && pointers.size === 2) {
      const [a, b] = Array.from(pointers.values());
      const d = Math.hypot(a.x - b.x, a.y - b.y);
      if (pinch.d > 0) zoomAt((pinch.scale * d / pinch.d) / view.scale, (a.x + b.x) / 2, (a.y + b.y) / 2);
      return;
    }
    if (drag) {
      if (!drag.moved && Math.hypot(x - drag.sx, y - drag.sy) > 4) { drag.moved = true; canvas.classList.add('cv-dragging'); hideTooltip(); }
      if (drag.moved) {
        view.tx += x - drag.x; view.ty += y - drag.y; view.auto = false;
        drag.x = x; drag.y = y;
        needFull = true; schedule();
      }
      return;
    }
    hover(x, y, e.clientX, e.clientY);
  });
  function endPointer(e) {
    pointers.delete(e.pointerId);
    if (pointers.size < 2) pinch = null;
    if (drag && e.type === 'pointerup' && !drag.moved) {
      const [x, y] = localXY(e);
      click(x, y);
    }
    if (pointers.size === 0) { drag = null; canvas.classList.remove('cv-dragging'); }
  }
  canvas.addEventListener('pointerup', endPointer);
  canvas.addEventListener('pointercancel', endPointer);
  canvas.addEventListener('pointerleave', () => { if (!drag) hideTooltip(); });
  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    const [x, y] = localXY(e);
    const dy = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
    zoomAt(Math.exp(-dy * (e.ctrlKey ? 0.01 : 0.0015)), x, y);
  }, { passive: false });
  canvas.addEventListener('keydown', (e) => {
    const k = e.key;
    if (k === '+' || k === '=') zoomAt(1.25, cssW / 2, cssH / 2);
    else if (k === '-' || k === '_') zoomAt(0.8, cssW / 2, cssH / 2);
    else if (k === '0') fitView(true);
    else if (k.startsWith('Arrow')) {
      const d = 60;
      if (k === 'ArrowLeft') view.tx += d; else if (k === 'ArrowRight') view.tx -= d; else if (k === 'ArrowUp') view.ty += d; else view.ty -= d;
      view.auto = false; needFull = true; schedule();
    } else return;
    e.preventDefault();
  });

  function hover(x, y, clientX, clientY) {
    const h = hitTest(x, y);
    if (!h) { hideTooltip(); return; }
    const lines = [];
    if (h.kind === 'pod') {
      const p = h.pod;
      lines.push([p.namespace + '/' + p.name, 'b']);
      lines.push([p.status + ' (' + (STATUS_TEXT[p.statusClass] || p.statusClass) + ') · ' + interpolate(_('ready %(ready)s/%(total)s'), { ready: p.readyContainers, total: p.totalContainers }) + (p.restarts ? ' · ' + interpolate(_('%(count)s restarts'), { count: p.restarts }) : ''), '']);
      lines.push([p.node ? interpolate(_('on node %(node)s'), { node: p.node }) : _('not scheduled yet'), 'm']);
      const pn = p.node ? state.nodes.get(p.node) : null;
      if (silent(pn)) lines.push([lastReportedText(pn), 'w']);
      if (p.owner) lines.push([p.owner.kind + ' ' + p.owner.name + (typeof p.revision === 'number' ? ' · ' + interpolate(_('revision %(revision)s'), { revision: p.revision }) : ''), 'm']);
      const rolling = rolloutOf(p);
      if (rolling !== undefined) lines.push([isOld(p) ? interpolate(_('old: being replaced by revision %(revision)s'), { revision: rolling }) : _('new: the revision being rolled out'), 'w']);
      if (p.message) lines.push([p.message.length > 200 ? p.message.slice(0, 200) + '…' : p.message, 'w']);
    } else if (h.kind === 'node') {
      const n = h.rec.node;
      lines.push([n.name, 'b']);
      lines.push([(n.ready === 'True' ? 'Ready' : n.ready === 'False' ? 'NotReady' : 'Unknown') + (n.unschedulable ? ' · ' + _('cordoned') : '') + ' · ' + (n.roles && n.roles.length ? n.roles.join(',') : 'worker'), '']);
      lines.push([interpolate(_('%(count)s pods'), { count: h.rec.pods.length }) + ' · kubelet ' + (n.kubeletVersion || '?'), 'm']);
      if (silent(n)) lines.push([lastReportedText(n), 'w']);
    } else if (h.kind === 'agent') {
      const a = h.agent;
      lines.push([interpolate(_('%(process)s on %(node)s'), { process: a.name, node: h.rec.node.name }), 'b']);
      lines.push([healthText(a.health) + (a.version ? ' · ' + a.version : ''), '']);
      if (silent(h.rec.node)) lines.push([lastReportedText(h.rec.node), 'w']);
      for (const ev of (a.evidence || []).slice(0, 3)) lines.push([evText(ev), 'm']);
    } else if (h.kind === 'pending') {
      lines.push([_('Pods waiting for the scheduler to pick a node'), 'b']);
      lines.push([interpolate(_('%(count)s pods'), { count: h.rec.pods.length }), 'm']);
    }
    showTooltip(lines, clientX, clientY);
    canvas.style.cursor = h.kind === 'pending' ? 'default' : 'pointer';
  }
  function showTooltip(lines, cx, cy) {
    const frag = document.createDocumentFragment();
    for (const [t, cls] of lines) {
      const d = document.createElement('div');
      d.textContent = t;
      if (cls) d.className = 'cv-tt-' + cls;
      frag.appendChild(d);
    }
    tooltip.replaceChildren(frag);
    tooltip.hidden = false;
    const wr = wrap.getBoundingClientRect();
    let x = cx - wr.left + 14, y = cy - wr.top + 14;
    const tw = tooltip.offsetWidth, th = tooltip.offsetHeight;
    if (x + tw > wr.width - 4) x = Math.max(4, cx - wr.left - tw - 14);
    if (y + th > wr.height - 4) y = Math.max(4, cy - wr.top - th - 14);
    tooltip.style.transform = 'translate(' + x + 'px,' + y + 'px)';
  }
  function hideTooltip() { if (!tooltip.hidden) tooltip.hidden = true; canvas.style.cursor = ''; }

  function click(x, y) {
    const h = hitTest(x, y);
    if (!h) return;
    const enc = encodeURIComponent;
    let prev = selected, url = null;
    if (h.kind === 'pod') {
      selected = { kind: 'pod', id: h.pod.uid };
      url = panelUrl('pods/' + enc(h.pod.namespace) + '/' + enc(h.pod.name) + '/panel');
    } else if (h.kind === 'node') {
      selected = { kind: 'node', id: h.rec.name };
      url = panelUrl('nodes/' + enc(h.rec.name) + '/panel');
    } else if (h.kind === 'agent') {
      selected = { kind: 'node', id: h.rec.name };
      url = processUrl(h.agent.name, h.rec.name);
    } else return;
    redrawSelection(prev);
    openPanel(url);
  }
  function redrawSelection(prev) {
    for (const sel of [prev, selected]) {
      if (!sel) continue;
      const r = sel.kind === 'node' ? recs.get(sel.id) : (state.pods.get(sel.id) ? recOf(state.pods.get(sel.id)) : null);
      if (r) markDirty(r);
    }
    schedule();
  }

  // ---------------------------------------------------------------- panels that follow the cluster
  // An open panel names what it shows (data-follow: "pod:<uid>", "node:<name>", "cp") and where it comes from
  // (data-url). Live, it is fetched again when a delta touches that object; in a replay, when the moment
  // moves (from /replays/<cluster>/…?at=<moment>: the replayed state, never the live one). At most once a
  // second; an answer to an older request than the panel's latest is dropped.
  let replayAt = null;             // the moment being replayed (history.js), or null: live
  let panelFetchedAt = 0, panelTimer = 0;
  const PANEL_MIN_MS = 1000;
  function panelUrl(path, params) {
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
    const ch = kind === 'pod' ? d.pods : d.nodes;
    if (!ch) return false;
    const key = kind === 'pod' ? 'uid' : 'name';
    return (ch.remove || []).includes(id) || (ch.upsert || []).some((o) => o[key] === id);
  }
  function refreshPanel() {
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
  function panelFollows(d) { const s = shown(); if (s && touches(d, s.dataset.follow)) refreshPanel(); }
  function setReplayMoment(t) {
    const changed = t !== replayAt;
    replayAt = t;
    if (changed && shown()) refreshPanel();
  }
  if (panel) {
    panel.addEventListener('htmx:beforeRequest', (e) => {  // links inside a panel open panels too
      if (e.detail.target === panel && e.detail.requestConfig) panel.dataset.url = e.detail.requestConfig.path;
    });
    panel.addEventListener('htmx:beforeSwap', (e) => {
      const c = e.detail.requestConfig;
      if (e.detail.target === panel && c && panel.dataset.url && c.path !== panel.dataset.url) e.preventDefault();
    });
  }

  function openPanel(url) {
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
  function selectRef(ref) {
    const enc = encodeURIComponent, prev = selected;
    if (ref.kind === 'Node') {
      const r = recs.get(ref.name);
      if (!r) return false;
      focusRec(r); selected = { kind: 'node', id: ref.name }; redrawSelection(prev);
      openPanel(cfg.panelBase + 'nodes/' + enc(ref.name) + '/panel');
      return true;
    }
    if (ref.kind === 'Pod') {
      let pod = null;
      for (const p of state.pods.values()) if (p.name === ref.name && p.namespace === ref.namespace) { pod = p; break; }
      if (!pod) return false;
      focusRec(recOf(pod)); selected = { kind: 'pod', id: pod.uid }; redrawSelection(prev);
      openPanel(cfg.panelBase + 'pods/' + enc(pod.namespace) + '/' + enc(pod.name) + '/panel');
      return true;
    }
    const q = $('filter-q'); // a controller's pods are named after it: show them, dim the rest
    if (q) q.value = ref.name + '-';
    setFilter(Object.assign(formValues(), { q: ref.name + '-' }), true);
    return true;
  }
  function closePanel() {
    if (!panel) return;
    panel.replaceChildren(...panelEmpty.map((n) => n.cloneNode(true)));
    panel.dataset.open = '0';
    delete panel.dataset.url;
    const prev = selected;
    selected = null;
    redrawSelection(prev);
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

  // ---------------------------------------------------------------- DOM: header, control plane, summary
  const nf = new Intl.NumberFormat('en-US');
  function setText(id, v) { const el = $(id); if (el && el.textContent !== v) el.textContent = v; }

  // Whether the picture rests on anything the cluster said: a source that was never live and sent nothing
  // shows no counts and makes no claims ("every pod placed", "managed control plane") about what it never saw.
  function sourceLive() { return !state.source || state.source.state === 'live'; }
  function observed() { return state.nodes.size > 0 || state.pods.size > 0 || sourceLive(); }
  function renderHeader() {
    renderSourceBanner();
    const seen = observed();
    const count = (v) => (seen ? nf.format(v) : '–');
    setText('count-nodes', count(state.nodes.size));
    setText('count-notready', count(counts.notReady));
    setText('count-pods', count(state.pods.size));
    setText('count-failing', count(counts.failing));
    setText('count-pending', count(counts.unscheduled));
    setText('pending-count', nf.format(pendingRec.pods.length));
    const nr = $('count-notready'); if (nr) nr.parentElement.dataset.alert = counts.notReady ? '1' : '0';
    const fl = $('count-failing'); if (fl) fl.parentElement.dataset.alert = counts.failing ? '1' : '0';
    const cs = counts.statuses;
    let sum = interpolate(_('%(nodes)s nodes (%(notReady)s not ready), %(pods)s pods: %(statuses)s; %(unscheduled)s not scheduled.'), {
      nodes: nf.format(state.nodes.size), notReady: nf.format(counts.notReady), pods: nf.format(state.pods.size),
      statuses: STATUS.map((st, i) => interpolate(_('%(count)s %(status)s'), { count: nf.format(cs[i]), status: STATUS_TEXT[st] })).join(', '),
      unscheduled: nf.format(counts.unscheduled),
    });
    if (filter.active) sum += ' ' + interpolate(_('Filter matches %(count)s pods; the others are dimmed.'), { count: nf.format(counts.matching) });
    let quiet = 0;
    for (const n of state.nodes.values()) if (silent(n)) { const r = recs.get(n.name); quiet += r ? r.pods.length : 0; }
    if (quiet) sum += ' ' + interpolate(ngettext('%(count)s pod is only as last reported: its kubelet stopped reporting.', '%(count)s pods are only as last reported: their kubelet stopped reporting.', quiet), { count: nf.format(quiet) });
    if (!seen) sum = _('Nothing observed yet: the cluster has not answered.');
    setText('map-summary', sum);
    if (nsDirty) fillNamespaces();
  }

  function fillNamespaces() {
    nsDirty = false;
    const sel = $('filter-ns');
    if (!sel) return;
    const names = Array.from(counts.namespaces.keys());
    if (filter.ns && !counts.namespaces.has(filter.ns)) names.push(filter.ns);
    names.sort();
    const cur = Array.from(sel.options).slice(1).map((o) => o.value);
    if (cur.length === names.length && cur.every((v, i) => v === names[i])) return;
    const frag = document.createDocumentFragment();
    const all = document.createElement('option'); all.value = ''; all.textContent = _('All namespaces'); frag.appendChild(all);
    for (const n of names) { const o = document.createElement('option'); o.value = n; o.textContent = n; frag.appendChild(o); }
    sel.replaceChildren(frag);
    sel.value = filter.ns;
  }

  function fillGroupKeys() {
    const dl = $('group-keys');
    if (!dl) return;
    const have = new Set(Array.from(dl.options).map((o) => o.value));
    const freq = new Map();
    let i = 0;
    for (const n of state.nodes.values()) {
      if (i++ > 500) break;
      for (const k of Object.keys(n.labels || {})) freq.set(k, (freq.get(k) || 0) + 1);
    }
    const keys = Array.from(freq.keys()).filter((k) => k !== 'kubernetes.io/hostname' && !k.startsWith('node-role.kubernetes.io/') && !have.has(k)).sort();
    for (const k of keys.slice(0, 40)) { const o = document.createElement('option'); o.value = k; dl.appendChild(o); }
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // One chip per control-plane component (data-process, data-health = worst instance), with a row per
  // instance (data-node, data-health) so three apiservers do not take three chips.
  const HEALTH_RANK = { healthy: 0, unknown: 1, degraded: 2, unhealthy: 3 };
  function healthClass(h) { return HEALTH_COLOR[h] ? h : 'unknown'; }
  function processUrl(name, node) {
    return panelUrl('processes/' + encodeURIComponent(name) + '/panel', node ? { node } : {});
  }
  function renderControlPlane() {
    const list = $('cp-list');
    if (!list) return;
    const frag = document.createDocumentFragment();
    const procs = state.controlPlane || [];
    if (!procs.length) frag.appendChild(el('li', 'cv-muted', observed() ? _('No control-plane processes reported (managed control plane, or not observed yet).') : _('Nothing observed yet: the cluster has not answered.')));
    const byName = new Map();
    for (const pr of procs) {
      let a = byName.get(pr.name);
      if (!a) byName.set(pr.name, (a = []));
      a.push(pr);
    }
    for (const [name, inst] of byName) {
      let worst = inst[0].health;
      for (const pr of inst) if ((HEALTH_RANK[pr.health] || 0) > (HEALTH_RANK[worst] || 0)) worst = pr.health;
      const li = el('li', 'cv-chip');
      li.dataset.process = name;
      li.dataset.health = healthClass(worst);
      const head = el('button', 'cv-chip-main');
      head.type = 'button';
      head.setAttribute('aria-label', interpolate(_('%(process)s: %(health)s — open details'), { process: name, health: healthText(worst) }));
      head.appendChild(el('span', 'cv-hd cv-h-' + healthClass(worst)));
      head.appendChild(el('span', 'cv-chip-name', name));
      if (inst.length > 1) head.appendChild(el('span', 'cv-muted', '×' + inst.length));
      head.appendChild(el('span', 'cv-chip-health', healthText(worst)));
      head.addEventListener('click', () => openPanel(processUrl(name, inst.length === 1 ? inst[0].node : '')));
      li.appendChild(head);
      const versions = Array.from(new Set(inst.map((p) => p.version).filter(Boolean)));
      const leader = inst.find((p) => p.leader);
      const meta = [];
      if (versions.length) meta.push(versions.join(', '));
      if (leader) meta.push(interpolate(_('leader %(node)s'), { node: leader.leader }));
      if (meta.length) li.appendChild(el('div', 'cv-chip-meta', meta.join(' · ')));
      const ul = el('ul', 'cv-inst');
      for (const pr of inst) {
        const row = el('li', 'cv-inst-row');
        row.dataset.node = pr.node || '';
        row.dataset.health = healthClass(pr.health);
        const b = el('button', 'cv-inst-btn');
        b.type = 'button';
        const ev = (pr.evidence || []).map(evText);
        b.title = (pr.node ? pr.node + ': ' : '') + healthText(pr.health) + (ev.length ? '\n' + ev.join('\n') : '');
        b.appendChild(el('span', 'cv-hd cv-h-' + healthClass(pr.health)));
        b.appendChild(el('span', 'cv-inst-node', pr.node || (inst.length > 1 ? '?' : _('instance'))));
        if (pr.health !== 'healthy') b.appendChild(el('span', 'cv-inst-health', healthText(pr.health)));
        if (pr.leader && pr.leader === pr.node) b.appendChild(el('span', 'cv-inst-leader', _('leader')));
        b.appendChild(el('span', 'cv-inst-ev', ev[0] || ''));
        b.addEventListener('click', () => openPanel(processUrl(pr.name, pr.node)));
        row.appendChild(b);
        ul.appendChild(row);
      }
      li.appendChild(ul);
      const ex = explanations[name];
      if (ex) {
        const d = el('details', 'cv-explain');
        d.appendChild(el('summary', '', _('What does it do?')));
        d.appendChild(el('p', '', ex));
        li.appendChild(d);
      }
      frag.appendChild(li);
    }
    list.replaceChildren(frag);
    const cpn = [];
    for (const n of state.nodes.values()) if (n.controlPlane) cpn.push(n.name);
    const p = $('cp-nodes');
    if (p) {
      p.replaceChildren();
      p.appendChild(el('span', 'cv-muted', cpn.length ? _('Control-plane nodes: ') : observed() ? _('No control-plane nodes visible (managed control plane).') : _('No nodes observed yet.')));
      cpn.sort().forEach((name, i) => {
        const b = el('button', 'cv-link', name);
        b.type = 'button';
        b.dataset.node = name;
        b.addEventListener('click', () => {
          const r = recs.get(name);
          if (r) focusRec(r);
          const prev = selected; selected = { kind: 'node', id: name }; redrawSelection(prev);
          openPanel(panelUrl('nodes/' + encodeURIComponent(name) + '/panel'));
        });
        if (i) p.appendChild(document.createTextNode(', '));
        p.appendChild(b);
      });
    }
  }

  // ---------------------------------------------------------------- live indicator
  let lastMsgAt = 0, wsOpen = false, nonLiveSince = 0;
  let livePaused = false;          // replay (history.js): live messages are not applied until resumeLive()
  const live = $('live-indicator');
  function hhmmss(ms) {
    const d = new Date(ms);
    const p2 = (v) => String(v).padStart(2, '0');
    return p2(d.getHours()) + ':' + p2(d.getMinutes()) + ':' + p2(d.getSeconds());
  }
  // A cluster the server never reached (source "connecting", or "error" with nothing seen): which server,
  // which context and why, in full view over the map, not only in a tooltip.
  function renderSourceBanner() {
    const box = $('source-banner');
    if (!box) return;
    const src = state.source;
    const show = !!src && !livePaused && !observed() && (src.state === 'connecting' || src.state === 'error');
    box.hidden = !show;
    if (!show) return;
    box.dataset.state = src.state;
    setText('source-banner-title', src.state === 'connecting' ? _('Not connected yet') : _('Cannot watch this cluster'));
    setText('source-banner-server', src.server || _('unknown'));
    setText('source-banner-context', src.context || _('unknown'));
    setText('source-banner-reason', src.reason ? evText(src.reason) : _('waiting for the first answer'));
  }
  function sourceChanged() { headerDirty = true; cpDirty = true; schedule(); }
  function computeIndicator() {
    if (livePaused) return { st: 'replay', text: _('replay — not live') };
    const now = Date.now();
    const connected = !cfg.wsPath || wsOpen;
    if (!connected) {
      return { st: 'reconnecting', text: lastMsgAt ? interpolate(_('reconnecting… (last update %(time)s)'), { time: hhmmss(lastMsgAt) }) : _('connecting…') };
    }
    if (!haveState) return { st: 'reconnecting', text: _('connecting…') };
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
    if (cfg.wsPath && lastMsgAt && now - lastMsgAt > 10000) return { st: 'stale', text: interpolate(_('stale since %(time)s'), { time: hhmmss(lastMsgAt) }) + ' — ' + interpolate(_('no message for %(seconds)s s'), { seconds: Math.round((now - lastMsgAt) / 1000) }) };
    return { st: 'live', text: _('live') };
  }
  function updateIndicator() {
    if (!live) return;
    const { st, text } = computeIndicator();
    if (live.dataset.state !== st) live.dataset.state = st;
    const t = $('live-text');
    if (t && t.textContent !== text) t.textContent = text;
    live.title = text;
  }
  setInterval(updateIndicator, 1000);

  // ---------------------------------------------------------------- websocket & resync
  let ws = null, backoff = 500, resyncing = false, buffered = [], reconnectTimer = 0, firstStateTimer = 0;

  function handleState(st) {
    applyStateInternal(st);
    // replay buffered deltas newer than the state
    const buf = buffered.sort((a, b) => a.seq - b.seq);
    buffered = [];
    for (const d of buf) handleDelta(d);
  }
  function handleDelta(d) {
    if (resyncing) { buffered.push(d); return 'buffered'; }
    if (!haveState) { buffered.push(d); return 'buffered'; }
    if (d.seq <= state.seq) return 'ignored';
    if (d.seq !== state.seq + 1) {
      buffered.push(d);
      resync('gap: expected ' + (state.seq + 1) + ', got ' + d.seq);
      return 'gap';
    }
    applyDeltaInternal(d);
    return 'applied';
  }
  function resync(why) {
    if (resyncing || !cfg.stateUrl || livePaused) return;
    resyncing = true;
    stats.resyncs = (stats.resyncs || 0) + 1;
    stats.lastResync = why;
    fetch(cfg.stateUrl, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then((r) => { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then((st) => {
        resyncing = false;
        if (livePaused) return;
        lastMsgAt = Date.now();
        const buf = buffered; buffered = [];
        applyStateInternal(st);
        buf.sort((a, b) => a.seq - b.seq);
        for (const d of buf) {
          if (d.seq <= state.seq) continue;
          if (d.seq !== state.seq + 1) { buffered = buf.filter((x) => x.seq > state.seq); resync('gap after resync'); return; }
          applyDeltaInternal(d);
        }
      })
      .catch(() => { resyncing = false; setTimeout(() => resync('retry'), Math.min(10000, backoff)); });
  }

  function connect() {
    if (!cfg.wsPath) return;
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const early = window.clustervizEarly && window.clustervizEarly.path === cfg.wsPath ? window.clustervizEarly.adopt() : null;
    let sock;
    if (early) sock = early.sock; // opened by early.js while the page loaded: its events are replayed below
    else {
      try { sock = new WebSocket(proto + '//' + location.host + cfg.wsPath); } catch (e) { scheduleReconnect(); return; }
    }
    ws = sock;
    let sockGotState = false;
    // The backoff resets on a state, not on open: a server that accepts and then drops the socket
    // (e.g. a message over its size limit) must not be hammered at the shortest interval.
    sock.onopen = () => { wsOpen = true; updateIndicator(); };
    sock.onmessage = (ev) => {
      if (ws !== sock) return;
      lastMsgAt = Date.now();
      if (livePaused) return;
      let msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      if (msg.type === 'state') {
        sockGotState = true;
        backoff = 500;
        clearTimeout(firstStateTimer);
        resyncing = false;
        handleState(msg);
      } else if (msg.type === 'delta') {
        handleDelta(msg);
      } else if (msg.type === 'heartbeat') {
        if (msg.source) { const changed = JSON.stringify(msg.source) !== JSON.stringify(state.source); state.source = msg.source; if (changed) sourceChanged(); }
        if (haveState && !resyncing && typeof msg.seq === 'number' && msg.seq > state.seq) resync('heartbeat ahead');
      }
      updateIndicator();
    };
    sock.onclose = () => {
      if (ws !== sock) return;
      wsOpen = false; ws = null;
      updateIndicator();
      // A socket that closed before its state could not deliver it: load the state over HTTP meanwhile.
      if (!sockGotState && !livePaused) resync('websocket closed before sending the state');
      scheduleReconnect();
    };
    sock.onerror = () => { /* close follows */ };
    // if the socket does not deliver a state quickly, load it over HTTP
    clearTimeout(firstStateTimer);
    if (!haveState) firstStateTimer = setTimeout(() => { if (!haveState) resync('no state from websocket'); }, 4000);
    if (early) {
      for (const ev of early.events) {
        if (ws !== sock) break; // a replayed close already moved on
        const handler = sock['on' + ev.type];
        if (handler) handler(ev);
      }
    }
  }
  function scheduleReconnect() {
    clearTimeout(reconnectTimer);
    const delay = backoff * (0.75 + Math.random() * 0.5);
    backoff = Math.min(10000, backoff * 2);
    stats.reconnects = (stats.reconnects || 0) + 1;
    reconnectTimer = setTimeout(connect, delay);
  }

  // ---------------------------------------------------------------- public apply functions
  function applyStateInternal(st) {
    const t0 = performance.now();
    resetFromState(st);
    const t1 = performance.now();
    const first = !haveState;
    haveState = true;
    // the DOM above the map first, so that the map's size is final before the layout
    renderControlPlane(); cpDirty = false;
    renderHeader(); headerDirty = false;
    if (first) fillGroupKeys();
    const t2 = performance.now();
    if (first) { measure(); view.auto = true; fitView(false); } else relayoutKeepView();
    stats.stateApply = { modelMs: t1 - t0, domMs: t2 - t1, layoutMs: performance.now() - t2 };
    needFull = true;
    lastMsgAt = lastMsgAt || Date.now();
    stats.lastStateApplyMs = performance.now() - t0;
    schedule();
    updateIndicator();
  }
  function applyDeltaInternal(d) {
    const t0 = performance.now();
    applyDeltaModel(d);
    if (!livePaused) panelFollows(d);
    const dt = performance.now() - t0;
    stats.lastDeltaApplyMs = dt;
    stats.deltas++;
    pendingDeltaApplyMs = (pendingDeltaApplyMs >= 0 ? pendingDeltaApplyMs : 0) + dt;
    schedule();
  }

  // ---------------------------------------------------------------- filters & URL
  const form = $('filters');
  function readUrl() {
    const u = new URLSearchParams(location.search);
    return { ns: u.get('ns') || '', selector: u.get('selector') || '', q: u.get('q') || '', group: u.get('group') || '' };
  }
  function writeUrl() {
    const u = new URLSearchParams(location.search);
    for (const k of ['ns', 'selector', 'q', 'group']) { if (filter[k]) u.set(k, filter[k]); else u.delete(k); }
    const qs = u.toString();
    const url = location.pathname + (qs ? '?' + qs : '') + location.hash;
    if (url !== location.pathname + location.search + location.hash) history.replaceState(history.state, '', url);
  }
  function setFilter(f, fromUser) {
    const parsed = parseSelector(f.selector);
    const errEl = $('selector-error'), selIn = $('filter-selector');
    if (errEl) errEl.textContent = parsed.ok ? '' : _('Selector: ') + parsed.error;
    if (selIn) { if (parsed.ok) selIn.removeAttribute('aria-invalid'); else selIn.setAttribute('aria-invalid', 'true'); }
    const groupChanged = f.group !== filter.group;
    filter = {
      ns: f.ns, selector: f.selector, q: f.q, group: f.group.trim(),
      reqs: parsed.ok ? parsed.reqs : [], qLower: f.q.trim().toLowerCase(),
    };
    filter.active = !!(filter.ns || filter.reqs.length || filter.qLower);
    if (fromUser) writeUrl();
    if (!haveState) return;
    recomputeFilter();
    if (groupChanged) { colsCache.detail.n = -1; colsCache.compact.n = -1; fitView(true); }
    needFull = true; headerDirty = true;
    schedule();
  }
  function formValues() {
    return {
      ns: $('filter-ns') ? $('filter-ns').value : '',
      selector: $('filter-selector') ? $('filter-selector').value : '',
      q: $('filter-q') ? $('filter-q').value : '',
      group: $('filter-group') ? $('filter-group').value : '',
    };
  }
  let filterTimer = 0;
  if (form) {
    form.addEventListener('submit', (e) => { e.preventDefault(); setFilter(formValues(), true); });
    form.addEventListener('input', (e) => {
      clearTimeout(filterTimer);
      const immediate = e.target && e.target.tagName === 'SELECT';
      filterTimer = setTimeout(() => setFilter(formValues(), true), immediate ? 0 : 200);
    });
    form.addEventListener('change', () => { clearTimeout(filterTimer); setFilter(formValues(), true); });
  }
  (function initFilters() {
    const f = readUrl();
    if ($('filter-ns')) {
      const sel = $('filter-ns');
      if (f.ns && !Array.from(sel.options).some((o) => o.value === f.ns)) { const o = document.createElement('option'); o.value = f.ns; o.textContent = f.ns; sel.appendChild(o); }
      sel.value = f.ns;
    }
    if ($('filter-selector')) $('filter-selector').value = f.selector;
    if ($('filter-q')) $('filter-q').value = f.q;
    if ($('filter-group')) $('filter-group').value = f.group;
    setFilter(f, false);
  })();

  const sw = $('cluster-switch');
  if (sw) sw.addEventListener('change', () => {
    const base = cfg.panelBase.replace(/[^/]+\/$/, encodeURIComponent(sw.value) + '/');
    location.assign(base + location.search);
  });

  // zoom buttons
  const onClick = (id, fn) => { const b = $(id); if (b) b.addEventListener('click', fn); };
  onClick('zoom-in', () => zoomAt(1.4, cssW / 2, cssH / 2));
  onClick('zoom-out', () => zoomAt(1 / 1.4, cssW / 2, cssH / 2));
  onClick('zoom-fit', () => fitView(true));
  onClick('zoom-pending', () => focusRec(pendingRec));

  // ---------------------------------------------------------------- boot
  new ResizeObserver(() => resize()).observe(wrap);
  resize();

  window.clusterviz = {
    state,
    indicator: () => { updateIndicator(); return live ? live.dataset.state : computeIndicator().st; },
    layout: { nodeRect, podRect, hitTest: (x, y) => { const h = hitTest(x, y); return h && { kind: h.kind, node: h.rec && h.rec.name, pod: h.pod && h.pod.uid, agent: h.agent && h.agent.name }; } },
    stats,
    view,
    applyState: (obj) => { lastMsgAt = Date.now(); applyStateInternal(obj); },
    applyDelta: (obj) => { lastMsgAt = Date.now(); return handleDelta(obj); },
    parseSelector,
    selectorMatches: (sel, labels) => { const p = parseSelector(sel); if (!p.ok) throw new Error(p.error); return selectorMatches(p.reqs, labels); },
    setFilter: (f) => setFilter(Object.assign(formValues(), f), true),
    fit: () => fitView(true),
    zoom: (factor) => zoomAt(factor, cssW / 2, cssH / 2),
    closePanel,
    ready,
    // replay (static/clusterviz/history.js): stop applying live messages, show any state, then go back
    pauseLive: () => { livePaused = true; buffered = []; feed().replay(true); updateIndicator(); },
    resumeLive: () => { livePaused = false; buffered = []; resyncing = false; setReplayMoment(null); feed().replay(false); resync('back to live'); updateIndicator(); },
    setReplayMoment,                // the moment replayed (epoch seconds), for the panels; null: live
    refreshPanel,
    select: selectRef,
    isLive: () => !livePaused,
  };

  if (cfg.wsPath) connect();
  else if (cfg.stateUrl) resync('initial load');
  updateIndicator();
})();
