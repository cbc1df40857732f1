/* clusterviz — the pods and nodes of a state, from either of its two forms (see clusterviz/podtable.py and
 * clusterviz/nodetable.py).
 *
 * The pages ask for `?pods=table`: each pod is an array of scalars and the values many pods share
 * (namespace, node, status, owner, labels, requests, message) are indexes into one `values` list. That is a
 * third of the bytes of the object form and parses nearly three times faster at 150,000 pods. `podsOf(state)`
 * returns the PodSummary objects either way; pods that share a value share the object (never mutate one).
 * The nodes come as a `nodeTable` beside it (what every node shares written once: ~9 MB of objects at 5,000 nodes,
 * ~4 MB as a table); `nodesOf(state)` returns the NodeView objects either way.
 * A table whose columns this code does not know throws: the caller treats it like any broken message.
 */
export const COLUMNS = 'uid,name,namespace,node,phase,status,statusClass,readyContainers,totalContainers,restarts,' +
  'owner,qosClass,labels,requests,usage,message,createdAt,revision,failing';
const INTERNED = 'namespace,node,phase,status,statusClass,owner,qosClass,labels,requests,message';

// The values many pods share, one object each, as the table form gives them. Otherwise a pod that a delta brings (or
// a state in the object form) holds copies of its own: in V8 (node 20), 438 bytes a pod against 285 shared and 282
// from the table (BENCHMARKS.md §15). Past POOL_MAX values the pool starts again (pods made before keep what they
// share).
const POOL_MAX = 50000;
const SHARED_FIELDS = INTERNED.split(',');
let pool = new Map();
function shared(v) {
  if (v === null || (typeof v !== 'string' && typeof v !== 'object')) return v;
  const key = typeof v === 'string' ? 's' + v : 'o' + JSON.stringify(v);
  const have = pool.get(key);
  if (have !== undefined) return have;
  if (pool.size >= POOL_MAX) pool = new Map();
  pool.set(key, v);
  return v;
}
// The pods (parsed objects, changed in place) with their shared values made one object each; returns the list.
export function sharedPods(pods) {
  for (const p of pods) for (const f of SHARED_FIELDS) if (p[f] !== undefined) p[f] = shared(p[f]);
  return pods;
}

export function podsOf(st) {
  const t = st && st.podTable;
  if (!t) return sharedPods((st && st.pods) || []);
  if (String(t.columns) !== COLUMNS || String(t.interned) !== INTERNED) {
    throw new Error('unknown pod table columns: ' + String(t.columns).slice(0, 200));
  }
  const V = t.values, rows = t.rows, n = rows.length, out = new Array(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i], u = r[14];
    out[i] = {
      uid: r[0], name: r[1], namespace: V[r[2]], node: V[r[3]], phase: V[r[4]], status: V[r[5]],
      statusClass: V[r[6]], readyContainers: r[7], totalContainers: r[8], restarts: r[9], owner: V[r[10]],
      qosClass: V[r[11]], labels: V[r[12]], requests: V[r[13]],
      usage: u === null ? null : { cpu: u[0], memory: u[1] }, message: V[r[15]], createdAt: r[16],
      revision: r[17], failing: r[18],
    };
  }
  return out;
}

export const NODE_COLUMNS = 'name,roles,controlPlane,ready,conditions,unschedulable,taints,labels,kubeletVersion,' +
  'containerRuntime,osImage,architecture,allocatable,requested,usage,agents,createdAt,rest';
const NODE_OWN = new Set(['name', 'agents', 'createdAt']);
const NODE_AGENTS_AT = NODE_COLUMNS.split(',').indexOf('agents');

// A node's agents each come without their `node` when it is the node's own name; each node gets agents of its own.
function nodeAgents(ids, V, name) {
  return ids.map((i) => { const a = V[i]; return 'node' in a ? Object.assign({}, a) : Object.assign({}, a, { node: name }); });
}

export function nodesOf(st) {
  const t = st && st.nodeTable;
  if (!t) return (st && st.nodes) || [];
  if (String(t.columns) !== NODE_COLUMNS) throw new Error('unknown node table columns: ' + String(t.columns).slice(0, 200));
  const cols = t.columns, V = t.values, last = cols.length - 1;
  return t.rows.map((r) => {
    const n = {};
    for (let c = 0; c < last; c++) n[cols[c]] = NODE_OWN.has(cols[c]) ? r[c] : V[r[c]];
    n.agents = nodeAgents(r[NODE_AGENTS_AT], V, n.name);
    for (const [k, v] of Object.entries(V[r[last]] || {})) if (!cols.includes(k)) n[k] = v; // never a node's own field
    return n;
  });
}
