/* clusterviz — the compact overview as a software raster.
 *
 * In the overview everything is an axis-aligned rect (cards, strips, pods), so a full frame is written
 * straight into an ImageData buffer (one typed-array fill per rect row) and blitted with putImageData:
 * ~150k pods cost a few ms instead of 150k fillRect calls.
 */
import { BUCKET_ORDER, C, DIM_COLOR, PLATE_H, PLATE_Y, bn, bucketPods, bx, by, canvas, cardColors, ctx, drawPlateName, drawPodSelection, hatchSilent, mix, nodeStripColor, outline, podGeom, pressureList } from './draw.js';
import { G } from './layout.js';
import { filter, recs, selected, stats } from './model.js';
import { HEALTH_COLOR, STATUS_COLOR, worstHealth } from './status.js';
import { dpr } from './view.js';

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
  if (bn[14]) { // an old revision's pod during a rollout: crossed out by a band of the card's colour (as draw.js)
    const c = c32(cardBg || C.card), w = Math.max(1, Math.round(sq * 0.3)), top = Math.round((sq - w) / 2);
    for (let i = 0; i < bn[14]; i++) rrect(bx[14][i], by[14][i] + top, sq, w, c);
    stats.crossed += bn[14];
    bn[14] = 0;
  }
  if (bn[15]) { // a chosen Service's pod without traffic: a light square among the dimmed ones (see draw.js)
    const c = c32(C.excluded), X = bx[15], Y = by[15];
    for (let i = 0; i < bn[15]; i++) rrect(X[i], Y[i], sq, sq, c);
    stats.outlined += bn[15];
    bn[15] = 0;
  }
}
export function drawFullRaster(list) {
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
      const sx = Math.round((r.x + G.pad) * s + ox), sy = Math.round((r.y + PLATE_Y) * s + oy);
      const sw = Math.max(1, Math.round((G.cardW - 2 * G.pad) * s)), sh = Math.max(1, Math.round(PLATE_H * s));
      rrect(sx, sy, sw, sh, dimCard ? faint : c32(nodeStripColor(n, pl)));
      const wh = worstHealth(n.agents);
      if (wh !== 'healthy') { const hw = Math.max(1, Math.round(6 * s)) * 2; rrect(sx + sw - hw, sy, hw, sh, c32(HEALTH_COLOR[wh])); }
    }
  }
  const sel = bucketPods(list, g, flushBucketsRaster);
  ctx.putImageData(img, 0, 0);
  for (const r of list) if (r.kind !== 'pending') drawPlateName(r, s); // text is not a rect: drawn on top
  hatchSilent(list, g);
  if (sel) drawPodSelection(sel, g);
  if (selected && selected.kind === 'node') { const r = recs.get(selected.id); if (r && list.indexOf(r) >= 0) outline(r); }
}
