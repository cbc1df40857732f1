// Where the cards go (static/clusterviz/layout.js): the pending area first, the control plane before the
// workers, names in the order people count them, cards tall enough for their pods, columns that stay put.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';

import * as L from '../../static/clusterviz/layout.js';
import * as model from '../../static/clusterviz/model.js';
import { clusterState, node, pod } from './wire.mjs';

function cluster(nodes, pods = []) {
  model.setFilterSpec({ ns: '', selector: '', q: '', group: '', reqs: [] });
  model.resetFromState(clusterState(nodes, pods));
}
const order = () => L.rows.flatMap((r) => r.recs.map((rec) => rec.name || '(pending)'));

beforeEach(() => {
  L.viewport.w = 1600; L.viewport.h = 1000;
  L.colsCache.detail.n = -1; L.colsCache.compact.n = -1;
  L.setMode('detail', true);
});

test('the pending area comes first, then the control plane, then the workers by name as people count', () => {
  cluster([node('worker-10'), node('worker-2'), node('cp', { controlPlane: true }), node('worker-1')]);
  L.layout(true);
  assert.deepEqual(order(), ['(pending)', 'cp', 'worker-1', 'worker-2', 'worker-10']);
  assert.deepEqual(L.groups.map((g) => g.label), ['Pending — not scheduled yet', 'Control plane', 'Workers']);
  assert.ok(L.rows.every((r, i) => i === 0 || r.y > L.rows[i - 1].y), 'rows go down the page');
});

test('without a control-plane node the others are just "Nodes"', () => {
  cluster([node('a'), node('b')]);
  L.layout(true);
  assert.deepEqual(L.groups.map((g) => g.label), ['Pending — not scheduled yet', 'Nodes']);
});

test('grouping by a label makes a band per value, nodes without it last', () => {
  cluster([node('a', { labels: { zone: 'z2' } }), node('b', { labels: { zone: 'z1' } }), node('c')]);
  model.setFilterSpec({ ns: '', selector: '', q: '', group: 'zone', reqs: [] });
  L.layout(true);
  assert.deepEqual(L.groups.slice(1).map((g) => g.label), ['zone=z1', 'zone=z2', '(no zone)']);
  assert.deepEqual(order().slice(1), ['b', 'a', 'c']);
});

test('a card has room for all its pods, and the cards of a row are as tall as its fullest', () => {
  const pods = Array.from({ length: 100 }, (_, i) => pod('p' + i, 'busy'));
  cluster([node('busy'), node('idle')], pods);
  L.layout(true);
  const busy = model.recs.get('busy'), idle = model.recs.get('idle');
  assert.ok(busy.cap >= 100, 'capacity ' + busy.cap);
  assert.equal(busy.y, idle.y, 'one row');
  assert.equal(busy.h, idle.h);
  assert.ok(busy.h > L.cardHeight(0, L.G));
});

test('the pending card always keeps a free row', () => {
  cluster([node('n')], Array.from({ length: 30 }, (_, i) => pod('u' + i, null)));
  L.layout(true);
  assert.ok(model.pendingRec.cap > 30);
});

test('the columns are kept while the node count stays similar, and recomputed when it changes a lot', () => {
  cluster(Array.from({ length: 40 }, (_, i) => node('n' + i)));
  L.layout(true);
  const cols = L.colsCache.detail.cols;
  cluster(Array.from({ length: 41 }, (_, i) => node('n' + i)));
  L.layout(false);
  assert.equal(L.colsCache.detail.cols, cols, 'one more node: same columns');
  cluster(Array.from({ length: 400 }, (_, i) => node('n' + i)));
  L.layout(false);
  assert.notEqual(L.colsCache.detail.cols, cols);
});

test('the columns follow the viewport: a wide screen gets more of them than a tall one', () => {
  cluster(Array.from({ length: 60 }, (_, i) => node('n' + i)));
  L.viewport.w = 2000; L.viewport.h = 600;
  L.layout(true);
  const wide = L.colsCache.detail.cols;
  L.viewport.w = 600; L.viewport.h = 2000;
  L.layout(true);
  assert.ok(wide > L.colsCache.detail.cols, wide + ' vs ' + L.colsCache.detail.cols);
});

test('the compact geometry makes narrower cards sized to the pods per node', () => {
  cluster(Array.from({ length: 10 }, (_, i) => node('n' + i)), Array.from({ length: 200 }, (_, i) => pod('p' + i, 'n' + (i % 10))));
  L.setMode('compact', true);
  assert.equal(L.G.mode, 'compact');
  assert.ok(L.G.cardW < L.GEO.detail.cardW);
  assert.ok(model.recs.get('n0').cap >= 20);
});

