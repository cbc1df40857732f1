// The map's model (static/clusterviz/model.js): a state, then deltas applied in place, with the counts and the
// node cards kept equal to what a fresh state would give.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';

import { marks } from '../../static/clusterviz/frame.js';
import * as model from '../../static/clusterviz/model.js';
import { parseSelector } from '../../static/clusterviz/selector.js';
import { clusterState, node, pod, podDelta } from './wire.mjs';

const names = (rec) => rec.pods.map((p) => p.uid);
const noFilter = { ns: '', selector: '', q: '', group: '', reqs: [] };

beforeEach(() => {
  model.setFilterSpec(noFilter);
  model.resetFromState(clusterState(
    [node('cp-1', { controlPlane: true }), node('worker-1'), node('worker-2', { ready: 'False' })],
    [pod('a', 'worker-1'), pod('b', 'worker-1', { status: 'CrashLoopBackOff', statusClass: 'running', failing: true }),
      pod('c', null, { status: 'Pending', statusClass: 'pending', phase: 'Pending' }), pod('d', 'cp-1', { namespace: 'kube-system' })],
  ));
  marks.dirty.clear(); marks.dirtyPods.clear();
});

test('a state fills the model, the counts and one card per node (plus the pending one)', () => {
  assert.equal(model.state.nodes.size, 3);
  assert.equal(model.state.pods.size, 4);
  assert.deepEqual(model.counts.statuses, [3, 1, 0, 0, 0, 0]);
  assert.equal(model.counts.failing, 1, 'as the server says: failing although its class is running');
  assert.equal(model.counts.notReady, 1);
  assert.equal(model.counts.unscheduled, 1);
  assert.deepEqual([...model.counts.namespaces], [['default', 3], ['kube-system', 1]]);
  assert.deepEqual(names(model.recs.get('worker-1')), ['a', 'b']);
  assert.deepEqual(names(model.pendingRec), ['c']);
});

test('a pod changing status in place keeps its slot and repaints just its square', () => {
  const relayout = model.applyDeltaModel(podDelta(2, { upsert: [pod('a', 'worker-1', { status: 'Error', statusClass: 'failed', failing: true })] }));
  assert.equal(relayout, false);
  assert.deepEqual(names(model.recs.get('worker-1')), ['a', 'b']);
  assert.equal(model.recs.get('worker-1').pods[0].statusClass, 'failed');
  assert.equal(marks.dirtyPods.size, 1);
  assert.deepEqual(model.counts.statuses, [2, 1, 0, 1, 0, 0]);
  assert.equal(model.counts.failing, 2);
  assert.equal(model.state.seq, 2);
});

test('a pod scheduled onto a node leaves the pending card for the node card', () => {
  model.applyDeltaModel(podDelta(2, { upsert: [pod('c', 'worker-2')] }));
  assert.deepEqual(names(model.pendingRec), []);
  assert.deepEqual(names(model.recs.get('worker-2')), ['c']);
  assert.equal(model.counts.unscheduled, 0);
  assert.ok(marks.dirty.has(model.pendingRec) && marks.dirty.has(model.recs.get('worker-2')));
});

test('a removed pod leaves its card and the counts; a namespace with no pod left is gone', () => {
  model.applyDeltaModel(podDelta(2, { remove: ['d'] }));
  assert.deepEqual(names(model.recs.get('cp-1')), []);
  assert.equal(model.state.pods.size, 3);
  assert.deepEqual([...model.counts.namespaces.keys()], ['default']);
});

test('a node that leaves takes its card; its pods wait for a node in the pending card', () => {
  const relayout = model.applyDeltaModel(podDelta(2, { nodes: { upsert: [], remove: ['worker-1'] } }));
  assert.equal(relayout, true);
  assert.equal(model.recs.has('worker-1'), false);
  assert.deepEqual(names(model.pendingRec).sort(), ['a', 'b', 'c']);
});

test('a node whose kubelet stopped reporting counts as not ready', () => {
  model.applyDeltaModel(podDelta(2, { nodes: { upsert: [node('worker-1', { reporting: false })], remove: [] } }));
  assert.equal(model.counts.notReady, 2);
  model.applyDeltaModel(podDelta(3, { nodes: { upsert: [node('worker-1')], remove: [] } }));
  assert.equal(model.counts.notReady, 1);
});

test('the filter dims what does not match and counts what does', () => {
  model.setFilterSpec({ ns: 'default', selector: '', q: '', group: '', reqs: [] });
  model.recomputeFilter();
  assert.equal(model.counts.matching, 3);
  assert.ok(model.dimmed.has(model.state.pods.get('d')));
  model.setFilterSpec({ ns: '', selector: 'app=web', q: '', group: '', reqs: parseSelector('app=web').reqs });
  model.recomputeFilter();
  assert.equal(model.counts.matching, 0);
  model.applyDeltaModel(podDelta(2, { upsert: [pod('e', 'worker-1', { labels: { app: 'web' } })] }));
  assert.equal(model.counts.matching, 1, 'a new matching pod counts at once');
});

test('the name filter matches pods by their name or their node', () => {
  model.setFilterSpec({ ns: '', selector: '', q: 'WORKER-1', group: '', reqs: [] });
  assert.equal(model.podMatches(model.state.pods.get('a')), true);
  assert.equal(model.podMatches(model.state.pods.get('d')), false);
});

test('a pod of an older ReplicaSet revision than its Deployment rolls out to is old', () => {
  const owner = { kind: 'Deployment', name: 'users' };
  model.applyDeltaModel(Object.assign(podDelta(2, { upsert: [pod('a', 'worker-1', { owner, revision: 1 }), pod('b', 'worker-1', { owner, revision: 2 })] }), { rollouts: { 'default/users': 2 } }));
  assert.equal(model.isOld(model.state.pods.get('a')), true);
  assert.equal(model.isOld(model.state.pods.get('b')), false);
  assert.equal(model.isOld(model.state.pods.get('c')), false);
});

test('pods in the table form are read like the object form', () => {
  const columns = ['uid', 'name', 'namespace', 'node', 'phase', 'status', 'statusClass', 'readyContainers', 'totalContainers',
    'restarts', 'owner', 'qosClass', 'labels', 'requests', 'usage', 'message', 'createdAt', 'revision', 'failing'];
  const interned = ['namespace', 'node', 'phase', 'status', 'statusClass', 'owner', 'qosClass', 'labels', 'requests', 'message'];
  const values = ['default', 'worker-1', 'Running', 'running', null, 'BestEffort', {}, ''];
  const row = (uid) => [uid, 'pod-' + uid, 0, 1, 2, 2, 3, 1, 1, 0, 4, 5, 6, 6, null, 7, 0, null, uid === 'y'];
  model.resetFromState(Object.assign(clusterState([node('worker-1')], []), { pods: undefined, podTable: { columns, interned, values, rows: [row('x'), row('y')] } }));
  assert.deepEqual(names(model.recs.get('worker-1')), ['x', 'y']);
  assert.equal(model.state.pods.get('x').status, 'Running');
  assert.equal(model.counts.failing, 1);
});

test('a table of unknown columns is refused and the model stays as it was', () => {
  assert.throws(() => model.resetFromState({ podTable: { columns: ['uid'], interned: [], values: [], rows: [] } }), /unknown pod table columns/);
  assert.equal(model.state.pods.size, 4);
});
