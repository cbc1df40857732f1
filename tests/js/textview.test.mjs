// The map as text (static/clusterviz/textview.js): counts per node by the server's status class, and the failing
// pods as the server marks them, all counted but only the first FAILING_CAP kept for the list.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { FAILING_CAP, agentsText, readyText, summarise } from '../../static/clusterviz/textview.js';
import { node, pod } from './wire.mjs';

const mapOf = (items, key) => new Map(items.map((x) => [x[key], x]));

test('each node gets its pods counted by status class; unscheduled pods count on no node', () => {
  const nodes = mapOf([node('w1'), node('w2')], 'name');
  const pods = mapOf([pod('a', 'w1'), pod('b', 'w1', { statusClass: 'pending' }), pod('c', null), pod('d', 'gone')], 'uid');
  const sum = summarise(nodes, pods);
  assert.deepEqual(sum.perNode.get('w1'), [1, 1, 0, 0, 0, 0]);
  assert.deepEqual(sum.perNode.get('w2'), [0, 0, 0, 0, 0, 0]);
});

test('failing is the wire data\'s word, not a rule of its own: a CrashLoopBackOff the server did not mark is not listed', () => {
  const pods = mapOf([pod('a', 'w1', { status: 'CrashLoopBackOff' }), pod('b', 'w1', { failing: true })], 'uid');
  const sum = summarise(new Map(), pods);
  assert.deepEqual(sum.failing.map((p) => p.uid), ['b']);
  assert.equal(sum.failingCount, 1);
});

test('every failing pod is counted, only the first FAILING_CAP are kept', () => {
  const many = Array.from({ length: FAILING_CAP + 7 }, (_, i) => pod('p' + i, null, { failing: true }));
  const sum = summarise(new Map(), mapOf(many, 'uid'));
  assert.equal(sum.failing.length, FAILING_CAP);
  assert.equal(sum.failingCount, FAILING_CAP + 7);
});

test('a node reads as kubectl says its Ready condition, and says when its kubelet stopped reporting', () => {
  assert.equal(readyText(node('a')), 'Ready');
  assert.equal(readyText(node('a', { ready: 'False' })), 'NotReady');
  assert.equal(readyText(node('a', { ready: 'Unknown', reporting: false })), 'Unknown (not reporting)');
  assert.equal(agentsText(node('a', { agents: [{ name: 'kubelet', health: 'healthy' }, { name: 'kube-proxy', health: 'degraded' }] })), 'kubelet: healthy, kube-proxy: degraded');
});
