// Wire objects shaped like clusterviz/wire.py's NodeView and PodSummary, with only what a test says differing.
export function node(name, extra = {}) {
  return Object.assign({ name, ready: 'True', controlPlane: false, reporting: true, labels: {}, agents: [], roles: [], allocatable: {}, requested: {} }, extra);
}
export function pod(uid, nodeName, extra = {}) {
  return Object.assign({
    uid, name: 'pod-' + uid, namespace: 'default', node: nodeName, phase: 'Running', status: 'Running', statusClass: 'running',
    readyContainers: 1, totalContainers: 1, restarts: 0, owner: null, qosClass: 'BestEffort', labels: {}, requests: {},
    usage: null, message: '', createdAt: 0, revision: null, failing: false,
  }, extra);
}
export function clusterState(nodes, pods, extra = {}) {
  return Object.assign({ cluster: 'test', seq: 1, revision: 1, at: 0, source: { kind: 'fake', state: 'live', reason: '' }, controlPlane: [], nodes, pods }, extra);
}
export function podDelta(seq, { upsert = [], remove = [], nodes } = {}) {
  return { type: 'delta', seq, revision: seq, at: 0, nodes: nodes || { upsert: [], remove: [] }, pods: { upsert, remove } };
}
