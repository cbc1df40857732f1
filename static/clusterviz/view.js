/* clusterviz — the map's view: pan, zoom and the semantic zoom between the detail and compact geometries.
 *
 * view.scale and view.tx/ty map world units (layout.js) to CSS px of the canvas; view.auto is true while the
 * map follows "fit" (a new node re-fits it) and false once the user moved it.
 */
import { marks, schedule } from './frame.js';
import { BAND_PX, FIT_CAP, G, GEO, layout, layoutH, layoutW, lowerRow, nearestRec, rows, setMode, viewport, viewportSize } from './layout.js';
import { state } from './model.js';

const D2C = 0.25;              // detail → compact below this scale
const C2D_CARD_PX = 84;        // compact → detail when a compact card is wider than this (CSS px)
export const view = { scale: 1, tx: 16, ty: 16, auto: true };
export let dpr = globalThis.devicePixelRatio || 1;
export let cssW = 0, cssH = 0;
let canvas = null, wrap = null;
export function initView(canvasEl, wrapEl) { canvas = canvasEl; wrap = wrapEl; }

export function relayoutKeepView() {
  layout(false);
  if (view.auto) fitView(false);
}

export function fitScale() {
  const vp = viewportSize();
  return Math.min((vp.w - 24) / layoutW, (vp.h - 48) / layoutH);
}
const FIT_DETAIL = 0.7;         // fit keeps the detail cards while their text is legible (draw.js LOD_HIGH)
// Lay the cluster out in one geometry with the grid chosen for this screen; the scale it fits at.
function fitGeometry(mode) {
  GEO[mode].groupH = GEO[mode].groupH0;
  setMode(mode, true);
  // group bands tall enough for a 12px label at this scale (chooseGrid counted them so)
  const want = Math.min(400, Math.max(G.groupH0, BAND_PX / Math.min(FIT_CAP[mode], fitScale())));
  if (want > G.groupH + 1) { G.groupH = want; layout(false); }
  return Math.min(fitScale(), FIT_CAP[mode]);
}
// Fit the whole cluster: detail cards while their text is legible, else the geometry with the larger pods.
function chooseFitGeometry() {
  const detail = fitGeometry('detail');
  if (detail >= FIT_DETAIL) return;
  if (fitGeometry('compact') <= detail) fitGeometry('detail');
}
export function fitView(user) {
  const vp = viewportSize();
  if (user || view.auto) chooseFitGeometry();
  const s = Math.min(fitScale(), FIT_CAP[G.mode]);
  view.scale = s;
  view.tx = Math.round((vp.w - layoutW * s) / 2);
  view.ty = Math.max(12, Math.round(Math.min(12, (vp.h - layoutH * s) / 2)));
  if (user) view.auto = true;
  marks.full = true;
  schedule();
}
export function minScale() { return Math.min(fitScale() * 0.5, 0.05); }
export function zoomAt(factor, cx, cy) {
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
      marks.full = true;
      schedule();
      return;
    }
  }
  const f = ns / view.scale;
  view.tx = cx - (cx - view.tx) * f;
  view.ty = cy - (cy - view.ty) * f;
  view.scale = ns;
  view.auto = false;
  marks.full = true;
  schedule();
}
export function focusRec(r) {
  if (G.mode !== 'detail') setMode('detail', false);
  const s = Math.min(1.4, Math.max(0.9, Math.min((cssW - 40) / r.w, (cssH - 40) / r.h)));
  view.scale = s;
  view.tx = cssW / 2 - (r.x + Math.min(r.w, cssW / s) / 2) * s;
  view.ty = 20 - r.y * s;
  view.auto = false;
  marks.full = true;
  schedule();
}

export function measure() {
  dpr = globalThis.devicePixelRatio || 1;
  const r = wrap.getBoundingClientRect();
  const w0 = cssW, h0 = cssH;
  cssW = Math.max(1, Math.round(r.width));
  cssH = Math.max(1, Math.round(r.height));
  viewport.w = cssW; viewport.h = cssH;
  const w = Math.round(cssW * dpr), h = Math.round(cssH * dpr);
  let changed = w0 !== cssW || h0 !== cssH;
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w; canvas.height = h;
    canvas.style.width = cssW + 'px'; canvas.style.height = cssH + 'px';
    changed = true;
  }
  return changed;
}
export function resize() {
  if (!measure()) return;
  if (view.auto && marks.haveState) fitView(false);
  marks.full = true;
  schedule();
}

export function recVisible(r) {
  const s = view.scale;
  const x = r.x * s + view.tx, y = r.y * s + view.ty;
  return x < cssW && y < cssH && x + r.w * s > 0 && y + r.h * s > 0;
}

export function visibleRecs() {
  const s = view.scale;
  const y0 = -view.ty / s, y1 = (cssH - view.ty) / s;
  const x0 = -view.tx / s, x1 = (cssW - view.tx) / s;
  const out = [];
  for (let i = lowerRow(y0); i < rows.length && rows[i].y <= y1; i++) {
    for (const r of rows[i].recs) if (r.x <= x1 && r.x + r.w >= x0) out.push(r);
  }
  return out;
}