test('rows are found by a point: lowerRow and nearestRec', () => {
  cluster([node('a'), node('b')]);
  L.layout(true);
  const b = model.recs.get('b');
  assert.equal(L.rows[L.lowerRow(b.y + 1)].recs.includes(b), true);
  assert.equal(L.nearestRec(b.x + 1, b.y + 1), b);
  assert.equal(L.nearestRec(0, -50), model.pendingRec);
});

// Fit: the grid is chosen from the space there is (chooseGrid), so the cards fill the map area.
const fills = (g, screen, sizes, k, pending) => {
  const grid = L.chooseGrid(g, screen, sizes, k, pending);
  const world = L.gridWorld(g, sizes, k, pending, grid.perRow, grid.cols);
  const h = world.h * grid.s + world.bands * Math.max(L.BAND_PX, g.groupH0 * grid.s);
  return { grid, w: world.w * grid.s / screen.w, h: h / screen.h };
};

test('fit: 100 nodes of 32 pods on a 1,600x1,000 map fill its width or height, with pods of 6 px and more', () => {
  const { grid, w, h } = fills(L.GEO.compact, { w: 1136, h: 837 }, [1, 100], 32, 0);
  assert.ok(w <= 1.0001 && h <= 1.0001, 'inside the map: ' + w + ' x ' + h);
  assert.ok(Math.max(w, h) > 0.99 && Math.min(w, h) > 0.85, 'fills it: ' + w + ' x ' + h);
  assert.ok(L.SQ * grid.s >= 6, 'pod cells of ' + L.SQ * grid.s + ' px');
});

test('fit: the card shape follows the screen — a wide map gets wider cards or more columns than a tall one', () => {
  const wide = L.chooseGrid(L.GEO.compact, { w: 2000, h: 500 }, [100], 32, 0);
  const tall = L.chooseGrid(L.GEO.compact, { w: 500, h: 2000 }, [100], 32, 0);
  assert.ok(wide.cols * wide.perRow > tall.cols * tall.perRow, JSON.stringify({ wide, tall }));
});

test('fit: no other grid of the same cards has a larger scale', () => {
  const g = L.GEO.compact, screen = { w: 1136, h: 837 }, sizes = [1, 100];
  const best = L.chooseGrid(g, screen, sizes, 32, 5);
  for (const perRow of L.perRowChoices(g, 32)) {
    for (let cols = 1; cols <= 100; cols++) {
      const s = L.gridScale(g, screen, L.gridWorld(g, sizes, 32, 5, perRow, cols));
      assert.ok(s <= best.s + 1e-9, perRow + ' x ' + cols + ': ' + s + ' > ' + best.s);
    }
  }
});

test('fit: a huge cluster (1,000 nodes of 150 pods) still fits the map, with tiny pods', () => {
  const { grid, w, h } = fills(L.GEO.compact, { w: 1136, h: 837 }, [3, 1000], 150, 0);
  assert.ok(w <= 1.0001 && h <= 1.0001 && Math.max(w, h) > 0.99, w + ' x ' + h);
  assert.ok(grid.s > 0.05 && grid.s < 0.5, 'scale ' + grid.s);
});

test('fit: the detail cards keep their width and only the columns are chosen', () => {
  assert.deepEqual(L.perRowChoices(L.GEO.detail, 500), [L.GEO.detail.perRow]);
  const grid = L.chooseGrid(L.GEO.detail, { w: 1136, h: 837 }, [1, 3], 5, 0);
  assert.equal(grid.perRow, L.GEO.detail.perRow);
  assert.ok(grid.cols >= 1 && grid.cols <= 3);
});

test('fit: one crowded node does not size every card (the 90th percentile does), yet its card holds all its pods', () => {
  assert.equal(L.podsToHold([...Array(99).fill(30), 300]), 30);
  const pods = Array.from({ length: 300 }, (_, i) => pod('c' + i, 'crowded'));
  cluster([node('crowded'), ...Array.from({ length: 20 }, (_, i) => node('n' + i))], pods);
  L.setMode('compact', true);
  assert.ok(model.recs.get('crowded').cap >= 300);
});

test('fit: the layout uses the chosen grid, so the whole map fits the screen at the chosen scale', () => {
  cluster(Array.from({ length: 100 }, (_, i) => node('n' + i)), Array.from({ length: 3000 }, (_, i) => pod('p' + i, 'n' + (i % 100))));
  L.setMode('compact', true);
  const grid = L.chooseGrid(L.G, { w: 1576, h: 952 }, [100], 30, 0);
  assert.equal(L.colsCache.compact.cols, grid.cols);
  assert.equal(L.G.perRow, grid.perRow);
  assert.ok(L.layoutW * grid.s <= 1576 + 1e-6);
});
