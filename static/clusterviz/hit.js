/* clusterviz — what is under a point of the map: binary search on the rows, then arithmetic. No DOM here. */
import { CHIP_H, CHIP_Y, LOD_HIGH, agentChips } from './draw.js';
import { G, P, SQ, lowerRow, rows } from './layout.js';
import { recOf, recs, state } from './model.js';
import { view } from './view.js';

export function hitTest(cx, cy) {
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

export function nodeRect(name) {
  const r = recs.get(name);
  return r ? { x: r.x * view.scale + view.tx, y: r.y * view.scale + view.ty, w: r.w * view.scale, h: r.h * view.scale } : null;
}
export function podRect(uid) {
  const p = state.pods.get(uid);
  if (!p) return null;
  const r = recOf(p);
  const i = r.pods.indexOf(p);
  if (i < 0 || i >= r.cap) return null;
  const wx = r.x + G.pad + (i % r.perRow) * P, wy = r.y + r.head + Math.floor(i / r.perRow) * P;
  return { x: wx * view.scale + view.tx, y: wy * view.scale + view.ty, w: SQ * view.scale, h: SQ * view.scale };
}
