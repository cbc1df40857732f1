// The status rules and the palette (static/clusterviz/status.js), shared by the map and the wall.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import * as S from '../../static/clusterviz/status.js';
import { node, pod } from './wire.mjs';

test("the canvas palette is the stylesheet's: the legend's swatches show the colours the map draws", () => {
  const css = readFileSync(new URL('../../static/clusterviz/map.css', import.meta.url), 'utf8');
  const variable = (name) => (new RegExp('--' + name + ':\\s*(#[0-9a-fA-F]{6})').exec(css) || [])[1];
  S.STATUS.forEach((status, i) => assert.equal(variable('s-' + status), S.STATUS_COLOR[i], status));
  for (const [health, colour] of Object.entries(S.HEALTH_COLOR)) assert.equal(variable('h-' + health), colour, health);
});

test('a status class the map does not know is drawn as unknown', () => {
  assert.equal(S.statusIndex(pod('a', 'n', { statusClass: 'running' })), 0);
  assert.equal(S.statusIndex(pod('a', 'n', { statusClass: 'bogus' })), S.STATUS.indexOf('unknown'));
});

test('a node is not ready when Ready is not True or its kubelet stopped reporting', () => {
  assert.equal(S.unready(node('n')), false);
  assert.equal(S.unready(node('n', { ready: 'Unknown' })), true);
  assert.equal(S.unready(node('n', { reporting: false })), true);
});

test("a silent node's agents are not blamed; a reporting node's unhealthy or degraded agents are", () => {
  const agents = [{ name: 'kubelet', health: 'unhealthy' }, { name: 'kube-proxy', health: 'degraded' }, { name: 'cni', health: 'unknown' }];
  assert.deepEqual(S.badAgents(node('n', { agents })).map((a) => a.name), ['kubelet', 'kube-proxy']);
  assert.deepEqual(S.badAgents(node('n', { agents, reporting: false })), []);
  assert.equal(S.nodeBad(node('n', { agents })), true);
  assert.equal(S.nodeBad(node('n')), false);
  assert.equal(S.worstHealth(agents), 'unhealthy');
  assert.equal(S.worstHealth([]), 'healthy');
});

test('a running pod with fewer ready containers than it has is not ready', () => {
  assert.equal(S.podNotReady(pod('a', 'n', { readyContainers: 0, totalContainers: 2 })), true);
  assert.equal(S.podNotReady(pod('a', 'n')), false);
  assert.equal(S.podNotReady(pod('a', 'n', { statusClass: 'pending', readyContainers: 0 })), false);
});
