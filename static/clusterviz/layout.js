/* clusterviz — where every card goes: rows of node cards, group by group, under the pending area.
 *
 * Two geometries (world units are CSS px at zoom 1): "detail" cards (text, bars, agent chips) and "compact"
 * cards (status strip + pod block) for the overview of big clusters (semantic zoom). Cards are placed once in
 * rows. The card shape (pods per card row, compact only) and the number of columns are chosen from the space
 * there is (chooseGrid: the largest scale at which every card fits the map area), and kept while the node
 * count stays similar, so a delta does not reshuffle the map. O(nodes log nodes); pods are not touched. No DOM.
 */
import { _, interpolate } from './i18n.js';
import { filter, groupKeyOf, pendingRec, recs, stats } from './model.js';
import { marks } from './frame.js';

export const P = 10, SQ = 8;          // pod pitch and square size, both geometries
export const GEO = {
  detail: { mode: 'detail', cardW: 250, pad: 8, head: 100, bottom: 8, gap: 12, groupH: 30, perRow: 23, pendHead: 6, groupH0: 30 },
  compact: { mode: 'compact', cardW: 76, pad: 3, head: 14, bottom: 3, gap: 6, groupH: 22, perRow: 7, pendHead: 3, groupH0: 22 },
};
export let G = GEO.detail;
export const colsCache = { detail: { n: -1, cols: 0, perRow: 23 }, compact: { n: -1, cols: 0, perRow: 7 } };
export let groups = [];                 // [{label, y, count}]
export let rows = [];                   // [{y, h, recs[], pending?}] sorted by y
export let layoutW = 250, layoutH = 100;
const byName = new Intl.Collator('en', { numeric: true }); // node names in the order people count them

// the map area in CSS px (view.js measures it)
export const viewport = { w: 0, h: 0 };
export function viewportSize() {
  const w = viewport.w || 1200, h = viewport.h || 800;
  return { w: Math.max(200, w), h: Math.max(150, h) };
}
export function setMode(m, forceCols) {
  G = GEO[m];
  layout(forceCols);
}

export function cardHeight(n, g, perRow = g.perRow) {
  const r = Math.max(1, Math.ceil((n + 1) / perRow));
  return g.head + r * P - (P - SQ) + g.bottom;
}
export function cardWidth(g, perRow) {
  return g.mode === 'compact' ? 2 * g.pad + perRow * P - (P - SQ) : g.cardW;
}

// ---------------------------------------------------------------- fit: the grid chosen from the space there is
export const BAND_PX = 22;                              // a group band keeps this many CSS px for its 12 px label
export const FIT_CAP = { detail: 1.25, compact: 1.6 };  // the largest fit scale: pods of 10 and 12.8 px at most

// The pods a card is sized for: the 90th percentile per node, so one crowded node does not shrink every card
// (the real layout still makes each row as tall as its fullest card).
export function podsToHold(counts) {
  if (!counts.length) return 0;
  const a = Float64Array.from(counts).sort();
  return a[Math.min(a.length - 1, Math.floor(a.length * 0.9))];
}

// Pods per card row worth trying: from tall cards to wide ones (aspect about 1:2 to 3:1), 4 at least for
// the status strip; the detail card's width is fixed.
export function perRowChoices(g, k) {
  if (g.mode !== 'compact') return [g.perRow];
  const root = Math.sqrt(k + 1);
  const lo = Math.max(4, Math.floor(root / 1.8)), hi = Math.min(40, Math.max(lo, Math.ceil(root * 2.2)));
  const out = [];
  for (let p = lo; p <= hi; p++) out.push(p);
  return out;
}

// The pending area's height (world units) under a layout W wide: its pods plus at least one free row.
export function pendingHeight(g, W, pending) {
  const per = Math.max(1, Math.floor((W - 2 * g.pad + (P - SQ)) / P));
  const prow = Math.max(1, Math.ceil((pending + Math.max(4, per >> 2)) / per));
  return g.pendHead + prow * P - (P - SQ) + g.bottom;
}

// The scale at which a grid fits a screen w×h CSS px: the width as it is; the height less the group bands,
// which keep BAND_PX on the screen (or their world height groupH0, whichever is taller).
export function gridScale(g, screen, world) {
  const sw = screen.w / world.w;
  const sA = (screen.h - world.bands * BAND_PX) / world.h;
  const sh = sA * g.groupH0 <= BAND_PX ? sA : screen.h / (world.h + world.bands * g.groupH0);
  return Math.min(sw, sh);
}

// World size of a grid: cols columns of cards perRow pods wide, sized for k pods, the pending area on top.
export function gridWorld(g, sizes, k, pending, perRow, cols) {
  const cw = cardWidth(g, perRow), ch = cardHeight(k, g, perRow);
  const w = Math.max(cols * (cw + g.gap) - g.gap, cw);
  let h = pendingHeight(g, w, pending) + 2 * g.gap;
  for (const n of sizes) h += Math.ceil(n / cols) * (ch + g.gap) + g.gap;
  return { w, h, bands: sizes.length + 1 };
}

// The grid with the largest scale on this screen: for each card shape the columns grow until the width, not
// the height, limits the scale (past that point more columns only shrink it). sizes: nodes per group.
export function chooseGrid(g, screen, sizes, k, pending) {
  const most = Math.max(1, ...sizes);
  let best = { s: -1, cols: 1, perRow: perRowChoices(g, k)[0] };
  for (const perRow of perRowChoices(g, k)) {
    for (let cols = 1; cols <= most; cols++) {
      const world = gridWorld(g, sizes, k, pending, perRow, cols);
      const s = gridScale(g, screen, world);
      if (s > best.s) best = { s, cols, perRow };
      if (screen.w / world.w < best.s) break;
    }
  }
  return best;
}


export function buildGroups() {
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

// Place every card for the current geometry G.
export function layout(forceCols) {
  const t0 = performance.now();
  stats.layouts++;
  const { all, glist } = buildGroups();
  const n = all.length;
  const cc = colsCache[G.mode];
  if (forceCols || cc.n < 0 || Math.abs(n - cc.n) > Math.max(2, cc.n * 0.25)) {
    const vp = viewportSize();
    const k = podsToHold(all.map((r) => r.pods.length));
    const grid = chooseGrid(G, { w: vp.w - 24, h: vp.h - 48 }, glist.map((g) => g.recs.length), k, pendingRec.pods.length);
    cc.cols = Math.min(grid.cols, 1000); cc.perRow = grid.perRow; cc.n = n;
  }
  G.perRow = cc.perRow;
  G.cardW = cardWidth(G, G.perRow);
  const cellW = G.cardW + G.gap;
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
  marks.full = true;
  stats.lastLayoutMs = performance.now() - t0;
  stats.mode = G.mode;
}

// first row whose bottom >= y
export function lowerRow(y) {
  let lo = 0, hi = rows.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (rows[m].y + rows[m].h < y) lo = m + 1; else hi = m;
  }
  return lo;
}

export function nearestRec(wx, wy) {
  let i = lowerRow(wy);
  if (i >= rows.length) i = rows.length - 1;
  if (i < 0) return null;
  const row = rows[i];
  if (row.pending) return row.recs[0];
  const col = Math.max(0, Math.min(row.recs.length - 1, Math.floor(wx / (G.cardW + G.gap))));
  return row.recs[col];
}
