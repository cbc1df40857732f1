/* clusterviz — drawing the map: Canvas 2D in device pixels.
 *
 * Pods are batched into one run of fillRect per colour; a delta redraws only the cards it touched unless the
 * layout changed. Three levels of detail for detail cards (LOD_HIGH: text, bars, agent chips; LOD_MID: a big
 * name and one status line; below: strips and blocks); the compact overview is drawn by raster.js.
 */
import { _, hhmmss, interpolate, nf, ngettext } from './i18n.js';
import { marks, schedule } from './frame.js';
import { G, GEO, P, SQ, groups } from './layout.js';
import { choice, dimmed, filter, isExcluded, isOld, pendingRec, recOf, selected, sourceLive, state, stats } from './model.js';
import { drawFullRaster } from './raster.js';
import { HEALTH_COLOR, STATUS_COLOR, STATUS_IDX, silent, worstHealth } from './status.js';
import { cssH, cssW, dpr, view, visibleRecs } from './view.js';

export const C = {
  bg: '#0e1217', card: '#19202a', cardCP: '#1b2535', border: '#2b3442', borderCP: '#3d7fc4',
  text: '#e6edf3', muted: '#8d99a8', faint: '#5b6675', bar: '#3d7fc4', barWarn: '#e69f00',
  barTrack: '#2a3340', notReady: '#e8641a', cordon: '#e69f00', group: '#c9d4e0', sel: '#ffffff',
  pendingCard: '#1d1a14', pendingBorder: '#6b5d2a', mark: '#0b0e12', hatch: '#0e1217', focus: '#ffd23f',
  excluded: '#e6edf3', // a chosen Service's matching pod without traffic: outlined and struck through
};
const DIM_MIX = 0.22; // dimmed pods: colour mixed with the card background
export const LOD_HIGH = 0.7, LOD_MID = 0.32;

export let canvas = null, ctx = null;
export function initDraw(canvasEl) {
  canvas = canvasEl;
  ctx = canvas.getContext('2d', { alpha: false });
}

