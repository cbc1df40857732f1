// The JavaScript and the Python side agree on the wire data: the pod table the server writes decodes in the page
// into the very pods of the object form, and the rules the server decides (statusClass, failing) are taken from
// the wire, never recomputed — the map counts as failing exactly the pods the server marks failing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

import * as model from '../../static/clusterviz/model.js';
import { nodesOf, podsOf, sharedPods } from '../../static/clusterviz/podtable.js';
import { isFailing } from '../../static/clusterviz/status.js';
import { clusterState, node, pod } from './wire.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PYTHON = process.env.PYTHON || 'python3';

function fromPython() {
  const out = execFileSync(PYTHON, ['tests/js/wire_fixture.py'], { cwd: ROOT, env: Object.assign({}, process.env, { PYTHONPATH: ROOT }), maxBuffer: 64 << 20 });
  return JSON.parse(out);
}
const wire = fromPython();

test("the server's pod table decodes into the same pods as its object form", () => {
  assert.ok(wire.objects.pods.length > 10);
  assert.deepEqual(podsOf(wire.table), wire.objects.pods);
});

test("the server's node table decodes into the same nodes as its object form, each with agents of its own", () => {
  assert.equal(wire.table.nodes, undefined, 'the table form carries its nodes as a table only');
  const nodes = nodesOf(wire.table);
  assert.ok(nodes.length > 2);
  assert.deepEqual(nodes, wire.objects.nodes);
  assert.notEqual(nodes[0].agents[0], nodes[1].agents[0]);
  assert.deepEqual(nodesOf(wire.objects), wire.objects.nodes, 'the object form as it is');
});

test('a node table of unknown columns is refused, as a broken message is', () => {
  assert.throws(() => nodesOf({ nodeTable: Object.assign({}, wire.table.nodeTable, { columns: ['name'] }) }), /unknown node table/);
});

test('pods that deltas bring share their repeated values, one object each, as the table form shares them', () => {
  const delta = () => JSON.parse(JSON.stringify(wire.objects.pods)); // two deltas carrying the same pods
  const [a, b] = [sharedPods(delta()), sharedPods(delta())];
  assert.deepEqual(a, wire.objects.pods, 'the values are unchanged');
  const i = a.findIndex((p) => p.labels && Object.keys(p.labels).length && p.requests);
  assert.ok(i >= 0, 'the demo has pods with labels and requests');
  assert.equal(a[i].labels, b[i].labels, 'one labels object for both');
  assert.equal(a[i].requests, b[i].requests, 'one requests object for both');
  const same = a.filter((p) => JSON.stringify(p.labels) === JSON.stringify(a[i].labels));
  assert.ok(same.every((p) => p.labels === a[i].labels), 'and for every pod with the same labels');
});

test('every pod on the wire says whether it is failing, and the demo has both kinds', () => {
  const flags = wire.objects.pods.map((p) => p.failing);
  assert.ok(flags.every((f) => typeof f === 'boolean'), 'failing is a boolean on every pod');
  assert.ok(flags.includes(true) && flags.includes(false));
});

test("the map counts as failing exactly the pods the server marks failing", () => {
  model.setFilterSpec({ ns: '', selector: '', q: '', group: '', reqs: [] });
  model.resetFromState(wire.table);
  assert.equal(model.counts.failing, wire.objects.pods.filter((p) => p.failing).length);
});

test('the page takes "failing" from the wire: no copy of the rule second-guesses the server', () => {
  assert.equal(isFailing(pod('a', 'n', { status: 'CrashLoopBackOff', statusClass: 'running', failing: false })), false);
  assert.equal(isFailing(pod('b', 'n', { status: 'Running', statusClass: 'running', failing: true })), true);
  model.resetFromState(clusterState([node('n')], [pod('a', 'n', { status: 'CrashLoopBackOff', failing: false })]));
  assert.equal(model.counts.failing, 0);
});