export function drawFull() {
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
export function mix(hex, bgHex, t) {
  const k = hex + bgHex + t;
  let v = mixCache.get(k);
  if (v) return v;
  const a = parseInt(hex.slice(1), 16), b = parseInt(bgHex.slice(1), 16);
  const ch = (sh) => Math.round(((a >> sh) & 255) * t + ((b >> sh) & 255) * (1 - t));
  v = 'rgb(' + ch(16) + ',' + ch(8) + ',' + ch(0) + ')';
  mixCache.set(k, v);
  return v;
}
export const DIM_COLOR = STATUS_COLOR.map((c) => mix(c, C.card, DIM_MIX));

export function font(px, weight) { return (weight || '') + ' ' + px.toFixed(1) + 'px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'; }

const fitCache = new Map();
export function fitText(t, maxW) {
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

// A name cut in its middle to fit maxW: both ends stay (worker-1…-17, ip-10-0-…internal), the ends tell nodes apart.
export function fitMiddle(t, maxW) {
  if (maxW <= 0) return '';
  const k = 'middle|' + ctx.font + '|' + Math.round(maxW) + '|' + t;
  let out = fitCache.get(k);
  if (out === undefined) { out = cutMiddle(t, maxW); fitCache.set(k, out); }
  return out;
}
function cutMiddle(t, maxW) {
  if (ctx.measureText(t).width <= maxW) return t;
  const cut = (m) => t.slice(0, m >> 1) + '…' + t.slice(t.length - (m - (m >> 1)));
  let lo = 0, hi = t.length - 1;
  while (lo < hi) {
    const m = (lo + hi + 1) >> 1;
    if (ctx.measureText(cut(m)).width <= maxW) lo = m; else hi = m - 1;
  }
  return lo > 1 ? cut(lo) : '';
}

export function pendingLabel() {
  const n = pendingRec.pods.length;
  const placed = !n && state.pods.size > 0 && sourceLive(); // a claim only about pods actually seen
  return _('Pending — not scheduled yet') + ' · ' + interpolate(ngettext('%(count)s pod', '%(count)s pods', n), { count: nf.format(n) }) + (placed ? ' ' + _('(the scheduler has placed every pod)') : '');
}
// Group labels are drawn at a constant screen size so they stay readable in the overview.
export function drawGroupHeaders(onlyPending) {
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

export function fmtCpu(m) { return m >= 1000 ? (m / 1000).toFixed(m % 1000 === 0 ? 0 : 1) : m + 'm'; }
export function fmtMem(b) {
  const g = b / 1073741824;
  if (g >= 1) return (g >= 100 ? g.toFixed(0) : g.toFixed(1)) + 'Gi';
  return Math.round(b / 1048576) + 'Mi';
}
export function shortRuntime(r) { return (r || '').replace('://', ' '); }

// Agent chips of a detail card, in card coordinates at zoom 1: two rows at most, then "+N".
export const CHIP_Y = [66, 82], CHIP_H = 13;
const chipCache = new Map();
export function agentChips(rec) {
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
export function measureCtx() { if (!mctx) mctx = document.createElement('canvas').getContext('2d'); return mctx; }

// Per-colour coordinate buckets reused between draws (fillRect in runs of one colour).
export const NB = 16; // 6 statuses, 6 dimmed statuses, ring (terminating), restart marks, old revision (rollout),
//                       excluded (a chosen Service's pod that gets no traffic)
export const bx = [], by = [], bn = new Int32Array(NB);
for (let i = 0; i < NB; i++) { bx.push(new Int32Array(1024)); by.push(new Int32Array(1024)); }
export function bpush(k, x, y) {
  let n = bn[k];
  if (n >= bx[k].length) {
    const nx = new Int32Array(bx[k].length * 2); nx.set(bx[k]); bx[k] = nx;
    const ny = new Int32Array(by[k].length * 2); ny.set(by[k]); by[k] = ny;
  }
  bx[k][n] = x; by[k][n] = y; bn[k] = n + 1;
}

// draw order: dimmed first, then the calm statuses, the alarming ones last (on top when pods overlap)
export const BUCKET_ORDER = [6, 8, 11, 7, 10, 9, 0, 2, 5, 1, 4, 3];
export function podGeom() {
  const s = view.scale * dpr;
  const step = P * s;
  // below 2 device px per pod the squares grow to touch (a solid block with outliers on top)
  const sq = step < 2 ? Math.max(1, Math.ceil(step)) : Math.max(1, Math.round(SQ * s));
  const showMarks = sq >= 5;
  return { s, ox: view.tx * dpr, oy: view.ty * dpr, sq, step, showMarks, ringW: Math.max(1, Math.round(sq * 0.22)), markW: Math.max(2, Math.round(sq * 0.42)) };
}
export function bucketPod(p, x, y, g) {
  let si = STATUS_IDX[p.statusClass];
  if (si === undefined) si = 5;
  const dim = dimmed.has(p);
  bpush(dim ? si + 6 : si, x, y);
  if (g.showMarks && !dim) {
    if (si === 4) bpush(12, x, y);
    if (p.restarts > 0) bpush(13, x, y);
  }
  if (g.sq >= 3 && !dim && isOld(p)) bpush(14, x, y); // told apart down to small squares
  if (dim && choice.excluded.size && isExcluded(p)) bpush(15, x, y); // dimmed like the rest, but marked
  return dim;
}
export function flushBuckets(g, cardBg) {
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
    stats.crossed += bn[14];
    bn[14] = 0;
  }
  if (bn[15]) drawExcluded(g);
}

// A pod the chosen Service selects that gets none of its traffic (the server's `excluded`): its dimmed square
// framed and struck through; too small for that, a light square among the dimmed ones.
function drawExcluded(g) {
  const sq = g.sq, n = bn[15], X = bx[15], Y = by[15];
  ctx.fillStyle = C.excluded;
  stats.outlined += n;
  bn[15] = 0;
  if (sq < 5) { for (let i = 0; i < n; i++) ctx.fillRect(X[i], Y[i], sq, sq); return; }
  const w = Math.max(1, Math.round(sq * 0.16));
  ctx.beginPath();
  for (let i = 0; i < n; i++) {
    const x = X[i], y = Y[i];
    ctx.fillRect(x, y, sq, w); ctx.fillRect(x, y + sq - w, sq, w); ctx.fillRect(x, y, w, sq); ctx.fillRect(x + sq - w, y, w, sq);
    ctx.moveTo(x + w, y + sq - w); ctx.lineTo(x + sq - w, y + w);
  }
  ctx.strokeStyle = C.excluded; ctx.lineWidth = w;
  ctx.stroke();
}

export function cardColors(r) {
  const pend = r.kind === 'pending';
  const cp = !pend && r.node.controlPlane;
  const bg = pend ? C.pendingCard : cp ? C.cardCP : C.card;
  const border = pend ? C.pendingBorder : (r.node.ready !== 'True' ? C.notReady : cp ? C.borderCP : C.border);
  return { bg, border, cp, pend };
}

// Draw a list of cards with their pods. clear=true repaints the card's area first (delta redraw).
export function drawRecs(list, clear) {
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

export function bucketCard(r, g, selUid) {
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
export function bucketPods(list, g, flush) {
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

export function drawPods(set) {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  const g = podGeom();
  const selUid = selected && selected.kind === 'pod' ? selected.id : null;
  const byBg = new Map();
  let sel = null;
  const hatched = new Set();
  for (const p of set) {
    if (state.pods.get(p.uid) !== p) continue; // replaced or removed since
    const r = recOf(p);
    if (marks.dirty.has(r)) continue;
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
export function hatchSilent(list, g) {
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
export function lastReportedText(n) {
  if (!n.lastReportedAt) return _('the kubelet is not reporting: last reported status');
  const ago = Math.max(0, Math.round((state.at || Date.now() / 1000) - n.lastReportedAt));
  return interpolate(_('last reported %(time)s (%(seconds)s s ago): the kubelet is not reporting'), { time: hhmmss(n.lastReportedAt * 1000), seconds: ago });
}

export function drawPodSelection(sel, g) {
  const lw = Math.max(1, Math.round(1.5 * dpr));
  ctx.strokeStyle = C.sel; ctx.lineWidth = lw;
  ctx.strokeRect(sel[0] - lw / 2 - 1, sel[1] - lw / 2 - 1, g.sq + lw + 2, g.sq + lw + 2);
}

// the pending label sits in its band above the pending card; repaint it when the count changes
export function redrawPendingLabel() {
  const g = groups[0];
  if (!g || !g.pending) return;
  const s = view.scale * dpr, oy = view.ty * dpr;
  const y = Math.round(g.y * s + oy), h = Math.max(1, Math.round(G.groupH * s));
  if (h < 12 * dpr * 1.5) { marks.full = true; schedule(); return; } // pill mode: labels overlap cards, repaint all
  ctx.fillStyle = C.bg;
  ctx.fillRect(0, y, canvas.width, h);
  drawGroupHeaders(true);
}

export function nodeStripColor(n, pressures) {
  return n.ready !== 'True' ? C.notReady : n.unschedulable ? C.cordon : pressures ? C.barWarn : n.controlPlane ? C.borderCP : '#3a4759';
}
export function pressureList(n) {
  const out = [];
  const cond = n.conditions || {};
  if (cond.MemoryPressure === 'True') out.push('MemoryPressure');
  if (cond.DiskPressure === 'True') out.push('DiskPressure');
  if (cond.PIDPressure === 'True') out.push('PIDPressure');
  if (cond.NetworkUnavailable === 'True') out.push('NetworkUnavailable');
  return out;
}
// The compact card's head is a plate (PLATE_Y, PLATE_H in world units) with the node's name on it once the
// name is legible (NAME_MIN_PX CSS px): the overview's cards say which node they are, as the detail cards do.
export const PLATE_Y = 2, PLATE_H = 10, NAME_MIN_PX = 8;
const NAME_FONT = 8;
export function drawPlateName(r, s) {
  if (NAME_FONT * view.scale < NAME_MIN_PX) return;
  const n = r.node, health = worstHealth(n.agents) !== 'healthy' ? 12 : 0;
  ctx.font = font(NAME_FONT * s, '600');
  ctx.fillStyle = C.text;
  ctx.textBaseline = 'middle';
  ctx.fillText(fitMiddle(n.name, (G.cardW - 2 * G.pad - 4 - health) * s), r._dx + (G.pad + 2) * s, r._dy + (PLATE_Y + PLATE_H / 2) * s);
  ctx.textBaseline = 'alphabetic';
}
export function drawNodeHeader(r, s, lod) {
  const n = r.node;
  const x = r._dx, y = r._dy;
  const X = (wx) => x + wx * s, Y = (wy) => y + wy * s;
  const pad = G.pad, cw = G.cardW;
  const dimCard = filter.active && r.matchCount === 0 && !(filter.qLower && n.name.toLowerCase().indexOf(filter.qLower) >= 0);
  const pressures = pressureList(n);
  if (dimCard) ctx.globalAlpha = 0.4;
  if (lod === -1) {
    // compact overview: a plate in the node's condition colour, worst agent health at its right end, the name
    const hw = Math.max(1, Math.round(6 * s));
    const sw = Math.max(1, Math.round((cw - 2 * pad) * s)), sh = Math.max(1, Math.round(PLATE_H * s));
    ctx.fillStyle = nodeStripColor(n, pressures.length);
    ctx.fillRect(Math.round(X(pad)), Math.round(Y(PLATE_Y)), sw, sh);
    const wh = worstHealth(n.agents);
    if (wh !== 'healthy') {
      ctx.fillStyle = HEALTH_COLOR[wh];
      ctx.fillRect(Math.round(X(cw - pad)) - hw * 2, Math.round(Y(PLATE_Y)), hw * 2, sh);
    }
    drawPlateName(r, s);
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
export function drawAgentBlocks(n, s, X, Y) {
  const agents = n.agents || [];
  for (let i = 0; i < agents.length && i < 11; i++) {
    ctx.fillStyle = HEALTH_COLOR[agents[i].health] || HEALTH_COLOR.unknown;
    ctx.fillRect(X(G.pad + i * 21), Y(CHIP_Y[0]), Math.max(1, 17 * s), Math.max(1, 12 * s));
  }
}

export function outline(r) {
  const lw = Math.max(1, Math.round(2 * dpr));
  ctx.strokeStyle = C.sel; ctx.lineWidth = lw;
  ctx.strokeRect(r._dx + lw / 2, r._dy + lw / 2, r._dw - lw, r._dh - lw);
}

export function roundRect(x, y, w, h, rad) {
  ctx.beginPath();
  if (ctx.roundRect) ctx.roundRect(x, y, w, h, rad); else ctx.rect(x, y, w, h);
  ctx.fill();
}

export function drawBars(r, s, X, Y, labels) {
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

// The keyboard focus (keyboard.js): a ring in its own colour, two device pixels outside the pod's square or inside
// the card's edge, so that it stays inside what a repaint of that card clears.
export function drawFocusRing(rect) {
  if (!rect) return;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  const s = view.scale * dpr, ox = view.tx * dpr, oy = view.ty * dpr, lw = Math.max(2, Math.round(2 * dpr));
  const grow = rect.pod ? lw + 1 : -lw / 2;
  const x = Math.round(rect.x * s + ox) - grow, y = Math.round(rect.y * s + oy) - grow;
  const w = Math.round(rect.w * s) + 2 * grow, h = Math.round(rect.h * s) + 2 * grow;
  ctx.strokeStyle = C.focus; ctx.lineWidth = lw;
  ctx.strokeRect(x, y, Math.max(1, w), Math.max(1, h));
}
